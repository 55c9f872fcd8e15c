using System.Text.Json.Nodes;
using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// `tern migrate` (pre-copy, the default mode) moves a running guest to a `tern receive` over loopback
/// while it runs: the guest carries on there from where it was, and the source exits 0.
/// </summary>
public sealed class PreCopyMigrationTests
{
    /// <summary>A guest that only ticks: it dirties almost nothing, so pre-copy needs one full round and a tiny stop-and-copy.</summary>
    private const string Idle = "tick=50";

    /// <summary>A guest that rewrites 64 MiB as fast as it can, all the while it is being copied.</summary>
    private const string Busy = "dirty=64,0 tick=50";

    [Fact]
    public void Idle_guest_migrates_in_a_full_round_and_a_stop_and_copy()
    {
        using var vms = MigrationPair.Start(Idle);
        var (dir, source, port, destination) = vms;

        var report = PreCopyCommand.RunWithReport(dir, source, port);

        PreCopyOutcomes.ShouldHaveMoved(source, destination);
        report["mode"]!.GetValue<string>().ShouldBe("precopy");
        report["outcome"]!.GetValue<string>().ShouldBe("completed");
        report["rounds"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(2, "round 0 copies everything while the guest runs, then the stop-and-copy");
    }

    [Fact]
    public void Guest_keeps_running_at_the_source_while_pre_copy_rounds_go_on()
    {
        using var vms = MigrationPair.Start(Busy);
        var (_, source, port, _) = vms;
        using var link = TcpFaultProxy.CuttingAfter(port, long.MaxValue);
        // Over a capped link the busy guest cannot converge: the rounds go on until the test ends them.
        using var migrate = PreCopyCommand.Start(source, link.Port, "--bandwidth", PreCopyCommand.SlowLink);
        PreCopyCommand.WaitUntilForwarded(link, 96L << 20, migrate);
        var tickBefore = source.Ticks[^1];
        var sentBefore = link.SourceBytes;

        source.WaitForMoreTicks();
        source.State().ShouldBe("running");

        migrate.HasExited.ShouldBeFalse("the migration was to be still in its rounds");
        link.SourceBytes.ShouldBeGreaterThan(sentBefore, "the rounds went on meanwhile");
        source.Ticks[^1].PagesWritten.ShouldBeGreaterThan(tickBefore.PagesWritten, "the guest's workload ran on during the rounds");
        ControlRequest.Succeeds(source.Api, "cancel-migration").ShouldBeTrue();
        migrate.WaitForExit(TernVm.Patience);
    }

    /// <summary>
    /// With XBZRLE, pages re-sent after the first pass go as deltas: the busy guest rewrites one byte per
    /// page. With dirty rings on both hosts, the dirtied pages come from the vCPUs' rings, not bitmaps.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Guest_dirtying_memory_as_fast_as_it_can_migrates_and_its_counters_continue(bool xbzrle, bool dirtyRing)
    {
        using var vms = MigrationPair.Start(Busy, options: dirtyRing ? ["--dirty-ring", "4096"] : []);
        var (dir, source, port, destination) = vms;

        var report = PreCopyCommand.RunWithReport(dir, source, port, xbzrle ? ["--xbzrle", "--xbzrle-cache", "128M"] : []);

        PreCopyOutcomes.ShouldHaveMoved(source, destination);
        PreCopyOutcomes.ShouldHaveContinuedTheWorkload(source, destination);
        var deltas = report["xbzrle_pages"]!.GetValue<ulong>();
        if (xbzrle)
            deltas.ShouldBeGreaterThan(0UL);
        else
            deltas.ShouldBe(0UL);
    }

    [Fact]
    public void Two_vcpu_guest_migrates_with_both_vcpus_and_its_workload_continues()
    {
        using var vms = MigrationPair.Start(Busy, cpus: 2);
        var (_, source, port, destination) = vms;

        var (code, _, stderr) = PreCopyCommand.Run(source, port);

        code.ShouldBe(0, stderr);
        PreCopyOutcomes.ShouldHaveMoved(source, destination);
        destination.Control("status").Stdout.ShouldContain("vcpus: 2");
        PreCopyOutcomes.ShouldHaveContinuedTheWorkload(source, destination);
    }

    [Fact]
    public void Guest_migrated_back_and_forth_four_times_never_loses_progress()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        var hops = new List<TernVm> { TernVm.Run(dir, "a0", "dirty=16,0 tick=50") };
        try
        {
            hops[0].WaitForTicks(3);
            foreach (var name in new[] { "b1", "a2", "b3" })
            {
                var current = hops[^1];
                var port = LoopbackPort.Free();
                var next = TernVm.Receive(dir, name, port);
                hops.Add(next);
                var (code, _, stderr) = PreCopyCommand.Run(current, port);
                code.ShouldBe(0, $"hop to {name}: {stderr}");
                PreCopyOutcomes.ShouldHaveMoved(current, next);
            }

            PreCopyOutcomes.ShouldNeverGoBackwards([.. hops.SelectMany(vm => vm.Ticks)]);
            hops.Take(3).ShouldAllBe(vm => vm.Process.HasExited);
            var final = hops[^1].Ticks;
            final[^1].PagesWritten.ShouldBeGreaterThan(hops[0].Ticks[^1].PagesWritten, "the workload made progress over the four hops");
        }
        finally
        {
            foreach (var vm in hops)
                vm.Dispose();
        }
    }

    [Fact]
    public void Report_has_one_round_detail_per_round_and_the_plot_is_a_png()
    {
        using var vms = MigrationPair.Start(Busy);
        var (dir, source, port, destination) = vms;
        var plot = dir.File("migration.png");

        var report = PreCopyCommand.RunWithReport(dir, source, port, "--plot", plot);

        PreCopyOutcomes.ShouldHaveMoved(source, destination);
        var rounds = report["rounds"]!.GetValue<int>();
        var details = report["round_details"]!.AsArray();
        details.Count.ShouldBe(rounds);
        details.Select(d => d!["round"]!.GetValue<int>()).ShouldBe(Enumerable.Range(0, rounds));
        foreach (var field in new[] { "pages", "bytes", "duration_ms", "dirty_pages_after", "dirty_rate_pages_per_s", "bandwidth_mib_per_s" })
            details.ShouldAllBe(d => d!.AsObject().ContainsKey(field), $"a round detail has no {field}");
        details.Sum(d => d!["pages"]!.GetValue<long>()).ShouldBe(report["pages_transferred"]!.GetValue<long>(),
            "the rounds' pages add up to the pages transferred");
        File.ReadAllBytes(plot).Take(8).ShouldBe(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a });
    }
}
