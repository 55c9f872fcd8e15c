using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// `tern migrate --mode precopy` moves a Linux guest between two `tern` processes: one still booting,
/// whose boot goes on at the destination, and one in user space, whose workload's ticks go on there.
/// </summary>
[Collection(LinuxGuest.Collection)]
public sealed class LinuxMigrationTests
{
    private const string Workload = "tern.dirty=8,1 tern.tick=200";

    private static TernVm ReceiveAndMigrate(TempDirectory dir, TernVm source)
    {
        var port = LoopbackPort.Free();
        var destination = TernVm.Receive(dir, "destination", port);
        var (code, _, stderr) = PreCopyCommand.Run(source, port);
        code.ShouldBe(0, stderr);
        source.Process.WaitForExit(TernVm.Patience).ShouldBe(0, source.Process.Stderr);
        return destination;
    }

    [Fact]
    public void Booting_linux_migrates_and_its_boot_carries_on_at_the_destination()
    {
        LinuxGuest.Require();
        using var dir = new TempDirectory();
        using var source = LinuxGuest.Run(dir, "source", Workload);
        source.Process.WaitForLine(LinuxGuest.IsKernelVersionLine, LinuxGuest.Patience);

        using var destination = ReceiveAndMigrate(dir, source);

        source.Process.Lines.ShouldNotContain(l => LinuxGuest.IsRunInitLine(l.Text), "the migration was to happen mid-boot");
        destination.Process.WaitForLine(LinuxGuest.IsRunInitLine, LinuxGuest.Patience);
        destination.Process.WaitForLine(LinuxGuest.IsReadyLine, LinuxGuest.Patience);
        destination.Process.WaitForLine(TickLine.IsTick, LinuxGuest.Patience, skip: 2);
        destination.Process.Lines.ShouldNotContain(l => LinuxGuest.IsKernelVersionLine(l.Text), "the guest booted again at the destination");
        destination.Process.Lines.ShouldNotContain(l => l.Text.Contains("Kernel panic", StringComparison.Ordinal));
        destination.State().ShouldBe("running");
    }

    [Fact]
    public void Linux_running_its_workload_migrates_and_the_ticks_continue_at_the_destination()
    {
        LinuxGuest.Require();
        using var dir = new TempDirectory();
        using var source = LinuxGuest.Run(dir, "source", Workload);
        source.Process.WaitForLine(TickLine.IsTick, LinuxGuest.Patience, skip: 2);

        using var destination = ReceiveAndMigrate(dir, source);

        // The ticks owed for the migration's pause come first, in a burst with the same page count
        // (a tick stands for guest time, never skipped); then the workload writes on.
        var last = source.Ticks[^1];
        destination.Process.WaitForLine(l => TickLine.TryParse(l, out var tick) && tick.PagesWritten > last.PagesWritten, LinuxGuest.Patience);
        destination.Process.Lines.ShouldNotContain(l => LinuxGuest.IsReadyLine(l.Text), "the guest rebooted at the destination");
        destination.Ticks[0].PagesWritten.ShouldBeGreaterThanOrEqualTo(last.PagesWritten);
        PreCopyOutcomes.ShouldNeverGoBackwards([.. source.Ticks, .. destination.Ticks]);
        destination.State().ShouldBe("running");
    }
}
