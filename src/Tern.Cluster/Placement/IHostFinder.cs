namespace Tern.Cluster.Placement;

/// <summary>Chooses a host for one VM, or -1 when none will do.</summary>
public interface IHostFinder
{
    int FindHost(PlacementState state, int vm, ReadOnlySpan<bool> excludedHosts);
}
