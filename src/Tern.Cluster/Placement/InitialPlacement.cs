using Tern.Cluster.Migration;
using Tern.Cluster.Model;

namespace Tern.Cluster.Placement;

/// <summary>Places not-yet-running VMs one by one, in id order, with a host finder.</summary>
public static class InitialPlacement
{
    /// <returns>The host chosen for each VM of the snapshot that has none yet, indexed by VM id (-1 for VMs already placed).</returns>
    /// <exception cref="InsufficientCapacityException">Some VM fits on no host.</exception>
    public static int[] PlaceAll(ClusterSnapshot snapshot, IHostFinder finder, IMigrationCostModel migrationCost)
    {
        var state = new PlacementState(snapshot, migrationCost);
        var excluded = new bool[state.HostCount];
        var chosen = new int[state.VmCount];
        Array.Fill(chosen, -1);
        for (int vm = 0; vm < state.VmCount; vm++)
        {
            if (state.Vm(vm).HostId >= 0)
            {
                continue;
            }
            int host = finder.FindHost(state, vm, excluded);
            if (host < 0)
            {
                throw new InsufficientCapacityException(
                    $"VM {vm} ({state.Vm(vm).Spec.Name}) fits on none of the {state.HostCount} hosts; add hosts or remove VMs");
            }
            state.Add(vm, host);
            chosen[vm] = host;
        }
        return chosen;
    }
}
