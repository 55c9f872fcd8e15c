using System.Diagnostics;
using System.Globalization;
using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// A pre-copy migration that is cancelled or broken in the middle of a round leaves the guest running on
/// the source, ticking on, and no guest at the destination.
/// </summary>
public sealed class PreCopyFailureTests
{
    /// <summary>64 MiB rewritten as fast as the guest can: over the capped link it never converges by itself.</summary>
    private const string Busy = "dirty=64,0 tick=50";

    /// <summary>
    /// Past round 0, which sends the ~64 MiB the guest touched: faults at this offset land in a re-copy
    /// round, with dirty logging on.
    /// </summary>
    private const long InARecopyRound = 96L << 20;

    private static TernVm StartSource(TempDirectory dir)
    {
        var source = TernVm.Run(dir, "source", Busy);
        source.WaitForTicks(3);
        return source;
    }

    private static (int ExitCode, string Stdout, string Stderr) MigrateSlowly(TernVm source, int port) =>
        PreCopyCommand.Run(source, port, "--bandwidth", PreCopyCommand.SlowLink);

    [Fact]
    public void Cancel_migration_mid_round_fails_the_migration_saying_cancelled_and_the_guest_stays()
    {
        using var vms = MigrationPair.Start(Busy);
        var (_, source, port, destination) = vms;
        using var link = TcpFaultProxy.CuttingAfter(port, long.MaxValue);
        using var migrate = PreCopyCommand.Start(source, link.Port, "--bandwidth", PreCopyCommand.SlowLink);

        PreCopyCommand.WaitUntilForwarded(link, InARecopyRound, migrate);
        ControlRequest.Succeeds(source.Api, "cancel-migration").ShouldBeTrue();

        PreCopyOutcomes.ShouldHaveFailedWithOneLine(migrate.WaitForExit(TernVm.Patience), migrate.Stderr, "cancelled");
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
    }

    [Fact]
    public void Ctrl_c_to_tern_migrate_mid_round_cancels_the_migration_and_the_guest_stays()
    {
        KvmAvailability.Require();
        if (SigintIgnored())
            Assert.Skip("this test process ignores SIGINT (started in the background?), so tern migrate would too");
        using var vms = MigrationPair.Start(Busy);
        var (_, source, port, destination) = vms;
        using var link = TcpFaultProxy.CuttingAfter(port, long.MaxValue);
        using var migrate = PreCopyCommand.Start(source, link.Port, "--bandwidth", PreCopyCommand.SlowLink);

        PreCopyCommand.WaitUntilForwarded(link, InARecopyRound, migrate);
        using (var interrupt = Process.Start("kill", ["-s", "INT", $"{migrate.Id}"]))
            interrupt.WaitForExit();

        PreCopyOutcomes.ShouldHaveFailedWithOneLine(migrate.WaitForExit(TernVm.Patience), migrate.Stderr, "cancelled");
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
    }

    [Fact]
    public void Second_migrate_while_a_pre_copy_runs_is_refused_and_the_first_carries_on()
    {
        using var vms = MigrationPair.Start(Busy);
        var (_, source, port, destination) = vms;
        using var link = TcpFaultProxy.CuttingAfter(port, long.MaxValue);
        using var migrate = PreCopyCommand.Start(source, link.Port, "--bandwidth", PreCopyCommand.SlowLink);
        PreCopyCommand.WaitUntilForwarded(link, InARecopyRound, migrate);

        var (code, _, stderr) = PreCopyCommand.Run(source, LoopbackPort.Free());

        code.ShouldNotBe(0);
        stderr.ShouldContain("already in progress");
        PreCopyCommand.WaitUntilForwarded(link, link.SourceBytes + (8L << 20), migrate);
        ControlRequest.Succeeds(source.Api, "cancel-migration").ShouldBeTrue();
        migrate.WaitForExit(TernVm.Patience).ShouldNotBe(0);
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
    }

    [Fact]
    public void Cancel_migration_with_no_migration_running_is_refused_and_the_guest_runs_on()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = StartSource(dir);

        var answer = ControlRequest.Send(source.Api, "cancel-migration");

        answer["ok"]!.GetValue<bool>().ShouldBeFalse();
        answer["error"]!.GetValue<string>().ShouldContain("no migration is running");
        source.WaitForMoreTicks();
        source.State().ShouldBe("running");
    }

    [Fact]
    public void After_a_cancelled_migration_the_guest_migrates_again()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = StartSource(dir);
        var port = LoopbackPort.Free();
        using (var abandoned = TernVm.Receive(dir, "abandoned", port))
        using (var link = TcpFaultProxy.CuttingAfter(port, long.MaxValue))
        using (var migrate = PreCopyCommand.Start(source, link.Port, "--bandwidth", PreCopyCommand.SlowLink))
        {
            PreCopyCommand.WaitUntilForwarded(link, InARecopyRound, migrate);
            ControlRequest.Succeeds(source.Api, "cancel-migration").ShouldBeTrue();
            migrate.WaitForExit(TernVm.Patience).ShouldNotBe(0);
        }

        var secondPort = LoopbackPort.Free();
        using var destination = TernVm.Receive(dir, "destination", secondPort);
        var (code, _, stderr) = PreCopyCommand.Run(source, secondPort);

        code.ShouldBe(0, stderr);
        PreCopyOutcomes.ShouldHaveMoved(source, destination);
    }

    [Fact]
    public void Destination_killed_mid_round_leaves_the_guest_on_the_source() =>
        FailsThroughFaultyLinkAndStays((port, destination) => TcpFaultProxy.CuttingAfter(port, InARecopyRound, beforeCut: destination.Process.Kill),
            "killed the destination");

    [Fact]
    public void Connection_cut_mid_round_leaves_the_guest_on_the_source() =>
        FailsThroughFaultyLinkAndStays((port, _) => TcpFaultProxy.CuttingAfter(port, InARecopyRound), "cut it");

    [Fact]
    public void Record_corrupted_mid_round_is_refused_by_the_destination_and_the_guest_stays_on_the_source() =>
        FailsThroughFaultyLinkAndStays((port, _) => TcpFaultProxy.FlippingByteAt(port, InARecopyRound), "flipped a byte",
            destination => destination.Process.Stderr.ShouldContain("corrupted"));

    /// <summary>
    /// Migrates slowly through a proxy that injects a fault in a re-copy round: the migration fails with
    /// one line, the guest stays on the source and the destination never runs it.
    /// </summary>
    private static void FailsThroughFaultyLinkAndStays(Func<int, TernVm, TcpFaultProxy> proxyTo, string fault, Action<TernVm>? alsoAtDestination = null)
    {
        using var vms = MigrationPair.Start(Busy);
        var (_, source, port, destination) = vms;
        using var proxy = proxyTo(port, destination);

        var (code, _, stderr) = MigrateSlowly(source, proxy.Port);

        proxy.FaultInjected.ShouldBeTrue($"the migration ended before the proxy {fault}");
        PreCopyOutcomes.ShouldHaveFailedWithOneLine(code, stderr, "migration failed");
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
        alsoAtDestination?.Invoke(destination);
    }

    /// <summary>Whether SIGINT is ignored here (SigIgn in /proc/self/status, bit 1 for signal 2): children inherit that.</summary>
    private static bool SigintIgnored()
    {
        var mask = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim();
        return (ulong.Parse(mask, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 1)) != 0;
    }
}
