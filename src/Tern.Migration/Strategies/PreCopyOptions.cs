namespace Tern.Migration.Strategies;

/// <summary>What to do when pre-copy hits its round or time limit without converging.</summary>
public enum LimitAction
{
    /// <summary>Stop the guest and copy what remains, whatever the downtime.</summary>
    ForceSwitchover,

    /// <summary>Give up: the guest keeps running on the source.</summary>
    Abort,
}

/// <summary>Knobs of a pre-copy migration, with QEMU's defaults where QEMU has one.</summary>
public sealed record PreCopyOptions
{
    /// <summary>The longest acceptable stop-and-copy (QEMU: downtime-limit, 300 ms).</summary>
    public TimeSpan DowntimeTarget { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Link bandwidth cap in bytes per second; null = as fast as the link goes.</summary>
    public long? BandwidthLimit { get; init; }

    public int MaxRounds { get; init; } = 30;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public LimitAction OnLimit { get; init; } = LimitAction.ForceSwitchover;

    /// <summary>Throttle the vCPUs when the guest dirties memory faster than the link drains it.</summary>
    public bool AutoConverge { get; init; }

    /// <summary>
    /// Size of the XBZRLE cache in bytes; 0 = XBZRLE off (QEMU's default too). Pages re-sent after the
    /// first pass travel as deltas to their cached copy when that is small. QEMU's default cache, when
    /// XBZRLE is on, is 64 MiB.
    /// </summary>
    public long XbzrleCacheBytes { get; init; }

    /// <summary>
    /// How often a pre-copy round re-reads the dirty log to find pages dirtied again before it reached
    /// them, which it then leaves to the next round. Each read re-arms write protection for the pages it
    /// reports, so a guest that keeps rewriting them takes one more fault per read.
    /// </summary>
    public TimeSpan DirtyRefreshInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>QEMU's cpu-throttle-initial, -increment and max-cpu-throttle.</summary>
    public int ThrottleInitial { get; init; } = 20;
    public int ThrottleIncrement { get; init; } = 10;
    public int ThrottleMax { get; init; } = 99;
}
