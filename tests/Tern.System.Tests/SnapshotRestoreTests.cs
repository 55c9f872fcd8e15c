using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>`tern snapshot` saves a running guest; `tern restore` runs it on from exactly that point, in a new process.</summary>
public sealed class SnapshotRestoreTests
{
    private const string Workload = "dirty=16,0 tick=50";

    /// <summary>Runs a guest until it ticks, then snapshots and stops it; returns the last tick it printed.</summary>
    private static TickLine SnapshotAndStop(TempDirectory dir, string snapshot, int cpus = 1)
    {
        using var source = TernVm.Run(dir, "source", Workload, cpus);
        source.WaitForTicks(5);
        var (code, _, stderr) = source.Control("snapshot", "--out", snapshot, "--stop");
        code.ShouldBe(0, stderr);
        source.Process.WaitForExit(TernVm.Patience).ShouldBe(0);
        return source.Ticks[^1];
    }

    /// <summary>The restored guest carries on: no reboot, counters from where they were, never backwards.</summary>
    private static void ShouldContinueFrom(TernVm restored, TickLine last)
    {
        var ticks = restored.WaitForTicks(4);
        restored.Process.Lines.ShouldNotContain(l => l.Text == "tern-guest: ready");
        ticks[0].PagesWritten.ShouldBeGreaterThanOrEqualTo(last.PagesWritten);
        ticks[0].GuestMilliseconds.ShouldBeGreaterThanOrEqualTo(last.GuestMilliseconds);
        for (var i = 1; i < ticks.Count; i++)
        {
            ticks[i].PagesWritten.ShouldBeGreaterThanOrEqualTo(ticks[i - 1].PagesWritten);
            ticks[i].GuestMilliseconds.ShouldBeGreaterThanOrEqualTo(ticks[i - 1].GuestMilliseconds);
        }
        ticks[^1].PagesWritten.ShouldBeGreaterThan(ticks[0].PagesWritten, "the workload runs on after the restore");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Restored_guest_continues_from_the_snapshot(int cpus)
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        var snapshot = dir.File("snap");
        var last = SnapshotAndStop(dir, snapshot, cpus);
        using var restored = TernVm.Restore(dir, "restored", snapshot);
        ShouldContinueFrom(restored, last);
        restored.Control("status").Stdout.ShouldContain($"vcpus: {cpus}");
    }

    [Fact]
    public void One_snapshot_restores_twice_and_both_copies_continue_from_it()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        var snapshot = dir.File("snap");
        var last = SnapshotAndStop(dir, snapshot);
        using var first = TernVm.Restore(dir, "first", snapshot);
        using var second = TernVm.Restore(dir, "second", snapshot);
        ShouldContinueFrom(first, last);
        ShouldContinueFrom(second, last);
    }

    [Fact]
    public void Snapshot_with_stop_ends_the_source_with_exit_code_zero()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = TernVm.Run(dir, "source", Workload);
        source.WaitForTicks(3);
        var (code, stdout, _) = source.Control("snapshot", "--out", dir.File("snap"), "--stop");
        code.ShouldBe(0);
        stdout.ShouldContain("stopped");
        source.Process.WaitForExit(TernVm.Patience).ShouldBe(0);
        source.Process.Stderr.ShouldContain("stopped after a snapshot");
        File.Exists(Path.Combine(dir.File("snap"), "snapshot.tern")).ShouldBeTrue();
    }

    [Fact]
    public void Snapshot_without_stop_leaves_the_source_running()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = TernVm.Run(dir, "source", Workload);
        source.WaitForTicks(3);
        source.Control("snapshot", "--out", dir.File("snap")).ExitCode.ShouldBe(0);
        source.WaitForMoreTicks();
        source.State().ShouldBe("running");
        source.Process.HasExited.ShouldBeFalse();
    }
}
