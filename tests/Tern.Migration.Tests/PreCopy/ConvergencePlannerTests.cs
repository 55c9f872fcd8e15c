using FsCheck;
using FsCheck.Fluent;
using Tern.Migration.Strategies;

namespace Tern.Migration.Tests.PreCopy;

public sealed class ConvergencePlannerTests
{
    private const double MiB = 1 << 20;

    private static RoundOutcome Outcome(int rounds, ulong remaining, double bandwidthMiB, double dirtyMiB = 0, double elapsedSeconds = 1) =>
        new(rounds, remaining, bandwidthMiB * MiB, dirtyMiB * MiB, TimeSpan.FromSeconds(elapsedSeconds));

    [Fact]
    public void Expected_downtime_is_remaining_bytes_over_bandwidth()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions());
        // 25,600 pages = 100 MiB at 1000 MiB/s = 100 ms
        planner.ExpectedDowntime(Outcome(1, 25_600, 1000)).TotalMilliseconds.ShouldBe(100, 0.001);
    }

    [Fact]
    public void Switches_over_at_once_when_the_rest_fits_a_quarter_of_the_target()
    {
        // 100 ms expected against 400 ms
        var planner = new ConvergencePlanner(new PreCopyOptions { DowntimeTarget = TimeSpan.FromMilliseconds(400) });
        planner.Decide(Outcome(1, 25_600, 1000)).ShouldBe(RoundDecision.StopAndCopy);
    }

    [Fact]
    public void A_first_fit_above_a_quarter_of_the_target_earns_one_more_round()
    {
        // 100 ms expected against 300 ms: it fits, but nothing says another round would not shrink it
        var planner = new ConvergencePlanner(new PreCopyOptions { DowntimeTarget = TimeSpan.FromMilliseconds(300) });
        planner.Decide(Outcome(1, 25_600, 1000)).ShouldBe(RoundDecision.NextRound);
    }

    [Fact]
    public void Goes_on_while_the_dirty_set_still_shrinks_and_fits()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { DowntimeTarget = TimeSpan.FromMilliseconds(300) });
        planner.Decide(Outcome(1, 60_000, 1000)).ShouldBe(RoundDecision.NextRound);   // 234 ms
        planner.Decide(Outcome(2, 40_000, 1000)).ShouldBe(RoundDecision.NextRound);   // 156 ms, 33% smaller
    }

    [Fact]
    public void Switches_over_when_the_dirty_set_stops_shrinking()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { DowntimeTarget = TimeSpan.FromMilliseconds(300) });
        planner.Decide(Outcome(1, 40_000, 1000)).ShouldBe(RoundDecision.NextRound);
        planner.Decide(Outcome(2, 36_000, 1000)).ShouldBe(RoundDecision.StopAndCopy); // only 10% smaller
    }

    [Fact]
    public void A_fit_at_the_round_limit_switches_over_normally()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { DowntimeTarget = TimeSpan.FromMilliseconds(300), MaxRounds = 1, OnLimit = LimitAction.Abort });
        planner.Decide(Outcome(1, 40_000, 1000)).ShouldBe(RoundDecision.StopAndCopy);
    }

    [Fact]
    public void Goes_on_copying_when_the_rest_does_not_fit()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { DowntimeTarget = TimeSpan.FromMilliseconds(50) });
        planner.Decide(Outcome(1, 25_600, 1000)).ShouldBe(RoundDecision.NextRound);
    }

    [Fact]
    public void Nothing_left_always_switches_over()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions());
        planner.Decide(Outcome(1, 0, 0)).ShouldBe(RoundDecision.StopAndCopy);
    }

    [Fact]
    public void Unknown_bandwidth_never_fits_a_target()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions());
        planner.ExpectedDowntime(Outcome(1, 10, 0)).ShouldBe(TimeSpan.MaxValue);
        planner.Decide(Outcome(1, 10, 0)).ShouldBe(RoundDecision.NextRound);
    }

    [Theory]
    [InlineData(LimitAction.ForceSwitchover, RoundDecision.ForcedStopAndCopy)]
    [InlineData(LimitAction.Abort, RoundDecision.Abort)]
    public void Round_limit_does_what_the_user_chose(LimitAction action, RoundDecision expected)
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { MaxRounds = 5, OnLimit = action });
        planner.Decide(Outcome(4, 1_000_000, 100)).ShouldBe(RoundDecision.NextRound);
        planner.Decide(Outcome(5, 1_000_000, 100)).ShouldBe(expected);
    }

    [Theory]
    [InlineData(LimitAction.ForceSwitchover, RoundDecision.ForcedStopAndCopy)]
    [InlineData(LimitAction.Abort, RoundDecision.Abort)]
    public void Time_limit_does_what_the_user_chose(LimitAction action, RoundDecision expected)
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { Timeout = TimeSpan.FromSeconds(10), OnLimit = action });
        planner.Decide(Outcome(2, 1_000_000, 100, elapsedSeconds: 9.9)).ShouldBe(RoundDecision.NextRound);
        planner.Decide(Outcome(2, 1_000_000, 100, elapsedSeconds: 10)).ShouldBe(expected);
    }

    [Fact]
    public void A_migration_that_cannot_converge_ends_within_the_round_limit()
    {
        Prop.ForAll(Gen.Choose(1, 50).ToArbitrary(), Gen.Choose(1, 100_000).ToArbitrary(), (maxRounds, dirtyPages) =>
        {
            var planner = new ConvergencePlanner(new PreCopyOptions { MaxRounds = maxRounds, DowntimeTarget = TimeSpan.FromTicks(1) });
            var round = 1;
            while (planner.Decide(Outcome(round, (ulong)dirtyPages, 1)) == RoundDecision.NextRound)
                round++;
            return round <= maxRounds;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Auto_converge_is_off_unless_asked_for()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { AutoConverge = false });
        for (var i = 0; i < 5; i++)
            planner.AdjustThrottle(Outcome(i + 1, 1000, 100, dirtyMiB: 1000)).ShouldBe(0);
    }

    [Fact]
    public void Auto_converge_throttles_after_two_rounds_of_dirtying_faster_than_half_the_link()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { AutoConverge = true });
        planner.AdjustThrottle(Outcome(1, 1000, 100, dirtyMiB: 60)).ShouldBe(0);
        planner.AdjustThrottle(Outcome(2, 1000, 100, dirtyMiB: 60)).ShouldBe(20);
        planner.AdjustThrottle(Outcome(3, 1000, 100, dirtyMiB: 60)).ShouldBe(20);
        planner.AdjustThrottle(Outcome(4, 1000, 100, dirtyMiB: 60)).ShouldBe(30);
    }

    [Fact]
    public void Auto_converge_waits_again_when_a_round_stays_under_the_threshold()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { AutoConverge = true });
        planner.AdjustThrottle(Outcome(1, 1000, 100, dirtyMiB: 60));
        planner.AdjustThrottle(Outcome(2, 1000, 100, dirtyMiB: 40)).ShouldBe(0);
        planner.AdjustThrottle(Outcome(3, 1000, 100, dirtyMiB: 60)).ShouldBe(0);
    }

    [Fact]
    public void Throttle_never_exceeds_its_maximum()
    {
        var planner = new ConvergencePlanner(new PreCopyOptions { AutoConverge = true, ThrottleMax = 99 });
        var throttle = 0;
        for (var i = 0; i < 100; i++)
            throttle = planner.AdjustThrottle(Outcome(i + 1, 1000, 100, dirtyMiB: 1000));
        throttle.ShouldBe(99);
    }
}
