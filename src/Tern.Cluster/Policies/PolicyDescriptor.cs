using Tern.Cluster.Placement;

namespace Tern.Cluster.Policies;

/// <summary>A named policy ready to run: how VMs are first placed, how they are consolidated afterwards.</summary>
/// <param name="HostsAlwaysOn">
/// Hosts are never switched off or slowed down (the NPA baseline): every host draws its full
/// power whether loaded or not.
/// </param>
public sealed record PolicyDescriptor(
    string Name,
    IHostFinder InitialPlacement,
    IConsolidationPolicy Consolidation,
    bool HostsAlwaysOn);
