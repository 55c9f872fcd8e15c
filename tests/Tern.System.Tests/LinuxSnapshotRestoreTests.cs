using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// A Linux guest snapshotted while its kernel is still booting restores in a new `tern` process and
/// finishes the same boot there: no second `Linux version` banner, the rest of the boot messages, then
/// user space and its workload. A shell snapshotted at its prompt keeps its variables and working
/// directory, answers console input after the restore, and powers off there with exit code 0.
/// </summary>
[Collection(LinuxGuest.Collection)]
public sealed class LinuxSnapshotRestoreTests
{
    [Fact]
    public void Linux_snapshotted_while_booting_continues_its_boot_after_a_restore_in_a_new_process()
    {
        LinuxGuest.Require();
        using var dir = new TempDirectory();
        var snapshot = dir.File("snap");
        using (var source = LinuxGuest.Run(dir, "source", "tern.dirty=8,1 tern.tick=200"))
        {
            source.Process.WaitForLine(LinuxGuest.IsKernelVersionLine, LinuxGuest.Patience);
            var (code, _, stderr) = source.Control("snapshot", "--out", snapshot, "--stop");
            code.ShouldBe(0, stderr);
            source.Process.WaitForExit(TernVm.Patience).ShouldBe(0, source.Process.Stderr);
            source.Process.Lines.ShouldNotContain(l => LinuxGuest.IsRunInitLine(l.Text), "the snapshot was to be taken mid-boot");
        }

        using var restored = TernVm.Restore(dir, "restored", snapshot);
        restored.Process.WaitForLine(LinuxGuest.IsRunInitLine, LinuxGuest.Patience);
        restored.Process.WaitForLine(LinuxGuest.IsReadyLine, LinuxGuest.Patience);
        restored.Process.WaitForLine(TickLine.IsTick, LinuxGuest.Patience, skip: 2);

        restored.Process.Lines.ShouldNotContain(l => LinuxGuest.IsKernelVersionLine(l.Text), "the guest booted again instead of continuing");
        restored.Process.Lines.ShouldNotContain(l => l.Text.Contains("Kernel panic", StringComparison.Ordinal));
        PreCopyOutcomes.ShouldNeverGoBackwards(restored.Ticks);
        restored.State().ShouldBe("running");
    }

    [Fact]
    public void Linux_shell_keeps_its_state_across_a_snapshot_and_a_restore_in_a_new_process()
    {
        LinuxGuest.Require();
        using var dir = new TempDirectory();
        var snapshot = dir.File("snap");
        using (var source = LinuxGuest.Run(dir, "source", ""))
        {
            source.Process.WaitForLine(LinuxGuest.IsReadyLine, LinuxGuest.Patience);
            source.Process.WriteInput("cd /proc; kept=before-snapshot; echo set-$((40 + 2))\n");
            source.Process.WaitForLine(l => l.TrimEnd('\r').EndsWith("set-42", StringComparison.Ordinal), LinuxGuest.Patience);
            var (code, _, stderr) = source.Control("snapshot", "--out", snapshot, "--stop");
            code.ShouldBe(0, stderr);
            source.Process.WaitForExit(TernVm.Patience).ShouldBe(0, source.Process.Stderr);
        }

        using var restored = TernVm.Restore(dir, "restored", snapshot);
        restored.Process.WriteInput("echo $kept-in-$PWD\n");
        restored.Process.WaitForLine(l => l.TrimEnd('\r').EndsWith("before-snapshot-in-/proc", StringComparison.Ordinal), LinuxGuest.Patience);
        restored.Process.Lines.ShouldNotContain(l => LinuxGuest.IsReadyLine(l.Text), "the guest booted again instead of continuing");

        // The restored machine has the ACPI sleep control register too: poweroff ends it cleanly.
        restored.Process.WriteInput("poweroff -f\n");
        restored.Process.WaitForExit(LinuxGuest.Patience).ShouldBe(0, restored.Process.Stderr);
    }
}
