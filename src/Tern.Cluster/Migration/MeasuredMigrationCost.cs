using Tern.Cluster.Model;

namespace Tern.Cluster.Migration;

/// <summary>
/// Migration time taken from measurements of real migrations (for instance Tern's own
/// migration reports): the measured seconds are interpolated linearly in the VM's memory size
/// and scaled to the link the measurement was taken on. Sizes outside the measured range are
/// extrapolated from the nearest two points.
/// </summary>
public sealed class MeasuredMigrationCost : IMigrationCostModel
{
    private readonly double[] ramMb;
    private readonly double[] seconds;
    private readonly double measuredOnMbps;

    /// <param name="samples">(memory size in MB, measured total migration seconds); at least two distinct sizes.</param>
    /// <param name="measuredOnMbps">Bandwidth of the link the samples were measured on.</param>
    public MeasuredMigrationCost(IEnumerable<(double RamMb, double Seconds)> samples, double measuredOnMbps)
    {
        var ordered = samples.OrderBy(s => s.RamMb).ToArray();
        if (ordered.Select(s => s.RamMb).Distinct().Count() < 2)
        {
            throw new ArgumentException("need measurements for at least two memory sizes", nameof(samples));
        }
        ramMb = [.. ordered.Select(s => s.RamMb)];
        seconds = [.. ordered.Select(s => s.Seconds)];
        this.measuredOnMbps = measuredOnMbps;
    }

    public double MigrationSeconds(VmSpec vm, HostSpec source, HostSpec target)
    {
        int upper = 1;
        while (upper < ramMb.Length - 1 && ramMb[upper] < vm.RamMb)
        {
            upper++;
        }
        int lower = upper - 1;
        double slope = (seconds[upper] - seconds[lower]) / (ramMb[upper] - ramMb[lower]);
        double atMeasuredLink = seconds[lower] + slope * (vm.RamMb - ramMb[lower]);
        double link = Math.Min(source.BandwidthMbps, target.BandwidthMbps);
        return Math.Max(0, atMeasuredLink) * measuredOnMbps / link;
    }
}
