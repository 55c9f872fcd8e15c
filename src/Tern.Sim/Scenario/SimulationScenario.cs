using Tern.Cluster.Migration;
using Tern.Cluster.Model;
using Tern.Cluster.Power;

namespace Tern.Sim.Scenario;

/// <summary>
/// The datacenter and the rules of the simulated day.
/// </summary>
/// <param name="HostTypes">Host i has type i mod the number of types.</param>
/// <param name="VmTypes">VM i of n has type ⌊i / ⌈n / types⌉⌋ (consecutive blocks).</param>
/// <param name="ClockOffsetSeconds">When the VMs start; steps follow every interval after it. The reference starts its clock 0.1 s late.</param>
/// <param name="ReserveMemoryAfterPlacement">
/// Whether a VM keeps claiming its memory (and network share) on hosts after its initial
/// placement. The reference does not: its VMs report zero memory demand once started, so memory
/// limits only the first placement.
/// </param>
/// <param name="RetireIdleVms">
/// Whether a VM whose demand is exactly zero at a measurement is removed for good. CloudSim 3.0.3
/// does this: its datacenter deallocates "completed VMs" (no requested MIPS, not migrating) after
/// every measurement, and a PlanetLab VM whose trace is 0 % at that instant counts as completed.
/// The published figures are only reproduced with it.
/// </param>
/// <param name="MigrationDegradation">Share of a migrating VM's CPU lost while it moves.</param>
/// <param name="TargetReservation">Share of a migrating VM's CPU the destination sets aside while it arrives.</param>
public sealed record SimulationScenario(
    int HostCount,
    IReadOnlyList<HostSpec> HostTypes,
    IReadOnlyList<VmSpec> VmTypes,
    double IntervalSeconds,
    double DurationSeconds,
    double ClockOffsetSeconds,
    bool ReserveMemoryAfterPlacement,
    bool RetireIdleVms,
    double MigrationDegradation,
    double TargetReservation,
    IMigrationCostModel MigrationCost)
{
    /// <summary>The Beloglazov &amp; Buyya PlanetLab setup as shipped with CloudSim 3.0.3.</summary>
    public static SimulationScenario PlanetLab(int hostCount = 800) => new(
        hostCount,
        [
            new HostSpec("HP ProLiant ML110 G4", 2, 1860, 4096, 1000, ServerPowerModels.HpProLiantMl110G4),
            new HostSpec("HP ProLiant ML110 G5", 2, 2660, 4096, 1000, ServerPowerModels.HpProLiantMl110G5),
        ],
        [
            new VmSpec("High-CPU Medium", 2500, 870, 100),
            new VmSpec("Extra Large", 2000, 1740, 100),
            new VmSpec("Small", 1000, 1740, 100),
            new VmSpec("Micro", 500, 613, 100),
        ],
        IntervalSeconds: 300,
        DurationSeconds: 24 * 60 * 60,
        ClockOffsetSeconds: 0.1,
        ReserveMemoryAfterPlacement: false,
        RetireIdleVms: true,
        MigrationDegradation: 0.1,
        TargetReservation: 0.1,
        MigrationCost: new LinkShareMigrationCost(0.5));

    public HostSpec HostTypeOf(int host) => HostTypes[host % HostTypes.Count];

    public VmSpec VmTypeOf(int vm, int vmCount)
    {
        int block = (int)Math.Ceiling((double)vmCount / VmTypes.Count);
        return VmTypes[vm / block];
    }
}
