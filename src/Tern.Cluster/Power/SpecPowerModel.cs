namespace Tern.Cluster.Power;

/// <summary>
/// Power model built from the eleven SPECpower_ssj2008 measurements at 0 %, 10 %, …, 100 % load,
/// interpolated linearly in between (as CloudSim's PowerModelSpecPower does).
/// </summary>
public sealed class SpecPowerModel : IPowerModel
{
    private readonly double[] watts;

    public SpecPowerModel(string name, IReadOnlyList<double> wattsAtTenPercentSteps)
    {
        if (wattsAtTenPercentSteps.Count != 11)
        {
            throw new ArgumentException($"a SPECpower model needs 11 readings (0 %..100 %), got {wattsAtTenPercentSteps.Count}", nameof(wattsAtTenPercentSteps));
        }
        Name = name;
        watts = [.. wattsAtTenPercentSteps];
    }

    public string Name { get; }

    public double MaxPower => watts[10];

    public double PowerAt(double utilization)
    {
        if (utilization < 0 || utilization > 1 || double.IsNaN(utilization))
        {
            throw new ArgumentOutOfRangeException(nameof(utilization), utilization, "utilisation must be within [0, 1]");
        }
        if (utilization % 0.1 == 0)
        {
            return watts[(int)(utilization * 10)];
        }
        int lower = (int)Math.Floor(utilization * 10);
        int upper = (int)Math.Ceiling(utilization * 10);
        double step = (watts[upper] - watts[lower]) / 10;
        return watts[lower] + step * (utilization - lower / 10.0) * 100;
    }

    public override string ToString() => Name;
}
