namespace Tern.Sim.Results;

/// <summary>The figures of one simulated run.</summary>
/// <param name="SlatahPct">SLA violation time per active host: share of active host time with demand unmet, in %.</param>
/// <param name="PdmPct">Performance degradation due to migration: CPU lost to migrations over CPU requested, in %.</param>
/// <param name="SlavPct">SLATAH × PDM, in %.</param>
/// <param name="Esv">Energy (kWh) × SLAV (as a fraction).</param>
/// <param name="OverallSlaPct">CPU requested but not delivered, over CPU requested, in %.</param>
/// <param name="AverageSlaPct">Mean shortfall over the intervals in which a VM was short-changed, in %.</param>
public sealed record SimulationResult(
    string Workload,
    string Policy,
    int Hosts,
    int Vms,
    double EnergyKwh,
    int Migrations,
    double SlatahPct,
    double PdmPct,
    double SlavPct,
    double Esv,
    double OverallSlaPct,
    double AverageSlaPct,
    int HostShutdowns,
    double RuntimeMs,
    IReadOnlyList<ActiveHostSample> ActiveHosts);

/// <summary>How many hosts were switched on at a consolidation step.</summary>
public readonly record struct ActiveHostSample(double TimeSeconds, int ActiveHosts);
