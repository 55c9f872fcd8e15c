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
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = StartSource(dir);
        var port = LoopbackPort.Free();
        using var destination = TernVm.Receive(dir, "destination", port);
        using var link = TcpFaultProxy.CuttingAfter(port, long.MaxValue);
        using var migrate = PreCopyCommand.Start(source, link.Port, "--bandwidth", PreCopyCommand.SlowLink);

        WaitUntilForwarded(link, InARecopyRound, migrate);
        ControlRequest.Succeeds(source.Api, "cancel-migration").ShouldBeTrue();

        PreCopyOutcomes.ShouldHaveFailedWithOneLine(migrate.WaitForExit(TernVm.Patience), migrate.Stderr, "cancelled");
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
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
            WaitUntilForwarded(link, InARecopyRound, migrate);
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
    public void Destination_killed_mid_round_leaves_the_guest_on_the_source()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = StartSource(dir);
        var port = LoopbackPort.Free();
        using var destination = TernVm.Receive(dir, "destination", port);
        using var proxy = TcpFaultProxy.CuttingAfter(port, InARecopyRound, beforeCut: destination.Process.Kill);

        var (code, _, stderr) = MigrateSlowly(source, proxy.Port);

        proxy.FaultInjected.ShouldBeTrue("the migration ended before the proxy killed the destination");
        PreCopyOutcomes.ShouldHaveFailedWithOneLine(code, stderr, "migration failed");
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
    }

    [Fact]
    public void Connection_cut_mid_round_leaves_the_guest_on_the_source()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = StartSource(dir);
        var port = LoopbackPort.Free();
        using var destination = TernVm.Receive(dir, "destination", port);
        using var proxy = TcpFaultProxy.CuttingAfter(port, InARecopyRound);

        var (code, _, stderr) = MigrateSlowly(source, proxy.Port);

        proxy.FaultInjected.ShouldBeTrue("the migration ended before the proxy cut it");
        PreCopyOutcomes.ShouldHaveFailedWithOneLine(code, stderr, "migration failed");
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
    }

    [Fact]
    public void Record_corrupted_mid_round_is_refused_by_the_destination_and_the_guest_stays_on_the_source()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = StartSource(dir);
        var port = LoopbackPort.Free();
        using var destination = TernVm.Receive(dir, "destination", port);
        using var proxy = TcpFaultProxy.FlippingByteAt(port, InARecopyRound);

        var (code, _, stderr) = MigrateSlowly(source, proxy.Port);

        proxy.FaultInjected.ShouldBeTrue("the migration ended before the proxy flipped a byte");
        PreCopyOutcomes.ShouldHaveFailedWithOneLine(code, stderr, "migration failed");
        PreCopyOutcomes.ShouldHaveStayed(source, destination);
        destination.Process.Stderr.ShouldContain("corrupted");
    }

    /// <summary>Waits until the source has sent <paramref name="bytes"/> through <paramref name="link"/>; fails if the migration ends first.</summary>
    private static void WaitUntilForwarded(TcpFaultProxy link, long bytes, TernProcess migrate)
    {
        var deadline = DateTime.UtcNow + TernVm.Patience;
        while (link.SourceBytes < bytes)
        {
            if (migrate.HasExited)
                Assert.Fail($"tern migrate ended after {link.SourceBytes} bytes, before the test could act; stderr:\n{migrate.Stderr}");
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"only {link.SourceBytes} bytes reached the destination within {TernVm.Patience.TotalSeconds:0} s");
            Thread.Sleep(20);
        }
    }
}
