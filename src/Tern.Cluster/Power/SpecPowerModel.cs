namespace Tern.Cluster.Power;

/// <summary>
/// Power model built from the eleven SPECpower_ssj2008 measurements at 0 %, 10 %, …, 100 % load,
/// interpolated linearly in between (as CloudSim's PowerModelSpecPower does).
/// </summary>
public sealed class SpecPowerModel : IPowerModel
{
    private readonly double[] watts;

    // The utilisations u for which the reference's test "u % 0.1 == 0" holds: the multiples n × 0.1
    // that are exact in binary (NaN where n × 0.1 is not). Comparing against them gives the same
    // branch as the floating-point remainder, which is slow, on every call.
    private readonly double[] exactTenths = new double[11];

    public SpecPowerModel(string name, IReadOnlyList<double> wattsAtTenPercentSteps)
    {
        if (wattsAtTenPercentSteps.Count != 11)
        {
            throw new ArgumentException($"a SPECpower model needs 11 readings (0 %..100 %), got {wattsAtTenPercentSteps.Count}", nameof(wattsAtTenPercentSteps));
        }
        Name = name;
        watts = [.. wattsAtTenPercentSteps];
        for (int n = 0; n <= 10; n++)
        {
            double tenth = n * 0.1;
            exactTenths[n] = tenth % 0.1 == 0 ? tenth : double.NaN;
        }
    }

    public string Name { get; }

    public double MaxPower => watts[10];

    public double PowerAt(double utilization)
    {
        if (utilization < 0 || utilization > 1 || double.IsNaN(utilization))
        {
            throw new ArgumentOutOfRangeException(nameof(utilization), utilization, "utilisation must be within [0, 1]");
        }
        double tenths = utilization * 10;
        if (utilization == exactTenths[(int)Math.Round(tenths)])
        {
            return watts[(int)tenths];
        }
        int lower = (int)Math.Floor(tenths);
        int upper = (int)Math.Ceiling(tenths);
        double step = (watts[upper] - watts[lower]) / 10;
        return watts[lower] + step * (utilization - lower / 10.0) * 100;
    }

    public override string ToString() => Name;
}
