using Tern.Cluster.Migration;
using Tern.Cluster.Placement;

namespace Tern.Cluster.Policies;

/// <summary>
/// Empties a host only when switching it off pays for the migrations: the idle power saved over
/// <paramref name="paybackSeconds"/> must exceed the extra power the targets draw while the VMs
/// are in flight plus the CPU the VMs lose during their migrations (priced at the source's
/// watts per MIPS). The migration times come from the cost model, so measured costs plug in.
/// </summary>
public sealed class MigrationCostGate(IMigrationCostModel migrationCost, double paybackSeconds) : IEvacuationGate
{
    /// <summary>Share of a migrating VM's CPU lost while it moves (the reference's 10 % degradation).</summary>
    public const double DegradationShare = 0.1;

    public bool ShouldEvacuate(PlacementState state, int host, IReadOnlyList<(int Vm, int Target)> moves)
    {
        var source = state.Host(host).Spec;
        double idleWatts = source.Power.PowerAt(0);
        double wattsPerMips = (source.Power.MaxPower - idleWatts) / source.TotalMips;
        double costJoules = 0;
        foreach ((int vm, int target) in moves)
        {
            var v = state.Vm(vm);
            double seconds = migrationCost.MigrationSeconds(v.Spec, source, state.Host(target).Spec);
            costJoules += seconds * v.RequestedMips * (DegradationShare + 1) * wattsPerMips;
            costJoules += seconds * idleWatts * DegradationShare;
        }
        return idleWatts * paybackSeconds > costJoules;
    }
}
