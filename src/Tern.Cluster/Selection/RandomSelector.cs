using Tern.Cluster.Placement;

namespace Tern.Cluster.Selection;

/// <summary>RS: a uniformly random migratable VM, drawn from the generator passed in (seed it for repeatable runs).</summary>
public sealed class RandomSelector(Random random) : IVmSelector
{
    public int SelectVm(PlacementState state, int host)
    {
        List<int> candidates = MigratableVms.On(state, host);
        return candidates.Count == 0 ? -1 : candidates[random.Next(candidates.Count)];
    }
}
