using System.Text.Json;
using System.Text.Json.Serialization;
using Tern.Sim.Results;

namespace Tern.Sim.Reporting;

/// <summary>Machine-readable results: one JSON object per run, snake_case fields.</summary>
public static class SimulationReport
{
    public static string ToJson(SimulationResult result) => JsonSerializer.Serialize(Entry.From(result), SimulationJsonContext.Default.Entry);

    public static string ToJson(IEnumerable<SimulationResult> results) =>
        JsonSerializer.Serialize(new Matrix([.. results.Select(Entry.From)]), SimulationJsonContext.Default.Matrix);

    public static void Write(string path, string json) => File.WriteAllText(path, json + Environment.NewLine);

    internal sealed record Matrix(Entry[] Runs);

    internal sealed record Entry(
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
        [property: JsonPropertyName("active_hosts")] int[] ActiveHosts)
    {
        public static Entry From(SimulationResult r) => new(
            r.Workload, r.Policy, r.Hosts, r.Vms,
            Math.Round(r.EnergyKwh, 4), r.Migrations, Math.Round(r.SlatahPct, 4), Math.Round(r.PdmPct, 5),
            Math.Round(r.SlavPct, 7), Math.Round(r.Esv, 7), Math.Round(r.OverallSlaPct, 4), Math.Round(r.AverageSlaPct, 4),
            r.HostShutdowns, Math.Round(r.RuntimeMs, 1), [.. r.ActiveHosts.Select(a => a.ActiveHosts)]);
    }
}

/// <summary>Compile-time JSON contracts for the report (no reflection, so the CLI can be compiled ahead of time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(SimulationReport.Entry))]
[JsonSerializable(typeof(SimulationReport.Matrix))]
internal sealed partial class SimulationJsonContext : JsonSerializerContext;
