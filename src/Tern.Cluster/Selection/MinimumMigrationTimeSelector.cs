using Tern.Cluster.Placement;

namespace Tern.Cluster.Selection;

/// <summary>MMT: the VM that migrates fastest (under the state's migration cost model); the first one on ties.</summary>
public sealed class MinimumMigrationTimeSelector : IVmSelector
{
    public int SelectVm(PlacementState state, int host)
    {
        var spec = state.Host(host).Spec;
        int chosen = -1;
        double fastest = double.MaxValue;
        foreach (int vm in state.VmsOn(host))
        {
            if (state.Vm(vm).InMigration)
            {
                continue;
            }
            double seconds = state.MigrationCost.MigrationSeconds(state.Vm(vm).Spec, spec, spec);
            if (seconds < fastest)
            {
                fastest = seconds;
                chosen = vm;
            }
        }
        return chosen;
    }
}
