namespace Tern.Migration.Strategies;

public enum RoundDecision
{
    /// <summary>Copy the pages dirtied meanwhile while the guest runs on.</summary>
    NextRound,

    /// <summary>What remains fits the downtime target: stop the guest and copy it.</summary>
    StopAndCopy,

    /// <summary>A limit was hit and the user chose to switch over anyway.</summary>
    ForcedStopAndCopy,

    /// <summary>A limit was hit and the user chose to give up.</summary>
    Abort,
}

/// <summary>What the planner knows after a round.</summary>
public readonly record struct RoundOutcome(int RoundsDone, ulong RemainingPages, double BandwidthBytesPerSecond, double DirtyBytesPerSecond,
    TimeSpan Elapsed);

/// <summary>
/// Decides, after each pre-copy round, whether to go on, switch over or give up, and how hard to
/// throttle the guest. Deterministic: the same outcomes give the same decisions, so it is tested
/// without a guest. The switch-over test starts from the one QEMU and Xen use — the remaining pages,
/// sent at the bandwidth the last round measured, fit within the downtime target — but does not stop
/// at the first round that barely fits: while the dirty set still shrinks markedly from round to
/// round, one more round buys a shorter downtime for little extra traffic. A fit within a quarter of
/// the target switches over at once.
/// </summary>
public sealed class ConvergencePlanner(PreCopyOptions options)
{
    public const int PageSize = 4096;

    /// <summary>A round that leaves less than this share of the previous round's dirty set is still converging.</summary>
    public const double ShrinkingRatio = 0.75;

    /// <summary>An expected downtime at or under this share of the target switches over without more rounds.</summary>
    public const double GoodEnoughShare = 0.25;

    private int _roundsOverThreshold;
    private ulong? _previousRemaining;

    public int Throttle { get; private set; }

    public TimeSpan ExpectedDowntime(RoundOutcome outcome) =>
        outcome.BandwidthBytesPerSecond <= 0
            ? TimeSpan.MaxValue
            : TimeSpan.FromSeconds(outcome.RemainingPages * (double)PageSize / outcome.BandwidthBytesPerSecond);

    public RoundDecision Decide(RoundOutcome outcome)
    {
        var previous = _previousRemaining;
        _previousRemaining = outcome.RemainingPages;
        var expected = ExpectedDowntime(outcome);
        var atLimit = outcome.RoundsDone >= options.MaxRounds || outcome.Elapsed >= options.Timeout;
        if (outcome.RemainingPages == 0 || expected <= options.DowntimeTarget * GoodEnoughShare)
            return RoundDecision.StopAndCopy;
        if (expected <= options.DowntimeTarget)
        {
            var shrinking = previous is null || outcome.RemainingPages < previous.Value * ShrinkingRatio;
            return shrinking && !atLimit ? RoundDecision.NextRound : RoundDecision.StopAndCopy;
        }
        if (atLimit)
            return options.OnLimit == LimitAction.ForceSwitchover ? RoundDecision.ForcedStopAndCopy : RoundDecision.Abort;
        return RoundDecision.NextRound;
    }

    /// <summary>
    /// Auto-converge, as QEMU's: when the guest dirtied more than half of what the link moved in the
    /// last round for two rounds running, throttle it (20% first, then 10 points more each time, up to 99%).
    /// Returns the new throttle percentage (unchanged when no step is due).
    /// </summary>
    public int AdjustThrottle(RoundOutcome outcome)
    {
        if (!options.AutoConverge)
            return Throttle;
        if (outcome.DirtyBytesPerSecond > 0.5 * outcome.BandwidthBytesPerSecond)
            _roundsOverThreshold++;
        else
            _roundsOverThreshold = 0;
        if (_roundsOverThreshold >= 2)
        {
            Throttle = Throttle == 0 ? options.ThrottleInitial : Math.Min(options.ThrottleMax, Throttle + options.ThrottleIncrement);
            _roundsOverThreshold = 0;
        }
        return Throttle;
    }
}
