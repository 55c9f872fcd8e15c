using System.Text.Json;
using Spectre.Console;
using Tern.Migration.Metrics;

namespace Tern.Cli;

/// <summary>Shows a migration report as a table, and writes it as JSON.</summary>
internal static class MigrationReportView
{
    public static void Print(MigrationReport r)
    {
        var table = new Table().Title($"[bold]{r.Mode} migration {r.Outcome}[/]").AddColumns("metric", "value");
        table.AddRow("preparation time", Ms(r.PreparationMs));
        table.AddRow("downtime (VMM)", Ms(r.DowntimeMs));
        table.AddRow("guest-visible pause (host-timed ticks)", r.GuestPauseMs is { } p ? Ms(p) : "n/a (no ticks seen)");
        table.AddRow("resume time", Ms(r.ResumeMs));
        table.AddRow("total migration time", Ms(r.TotalMs));
        table.AddRow("pages transferred", $"{r.PagesTransferred:N0}");
        table.AddRow("bytes transferred", $"{r.BytesTransferred / (1024.0 * 1024):N1} MiB");
        table.AddRow("zero pages (not sent)", $"{r.ZeroPages:N0}");
        if (r.XbzrlePages > 0)
            table.AddRow("pages sent as XBZRLE deltas", $"{r.XbzrlePages:N0}");
        table.AddRow("rounds", $"{r.Rounds}");
        table.AddRow("application degradation", r.DegradationPct is { } d ? $"{d:0.0} %" : "n/a");
        if (r.ProgressRateBefore is { } before)
            table.AddRow("workload rate before / during / after",
                $"{before:N0} / {r.ProgressRateDuring ?? 0:N0} / {r.ProgressRateAfter ?? 0:N0} per s");
        AnsiConsole.Write(table);
    }

    public static void WriteJson(MigrationReport report, string path)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(report, MigrationJsonContext.Default.MigrationReport));
        Console.Error.WriteLine($"tern: report written to {Path.GetFullPath(path)}");
    }

    private static string Ms(double ms) => $"{ms:N1} ms";
}
