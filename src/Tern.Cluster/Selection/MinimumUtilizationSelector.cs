using Tern.Cluster.Placement;

namespace Tern.Cluster.Selection;

/// <summary>MU: the VM using the smallest share of its own vCPU; the first one on ties.</summary>
public sealed class MinimumUtilizationSelector : IVmSelector
{
    public int SelectVm(PlacementState state, int host)
    {
        int chosen = -1;
        double lowest = double.MaxValue;
        foreach (int vm in state.VmsOn(host))
        {
            if (state.Vm(vm).InMigration)
            {
                continue;
            }
            double utilization = state.Vm(vm).Utilization;
            if (utilization < lowest)
            {
                lowest = utilization;
                chosen = vm;
            }
        }
        return chosen;
    }
}
