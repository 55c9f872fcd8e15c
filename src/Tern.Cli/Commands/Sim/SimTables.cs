using System.Globalization;
using Spectre.Console;
using Tern.Sim.Results;

namespace Tern.Cli.Commands.Sim;

/// <summary>Console tables of simulation results.</summary>
internal static class SimTables
{
    public static Table Metrics(IReadOnlyList<SimulationResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("metric");
        foreach (SimulationResult r in results)
        {
            table.AddColumn(new TableColumn($"{r.Policy} {r.Workload}").RightAligned());
        }
        AddRow(table, "energy (kWh)", results, r => F(r.EnergyKwh, 2));
        AddRow(table, "VM migrations", results, r => r.Migrations.ToString("N0", CultureInfo.InvariantCulture));
        AddRow(table, "SLATAH (%)", results, r => F(r.SlatahPct, 2));
        AddRow(table, "PDM (%)", results, r => F(r.PdmPct, 3));
        AddRow(table, "SLAV (%)", results, r => F(r.SlavPct, 5));
        AddRow(table, "ESV", results, r => F(r.Esv, 5));
        AddRow(table, "overall SLA shortfall (%)", results, r => F(r.OverallSlaPct, 2));
        AddRow(table, "average SLA shortfall (%)", results, r => F(r.AverageSlaPct, 2));
        AddRow(table, "host shutdowns", results, r => r.HostShutdowns.ToString(CultureInfo.InvariantCulture));
        AddRow(table, "runtime (ms)", results, r => F(r.RuntimeMs, 0));
        return table;
    }

    /// <summary>Per policy: the mean over days of each metric.</summary>
    public static Table Summary(IReadOnlyList<SimulationResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("mean over days");
        table.AddColumn("policy");
        foreach (string heading in new[] { "days", "energy (kWh)", "migrations", "SLATAH (%)", "PDM (%)", "SLAV (%)", "ESV", "shutdowns", "runtime (ms)" })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }
        foreach (var group in results.GroupBy(r => r.Policy))
        {
            table.AddRow(
                group.Key,
                group.Count().ToString(CultureInfo.InvariantCulture),
                F(group.Average(r => r.EnergyKwh), 2),
                F(group.Average(r => r.Migrations), 0),
                F(group.Average(r => r.SlatahPct), 2),
                F(group.Average(r => r.PdmPct), 3),
                F(group.Average(r => r.SlavPct), 5),
                F(group.Average(r => r.Esv), 5),
                F(group.Average(r => r.HostShutdowns), 0),
                F(group.Average(r => r.RuntimeMs), 0));
        }
        return table;
    }

    private static void AddRow(Table table, string name, IReadOnlyList<SimulationResult> results, Func<SimulationResult, string> cell) =>
        table.AddRow([name, .. results.Select(cell)]);

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
