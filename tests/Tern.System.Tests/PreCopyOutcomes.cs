using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// What must hold after every pre-copy migration, whichever way it ended: the guest runs in exactly one
/// place and ticks there, and its counters never went backwards.
/// </summary>
internal static class PreCopyOutcomes
{
    /// <summary>
    /// The guest moved: the source exited 0, the destination runs it and ticks on without a reboot, and
    /// the ticks of both, in order, never go backwards.
    /// </summary>
    public static void ShouldHaveMoved(TernVm source, TernVm destination)
    {
        source.Process.WaitForExit(TernVm.Patience).ShouldBe(0, source.Process.Stderr);
        destination.WaitForMoreTicks();
        destination.State().ShouldBe("running");
        destination.Process.Lines.ShouldNotContain(l => l.Text == "tern-guest: ready", "the guest rebooted at the destination");
        var arrived = destination.Ticks;
        arrived[^1].GuestMilliseconds.ShouldBeGreaterThan(arrived[0].GuestMilliseconds, "the guest's clock runs on at the destination");
        ShouldNeverGoBackwards([.. source.Ticks, .. arrived]);
    }

    /// <summary>
    /// The guest stayed: the source runs it and ticks on, the destination exited non-zero without ever
    /// running a guest, and the source's ticks never went backwards.
    /// </summary>
    public static void ShouldHaveStayed(TernVm source, TernVm destination)
    {
        source.WaitForMoreTicks();
        source.State().ShouldBe("running");
        source.Process.HasExited.ShouldBeFalse();
        destination.Process.WaitForExit(TernVm.Patience).ShouldNotBe(0);
        destination.Process.Stderr.ShouldNotContain("guest arrived");
        destination.Ticks.ShouldBeEmpty();
        ShouldNeverGoBackwards(source.Ticks);
    }

    /// <summary>The dirtying workload picked up at the destination where it stopped at the source, and runs on there.</summary>
    public static void ShouldHaveContinuedTheWorkload(TernVm source, TernVm destination)
    {
        var last = source.Ticks[^1];
        var arrived = destination.Ticks;
        arrived[0].PagesWritten.ShouldBeGreaterThanOrEqualTo(last.PagesWritten);
        arrived[^1].PagesWritten.ShouldBeGreaterThan(arrived[0].PagesWritten, "the workload runs on at the destination");
    }

    /// <summary>Neither the guest's clock nor its pages-written counter ever goes down from one tick to the next.</summary>
    public static void ShouldNeverGoBackwards(IReadOnlyList<TickLine> ticks)
    {
        for (var i = 1; i < ticks.Count; i++)
        {
            ticks[i].PagesWritten.ShouldBeGreaterThanOrEqualTo(ticks[i - 1].PagesWritten, $"pages written went backwards at tick {i}: {ticks[i - 1]} → {ticks[i]}");
            ticks[i].GuestMilliseconds.ShouldBeGreaterThanOrEqualTo(ticks[i - 1].GuestMilliseconds, $"the guest's clock went backwards at tick {i}: {ticks[i - 1]} → {ticks[i]}");
        }
    }

    /// <summary>A failed `tern migrate`: non-zero, one line on stderr containing <paramref name="reason"/>, no stack trace.</summary>
    public static void ShouldHaveFailedWithOneLine(int exitCode, string stderr, string reason)
    {
        exitCode.ShouldNotBe(0);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, stderr);
        lines[0].ShouldStartWith("tern: ");
        lines[0].ShouldContain(reason);
        lines[0].ShouldContain("the guest keeps running on the source");
        stderr.ShouldNotContain("   at ");
    }
}
