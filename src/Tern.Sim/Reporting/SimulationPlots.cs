using ScottPlot;
using Tern.Sim.Results;

namespace Tern.Sim.Reporting;

/// <summary>PNG charts of simulation results.</summary>
public static class SimulationPlots
{
    /// <summary>Energy against SLAV, one marker per run, one colour and legend entry per policy.</summary>
    public static void EnergyVersusSlav(IReadOnlyList<SimulationResult> results, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        int index = 0;
        foreach (var group in results.GroupBy(r => r.Policy))
        {
            double[] slav = [.. group.Select(r => r.SlavPct)];
            double[] energy = [.. group.Select(r => r.EnergyKwh)];
            var scatter = plot.Add.ScatterPoints(slav, energy, palette.GetColor(index++));
            scatter.LegendText = group.Key;
            scatter.MarkerSize = 7;
        }
        plot.Title("Energy vs SLA violation");
        plot.XLabel("SLAV = SLATAH × PDM (%)");
        plot.YLabel("Energy (kWh)");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1100, 650);
    }

    /// <summary>Active hosts at each consolidation step, one line per run.</summary>
    public static void ActiveHosts(IReadOnlyList<SimulationResult> results, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        int index = 0;
        foreach (SimulationResult result in results)
        {
            double[] hours = [.. result.ActiveHosts.Select(a => a.TimeSeconds / 3600)];
            double[] active = [.. result.ActiveHosts.Select(a => (double)a.ActiveHosts)];
            var line = plot.Add.ScatterLine(hours, active, palette.GetColor(index++));
            line.LegendText = results.Count > 1 ? $"{result.Policy} {result.Workload}" : result.Policy;
        }
        plot.Title(results.Count == 1 ? $"Active hosts, {results[0].Workload}" : "Active hosts");
        plot.XLabel("Time (h)");
        plot.YLabel("Active hosts");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1100, 650);
    }
}
