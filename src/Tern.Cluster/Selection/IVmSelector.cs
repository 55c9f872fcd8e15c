using Tern.Cluster.Placement;

namespace Tern.Cluster.Selection;

/// <summary>Picks the next VM to move off an overloaded host, or -1 when none can move.</summary>
public interface IVmSelector
{
    int SelectVm(PlacementState state, int host);
}
