namespace Tern.Cluster.Placement;

/// <summary>The first host, in id order, with room for the VM.</summary>
public sealed class FirstFit : IHostFinder
{
    public int FindHost(PlacementState state, int vm, ReadOnlySpan<bool> excludedHosts)
    {
        for (int host = 0; host < state.HostCount; host++)
        {
            if (!excludedHosts[host] && state.CanHost(host, vm))
            {
                return host;
            }
        }
        return -1;
    }
}
