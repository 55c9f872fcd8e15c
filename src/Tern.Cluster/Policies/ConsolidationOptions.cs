namespace Tern.Cluster.Policies;

/// <summary>Switches that distinguish Tern's consolidation loop from the reference one.</summary>
/// <param name="ExcludeReliefTargets">
/// Do not pick hosts that just received VMs from overloaded hosts as candidates to empty. The
/// reference intends this (its comment says so) but builds the exclusion from an empty list, so it
/// never applies; keeping it off reproduces the published figures.
/// </param>
public sealed record ConsolidationOptions(bool ExcludeReliefTargets)
{
    public static ConsolidationOptions Reference { get; } = new(ExcludeReliefTargets: false);
}
