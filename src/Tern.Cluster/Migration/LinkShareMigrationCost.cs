using Tern.Cluster.Model;

namespace Tern.Cluster.Migration;

/// <summary>
/// The CloudSim model: the whole memory image crosses the link once, using a fixed share of the
/// destination's bandwidth (half by default; the other half carries the VMs' own traffic).
/// 870 MB over half of 1 Gbit/s takes 13.92 s.
/// </summary>
public sealed class LinkShareMigrationCost(double linkShare = 0.5) : IMigrationCostModel
{
    public double MigrationSeconds(VmSpec vm, HostSpec source, HostSpec target) =>
        vm.RamMb * 8.0 / (target.BandwidthMbps * linkShare);
}
