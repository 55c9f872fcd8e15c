using ScottPlot;
using Tern.Migration.Metrics;

namespace Tern.Cli;

/// <summary>
/// One PNG per migration: pages sent per round, the dirty rate each round measured, and the guest's
/// progress (host-timed ticks) around the switch-over with the pause marked.
/// </summary>
internal static class MigrationPlot
{
    public static void Save(MigrationReport report, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(3);
        var rounds = report.RoundDetails;

        var pages = multiplot.GetPlot(0);
        pages.Add.Bars(rounds.Select(r => (double)r.Pages).ToArray());
        pages.Title($"{report.Mode} migration: pages sent per round (last = stop-and-copy)");
        pages.XLabel("round");
        pages.Axes.Bottom.TickGenerator = RoundTicks(rounds.Count);
        pages.YLabel("pages");

        var dirty = multiplot.GetPlot(1);
        if (rounds.Count > 0)
        {
            var x = rounds.Select(r => (double)r.Round).ToArray();
            var rate = dirty.Add.Scatter(x, rounds.Select(r => r.DirtyRatePagesPerSecond * 4096 / (1 << 20)).ToArray());
            rate.LegendText = "dirty rate (MiB/s)";
            var bandwidth = dirty.Add.Scatter(x, rounds.Select(r => r.BandwidthMiBPerSecond).ToArray());
            bandwidth.LegendText = "bandwidth (MiB/s)";
            dirty.ShowLegend();
        }
        dirty.Title("dirty rate and link bandwidth per round");
        dirty.XLabel("round");
        dirty.Axes.Bottom.TickGenerator = RoundTicks(rounds.Count);
        dirty.YLabel("MiB/s");

        var ticks = multiplot.GetPlot(2);
        var origin = report.StartedAtUnixMicros;
        if (report.Ticks.Count > 0)
        {
            var line = ticks.Add.Scatter(
                report.Ticks.Select(t => (t.HostUnixMicros - origin) / 1000.0).ToArray(),
                report.Ticks.Select(t => (double)t.PagesWritten).ToArray());
            line.LegendText = "source: pages written (tick lines)";
        }
        var pauseStart = (report.PausedAtUnixMicros - origin) / 1000.0;
        var pauseEnd = ((report.DestinationFirstTickUnixMicros ?? report.ResumedAtUnixMicros) - origin) / 1000.0;
        var span = ticks.Add.HorizontalSpan(pauseStart, Math.Max(pauseEnd, pauseStart));
        span.LegendText = "guest paused (until first tick at the destination)";
        ticks.Add.VerticalLine(0).LegendText = "migration starts";
        ticks.ShowLegend();
        ticks.Title("guest progress around the switch-over (host time)");
        ticks.XLabel("ms since the migration started");
        ticks.YLabel("pages written");

        multiplot.SavePng(path, 1000, 1200);
        Console.Error.WriteLine($"tern: plot written to {Path.GetFullPath(path)}");
    }

    /// <summary>One tick per round: rounds are whole numbers, and the automatic ticks would show fractions.</summary>
    private static ScottPlot.TickGenerators.NumericManual RoundTicks(int count)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        var step = Math.Max(1, count / 20);
        for (var round = 0; round < count; round += step)
            ticks.AddMajor(round, round.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ticks;
    }
}
