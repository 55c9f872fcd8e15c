using Tern.Cluster.Placement;
using Tern.Cluster.Statistics;

namespace Tern.Cluster.Selection;

/// <summary>
/// MC: the VM whose CPU history is best explained by the other VMs' histories on the host
/// (highest R² of a multiple regression), since correlated VMs peak together. Needs more history
/// points than VMs; otherwise, or with a single VM, it defers to a fallback.
/// </summary>
public sealed class MaximumCorrelationSelector(IVmSelector fallback) : IVmSelector
{
    public int SelectVm(PlacementState state, int host)
    {
        List<int> candidates = MigratableVms.On(state, host);
        if (candidates.Count == 0)
        {
            return -1;
        }
        int points = int.MaxValue;
        foreach (int vm in candidates)
        {
            points = Math.Min(points, state.Vm(vm).History.Length);
        }
        int n = candidates.Count;
        // The regression of one VM on the n − 1 others plus an intercept needs positive degrees of freedom.
        if (points - n <= 0)
        {
            return fallback.SelectVm(state, host);
        }
        var series = new double[n * points];
        for (int i = 0; i < n; i++)
        {
            state.Vm(candidates[i]).History.Span[..points].CopyTo(series.AsSpan(i * points, points));
        }
        Span<double> determination = n <= 64 ? stackalloc double[n] : new double[n];
        MultipleRegression.LeaveOneOutDetermination(series, n, points, determination);
        int chosen = 0;
        double best = double.Epsilon;
        for (int i = 0; i < n; i++)
        {
            if (determination[i] > best)
            {
                best = determination[i];
                chosen = i;
            }
        }
        return candidates[chosen];
    }
}
