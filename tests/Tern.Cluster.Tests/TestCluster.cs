using Tern.Cluster.Migration;
using Tern.Cluster.Model;
using Tern.Cluster.Placement;
using Tern.Cluster.Power;

namespace Tern.Cluster.Tests;

/// <summary>Builds small snapshots for policy tests.</summary>
internal static class TestCluster
{
    public static readonly HostSpec G4 = new("G4", 2, 1860, 4096, 1000, ServerPowerModels.HpProLiantMl110G4);
    public static readonly HostSpec G5 = new("G5", 2, 2660, 4096, 1000, ServerPowerModels.HpProLiantMl110G5);
    public static readonly IMigrationCostModel Cost = new LinkShareMigrationCost();

    public static VmView Vm(int id, double mips, double requested, int ram = 870, int host = -1, double[]? history = null) =>
        new(id, new VmSpec($"vm{id}", mips, ram, 100), requested, history ?? ReadOnlyMemory<double>.Empty, host, false, 0, 0);

    /// <summary>Hosts with their VMs; a host's measured utilisation is the sum of its VMs' requests.</summary>
    public static ClusterSnapshot Snapshot(HostSpec[] hosts, VmView[] vms)
    {
        var views = new HostView[hosts.Length];
        for (int h = 0; h < hosts.Length; h++)
        {
            int[] on = [.. vms.Where(v => v.HostId == h).Select(v => v.Id)];
            double measured = on.Sum(v => vms[v].RequestedMips);
            views[h] = new HostView(h, hosts[h], measured, on);
        }
        return new ClusterSnapshot(0, views, vms);
    }

    public static PlacementState State(HostSpec[] hosts, VmView[] vms) => new(Snapshot(hosts, vms), Cost);
}
