using Tern.Cluster.Placement;

namespace Tern.Cluster.Policies;

/// <summary>
/// Decides whether emptying an under-used host is worth it, given where its VMs would go.
/// Called after a full set of targets has been found, before anything is committed.
/// </summary>
public interface IEvacuationGate
{
    bool ShouldEvacuate(PlacementState state, int host, IReadOnlyList<(int Vm, int Target)> moves);
}

/// <summary>The reference behaviour: always empty the host when its VMs fit elsewhere.</summary>
public sealed class AlwaysEvacuate : IEvacuationGate
{
    public bool ShouldEvacuate(PlacementState state, int host, IReadOnlyList<(int Vm, int Target)> moves) => true;
}
