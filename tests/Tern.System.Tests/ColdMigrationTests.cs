using System.Text.Json.Nodes;
using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>`tern migrate --mode cold` moves a running guest to a `tern receive` over loopback; it carries on there.</summary>
public sealed class ColdMigrationTests
{
    private const string Workload = "dirty=16,0 tick=50";

    private sealed record Migration(TernVm Source, TernVm Destination, JsonObject Report, TickLine LastSourceTick) : IDisposable
    {
        public void Dispose()
        {
            Source.Dispose();
            Destination.Dispose();
        }
    }

    private static Migration MigrateCold(TempDirectory dir, int cpus)
    {
        var source = TernVm.Run(dir, "source", Workload, cpus);
        source.WaitForTicks(5);
        var port = LoopbackPort.Free();
        var destination = TernVm.Receive(dir, "destination", port);
        var report = dir.File("report.json");
        var (code, _, stderr) = source.Control("migrate", "--to", $"127.0.0.1:{port}", "--mode", "cold", "--report", report);
        code.ShouldBe(0, stderr);
        source.Process.WaitForExit(TernVm.Patience).ShouldBe(0);
        return new Migration(source, destination, JsonNode.Parse(File.ReadAllText(report))!.AsObject(), source.Ticks[^1]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Migrated_guest_carries_on_at_the_destination(int cpus)
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var migration = MigrateCold(dir, cpus);
        var ticks = migration.Destination.WaitForTicks(4);
        migration.Destination.Process.Lines.ShouldNotContain(l => l.Text == "tern-guest: ready");
        ticks[0].PagesWritten.ShouldBeGreaterThanOrEqualTo(migration.LastSourceTick.PagesWritten);
        ticks[0].GuestMilliseconds.ShouldBeGreaterThanOrEqualTo(migration.LastSourceTick.GuestMilliseconds);
        for (var i = 1; i < ticks.Count; i++)
        {
            ticks[i].PagesWritten.ShouldBeGreaterThanOrEqualTo(ticks[i - 1].PagesWritten);
            ticks[i].GuestMilliseconds.ShouldBeGreaterThanOrEqualTo(ticks[i - 1].GuestMilliseconds);
        }
        ticks[^1].PagesWritten.ShouldBeGreaterThan(ticks[0].PagesWritten);
        migration.Destination.Control("status").Stdout.ShouldContain($"vcpus: {cpus}");
    }

    [Fact]
    public void Source_exits_with_code_zero_saying_it_migrated()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var migration = MigrateCold(dir, cpus: 1);
        migration.Source.Process.Stderr.ShouldContain("migrated");
        migration.Destination.State().ShouldBe("running");
    }

    [Fact]
    public void Report_holds_the_standard_metrics_in_sane_relation()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var migration = MigrateCold(dir, cpus: 1);
        var report = migration.Report;
        foreach (var field in new[] { "preparation_ms", "downtime_ms", "resume_ms", "total_ms", "pages_transferred", "bytes_transferred",
                     "zero_pages", "guest_pause_ms", "degradation_pct" })
            report.ContainsKey(field).ShouldBeTrue($"the report has no {field}");
        report["mode"]!.GetValue<string>().ShouldBe("cold");
        report["outcome"]!.GetValue<string>().ShouldBe("completed");
        var pages = report["pages_transferred"]!.GetValue<long>();
        var zeroPages = report["zero_pages"]!.GetValue<long>();
        pages.ShouldBeGreaterThan(0);
        report["bytes_transferred"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(pages * 4096);
        (pages + zeroPages).ShouldBe(256L << 20 >> 12, "every page of the 256 MiB guest is either sent or known to be zero");
        var downtime = report["downtime_ms"]!.GetValue<double>();
        downtime.ShouldBeGreaterThanOrEqualTo(0);
        report["total_ms"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(downtime);
        report["preparation_ms"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(0);
        report["resume_ms"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(0);
    }
}
