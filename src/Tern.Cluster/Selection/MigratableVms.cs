using Tern.Cluster.Placement;

namespace Tern.Cluster.Selection;

internal static class MigratableVms
{
    /// <summary>VMs on the host that are not already migrating, in host order.</summary>
    public static List<int> On(PlacementState state, int host)
    {
        var result = new List<int>(state.VmsOn(host).Count);
        foreach (int vm in state.VmsOn(host))
        {
            if (!state.Vm(vm).InMigration)
            {
                result.Add(vm);
            }
        }
        return result;
    }
}
