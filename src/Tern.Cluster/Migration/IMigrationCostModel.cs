using Tern.Cluster.Model;

namespace Tern.Cluster.Migration;

/// <summary>
/// How long a live migration of a VM takes. Policies use it to rank VMs and to weigh a
/// consolidation against what it costs; the simulator uses it to time migrations.
/// </summary>
public interface IMigrationCostModel
{
    double MigrationSeconds(VmSpec vm, HostSpec source, HostSpec target);
}
