using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// A guest that dirties memory faster than the link moves it cannot converge by itself: with
/// --auto-converge the source throttles it until it does; with --on-limit abort the migration gives up
/// at the limit and the guest runs on at the source.
/// </summary>
public sealed class PreCopyConvergenceTests
{
    /// <summary>
    /// 32 MiB rewritten at 100 MiB/s over a link capped at about 48 MiB/s: every round takes ~0.7 s, in
    /// which the guest dirties its whole set again (8192 pages, ~0.7 s to send, more than twice the
    /// 300 ms downtime target). The set is kept small so the ~20 rounds auto-converge needs stay short.
    /// </summary>
    private const string Outpacing = "dirty=32,100 tick=50";

    private const string Memory = "512M";

    private const int MaxRounds = 40;

    private const double DowntimeTargetMs = 300;

    [Fact]
    public void Auto_converge_throttles_an_outpacing_guest_until_the_migration_converges_before_the_round_limit()
    {
        using var vms = MigrationPair.Start(Outpacing, memory: Memory);
        var (dir, source, port, destination) = vms;

        var report = PreCopyCommand.RunWithReport(dir, source, port,
            "--bandwidth", PreCopyCommand.SlowLink, "--auto-converge", "--max-rounds", $"{MaxRounds}");

        PreCopyOutcomes.ShouldHaveMoved(source, destination);
        var rounds = report["rounds"]!.GetValue<int>();
        rounds.ShouldBeGreaterThan(1);
        // At the limit the migration would be forced after round MaxRounds - 1, making MaxRounds + 1
        // rounds with the stop-and-copy: fewer means the planner found the rest fit the downtime target.
        rounds.ShouldBeLessThanOrEqualTo(MaxRounds, "the switch-over was forced at the round limit: auto-converge never brought the guest down to the link");
        var lastPreCopyRound = report["round_details"]!.AsArray()[^2]!;
        var remaining = lastPreCopyRound["dirty_pages_after"]!.GetValue<double>();
        var bandwidth = lastPreCopyRound["bandwidth_mib_per_s"]!.GetValue<double>() * (1 << 20);
        (remaining * 4096 / bandwidth * 1000).ShouldBeLessThanOrEqualTo(DowntimeTargetMs,
            "what the last pre-copy round left fits the downtime target at the bandwidth it measured");
    }

    [Fact]
    public void Outpacing_guest_with_on_limit_abort_fails_saying_it_did_not_converge_and_runs_on_at_the_source()
    {
        using var vms = MigrationPair.Start(Outpacing, memory: Memory);
        var (_, source, port, destination) = vms;

        var (code, _, stderr) = PreCopyCommand.Run(source, port, "--bandwidth", PreCopyCommand.SlowLink, "--max-rounds", "3", "--on-limit", "abort");

        PreCopyOutcomes.ShouldHaveFailedWithOneLine(code, stderr, "did not converge");
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
    }

    [Fact]
    public void After_an_aborted_migration_a_second_one_with_default_settings_succeeds()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = TernVm.Run(dir, "source", Outpacing, memory: Memory);
        source.WaitForTicks(3);
        var port = LoopbackPort.Free();
        using (var refused = TernVm.Receive(dir, "refused", port))
        {
            var (code, _, stderr) = PreCopyCommand.Run(source, port, "--bandwidth", PreCopyCommand.SlowLink, "--max-rounds", "3", "--on-limit", "abort");
            code.ShouldNotBe(0, "the first attempt was meant to abort");
            stderr.ShouldContain("did not converge");
        }

        var secondPort = LoopbackPort.Free();
        using var destination = TernVm.Receive(dir, "destination", secondPort);
        var (secondCode, _, secondStderr) = PreCopyCommand.Run(source, secondPort);

        secondCode.ShouldBe(0, secondStderr);
        PreCopyOutcomes.ShouldHaveMoved(source, destination);
    }
}
