namespace Tern.Cluster.Model;

/// <summary>
/// Everything a consolidation policy may look at: hosts and VMs, each indexed by its id.
/// Policies treat it as read-only.
/// </summary>
public sealed class ClusterSnapshot
{
    public ClusterSnapshot(double timeSeconds, IReadOnlyList<HostView> hosts, IReadOnlyList<VmView> vms)
    {
        for (int i = 0; i < hosts.Count; i++)
        {
            if (hosts[i].Id != i)
            {
                throw new ArgumentException($"host at index {i} has id {hosts[i].Id}; ids must equal indices", nameof(hosts));
            }
        }
        for (int i = 0; i < vms.Count; i++)
        {
            if (vms[i].Id != i)
            {
                throw new ArgumentException($"VM at index {i} has id {vms[i].Id}; ids must equal indices", nameof(vms));
            }
        }
        TimeSeconds = timeSeconds;
        Hosts = hosts;
        Vms = vms;
    }

    public double TimeSeconds { get; }

    public IReadOnlyList<HostView> Hosts { get; }

    public IReadOnlyList<VmView> Vms { get; }
}
