using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Tern.Migration.Metrics;
using Tern.Vmm.Boot;
using Tern.Vmm.Control;

namespace Tern.Cli.Commands;

/// <summary>`tern migrate --api SOCK --to HOST:PORT`: move a running VM to a `tern receive` elsewhere.</summary>
internal static class MigrateCommand
{
    public static readonly string[] Modes = ["precopy", "cold", "static"];

    public static Command Create()
    {
        var api = VmOptions.ApiRequired();
        var to = new Option<string>("--to") { Description = "Destination, HOST:PORT, where tern receive waits.", Required = true };
        var mode = new Option<string>("--mode")
        {
            Description = "precopy: copy memory while the guest runs, then a short stop-and-copy (live). "
                + "cold: suspend, move memory and state, resume there. static: shut down here, boot the same configuration there.",
            DefaultValueFactory = _ => "precopy",
        };
        mode.AcceptOnlyFromAmong(Modes);
        var downtime = new Option<double>("--downtime-ms") { Description = "Pre-copy downtime target in ms.", DefaultValueFactory = _ => 300 };
        var bandwidth = new Option<string?>("--bandwidth") { Description = "Link limit in bits/s with K, M or G suffix, e.g. 1G = 1 Gbit/s (default: unlimited)." };
        var maxRounds = new Option<int>("--max-rounds") { Description = "Pre-copy round limit.", DefaultValueFactory = _ => 30 };
        var timeout = new Option<double>("--timeout") { Description = "Pre-copy time limit in seconds.", DefaultValueFactory = _ => 300 };
        var onLimit = new Option<string>("--on-limit")
        {
            Description = "At the round or time limit: force the switch-over, or abort and keep the guest here.",
            DefaultValueFactory = _ => "force",
        };
        onLimit.AcceptOnlyFromAmong("force", "abort");
        var autoConverge = new Option<bool>("--auto-converge") { Description = "Throttle the guest's vCPUs when it dirties memory faster than the link drains it." };
        var xbzrle = new Option<bool>("--xbzrle") { Description = "Send pages that were sent before as XBZRLE deltas to their previous contents (pre-copy)." };
        var xbzrleCache = new Option<string>("--xbzrle-cache")
        {
            Description = "Size of the source's XBZRLE page cache, with K, M or G suffix.",
            DefaultValueFactory = _ => "64M",
        };
        var report = new Option<string?>("--report") { Description = "Write the migration metrics as JSON to this file." };
        var plot = new Option<string?>("--plot") { Description = "Write a PNG of pages per round, dirty rate and the guest's ticks around the switch-over." };
        var command = new Command("migrate", """
            Migrate a running VM to another tern process (tern receive). Until the destination confirms
            the guest runs there, the source keeps it: any failure or Ctrl-C leaves it running here.
            Exit status: 0 when the guest runs at the destination, 1 when it still runs here.
            """)
        {
            api, to, mode, downtime, bandwidth, maxRounds, timeout, onLimit, autoConverge, xbzrle, xbzrleCache, report, plot,
        };
        command.SetAction(parse =>
        {
            var socket = parse.GetValue(api)!;
            var args = new JsonObject
            {
                ["to"] = parse.GetValue(to),
                ["mode"] = parse.GetValue(mode),
                ["downtime_ms"] = parse.GetValue(downtime),
                ["max_rounds"] = parse.GetValue(maxRounds),
                ["timeout_s"] = parse.GetValue(timeout),
                ["on_limit"] = parse.GetValue(onLimit),
                ["auto_converge"] = parse.GetValue(autoConverge),
            };
            if (parse.GetValue(bandwidth) is { } limit)
                args["bandwidth_bytes_per_s"] = ParseBitsPerSecond(limit) / 8;
            if (parse.GetValue(xbzrle))
                args["xbzrle_cache_bytes"] = (long)MemoryLayout.ParseSize(parse.GetValue(xbzrleCache)!);

            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                try
                {
                    ControlClient.Call(socket, "cancel-migration");
                }
                catch (ControlApiException)
                {
                    // Nothing left to cancel.
                }
            };
            var result = RunWithProgress(socket, args, parse.GetValue(mode)!);
            var migration = result.Deserialize(MigrationJsonContext.Default.MigrationReport)!;
            MigrationReportView.Print(migration);
            if (parse.GetValue(report) is { } path)
                MigrationReportView.WriteJson(migration, path);
            if (parse.GetValue(plot) is { } png)
                MigrationPlot.Save(migration, png);
            return 0;
        });
        return command;
    }

    private static JsonObject RunWithProgress(string socket, JsonObject args, string mode)
    {
        JsonObject result = [];
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"{mode} migration", maxValue: 1);
                var firstRemaining = 0UL;
                result = ControlClient.Call(socket, "migrate", args, (_, data) =>
                {
                    var p = data.Deserialize(MigrationJsonContext.Default.MigrationProgress)!;
                    firstRemaining = Math.Max(firstRemaining, p.PagesSent + p.PagesRemaining);
                    var eta = p.BandwidthMiBPerSecond > 0 ? p.PagesRemaining * 4096.0 / (p.BandwidthMiBPerSecond * (1 << 20)) : double.NaN;
                    task.Description = p.Phase == "pre-copy"
                        ? $"round {p.Round}: {p.PagesRemaining:N0} pages left, dirty {p.DirtyRatePagesPerSecond * 4096 / (1 << 20):N0} MiB/s, "
                          + $"link {p.BandwidthMiBPerSecond:N0} MiB/s, ETA {Seconds(eta)}, expected downtime {Milliseconds(p.ExpectedDowntimeMs)}"
                        : $"{p.Phase}: {p.PagesSent:N0} pages sent, {p.PagesRemaining:N0} to go";
                    if (firstRemaining > 0)
                        task.Value = Math.Min(0.99, (double)p.PagesSent / Math.Max(firstRemaining, p.PagesSent + p.PagesRemaining));
                });
                task.Value = 1;
                task.Description = $"{mode} migration done";
            });
        return result;
    }

    private static string Seconds(double s) => double.IsFinite(s) ? $"{s:0.0} s" : "?";

    private static string Milliseconds(double ms) => double.IsFinite(ms) ? $"{ms:N0} ms" : "?";

    public static double ParseBitsPerSecond(string text)
    {
        var s = text.Trim();
        double multiplier = 1;
        if (s.Length > 0 && "KkMmGg".Contains(s[^1]))
        {
            multiplier = char.ToUpperInvariant(s[^1]) switch { 'K' => 1e3, 'M' => 1e6, _ => 1e9 };
            s = s[..^1];
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
            throw new ArgumentException($"--bandwidth '{text}' is not a rate such as 1G (1 Gbit/s) or 500M");
        return value * multiplier;
    }
}
