using System.Buffers.Binary;
using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// A migration that fails, whatever the reason, leaves the guest running on the source: `tern migrate`
/// exits non-zero with one clear line, the source keeps ticking and says it runs.
/// </summary>
public sealed class MigrationFailureTests
{
    /// <summary>Enough dirty memory (64 MiB) that a fault can land well inside the page data.</summary>
    private const string Workload = "dirty=64,0 tick=50";

    private static TernVm StartSource(TempDirectory dir)
    {
        var source = TernVm.Run(dir, "source", Workload);
        source.WaitForTicks(3);
        return source;
    }

    private static (int ExitCode, string Stdout, string Stderr) Migrate(TernVm source, int port) =>
        source.Control("migrate", "--to", $"127.0.0.1:{port}", "--mode", "cold");

    private static void ShouldHaveFailedCleanly((int ExitCode, string Stdout, string Stderr) migrate)
    {
        migrate.ExitCode.ShouldNotBe(0);
        var lines = migrate.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, migrate.Stderr);
        lines[0].ShouldStartWith("tern: migration failed, the guest keeps running on the source: ");
        migrate.Stderr.ShouldNotContain("   at ");
    }

    private static void ShouldStillRun(TernVm source)
    {
        source.WaitForMoreTicks();
        source.State().ShouldBe("running");
        source.Process.HasExited.ShouldBeFalse();
    }

    [Fact]
    public void Refused_connection_leaves_the_source_running()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = StartSource(dir);
        var port = LoopbackPort.Free();
        var migrate = Migrate(source, port);
        ShouldHaveFailedCleanly(migrate);
        migrate.Stderr.ShouldContain($"cannot connect to 127.0.0.1:{port}");
        ShouldStillRun(source);
    }

    [Fact]
    public void Destination_killed_mid_transfer_leaves_the_source_running()
    {
        using var vms = MigrationPair.Start(Workload);
        var (_, source, port, destination) = vms;
        using var proxy = TcpFaultProxy.CuttingAfter(port, 4 << 20, beforeCut: destination.Process.Kill);
        var migrate = Migrate(source, proxy.Port);
        proxy.FaultInjected.ShouldBeTrue("the transfer ended before the proxy cut it");
        ShouldHaveFailedCleanly(migrate);
        ShouldStillRun(source);
    }

    [Fact]
    public void Connection_cut_mid_stream_leaves_the_source_running_and_no_guest_at_the_destination()
    {
        using var vms = MigrationPair.Start(Workload);
        var (_, source, port, destination) = vms;
        using var proxy = TcpFaultProxy.CuttingAfter(port, 4 << 20);
        var migrate = Migrate(source, proxy.Port);
        proxy.FaultInjected.ShouldBeTrue("the transfer ended before the proxy cut it");
        ShouldHaveFailedCleanly(migrate);
        ShouldStillRun(source);
        destination.Process.WaitForExit(TernVm.Patience).ShouldNotBe(0);
        destination.Process.Stderr.ShouldNotContain("guest arrived");
        destination.Ticks.ShouldBeEmpty();
    }

    [Fact]
    public void Corrupted_stream_is_refused_by_the_destination_which_says_why_and_the_source_runs_on()
    {
        using var vms = MigrationPair.Start(Workload);
        var (_, source, port, destination) = vms;
        using var proxy = TcpFaultProxy.FlippingByteAt(port, 1 << 20);
        var migrate = Migrate(source, proxy.Port);
        proxy.FaultInjected.ShouldBeTrue("the transfer ended before the proxy flipped a byte");
        ShouldHaveFailedCleanly(migrate);
        ShouldStillRun(source);
        destination.Process.WaitForExit(TernVm.Patience).ShouldNotBe(0);
        destination.Process.Stderr.ShouldContain("corrupted");
        destination.Ticks.ShouldBeEmpty();
        proxy.WaitForEnd(TernVm.Patience).ShouldBeTrue();
        ReplyTypes(proxy.Replies).ShouldContain(ErrorRecord, "the destination sent no error record back");
    }

    [Fact]
    public void After_a_failed_attempt_a_second_migration_succeeds()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = StartSource(dir);
        var port = LoopbackPort.Free();
        using (var doomed = TernVm.Receive(dir, "doomed", port))
        using (var proxy = TcpFaultProxy.CuttingAfter(port, 4 << 20, beforeCut: doomed.Process.Kill))
            ShouldHaveFailedCleanly(Migrate(source, proxy.Port));
        source.WaitForMoreTicks();

        var secondPort = LoopbackPort.Free();
        using var destination = TernVm.Receive(dir, "destination", secondPort);
        var (code, _, stderr) = Migrate(source, secondPort);
        code.ShouldBe(0, stderr);
        source.Process.WaitForExit(TernVm.Patience).ShouldBe(0);
        var last = source.Ticks[^1];
        var ticks = destination.WaitForTicks(3);
        ticks[0].PagesWritten.ShouldBeGreaterThanOrEqualTo(last.PagesWritten);
        destination.Process.Lines.ShouldNotContain(l => l.Text == "tern-guest: ready");
    }

    private const ushort ErrorRecord = 0x103;

    /// <summary>The record types in a reply stream: after the 16-byte stream header, frames of type, flags, length, sequence, payload, checksum.</summary>
    private static List<ushort> ReplyTypes(byte[] replies)
    {
        var types = new List<ushort>();
        var offset = 16;
        while (offset + 16 <= replies.Length)
        {
            types.Add(BinaryPrimitives.ReadUInt16LittleEndian(replies.AsSpan(offset)));
            offset += 16 + (int)BinaryPrimitives.ReadUInt32LittleEndian(replies.AsSpan(offset + 4)) + 8;
        }
        return types;
    }
}
