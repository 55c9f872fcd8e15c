using Tern.Migration.Metrics;
using Tern.Migration.Protocol;

namespace Tern.Migration.Strategies;

/// <summary>How to migrate. Pre-copy settings are ignored by cold and static migrations.</summary>
public sealed record MigrationOptions(MigrationMode Mode, string SourceName)
{
    /// <summary>How long to wait for the destination to answer a step before giving up (and resuming the source).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait, after the destination runs, for its report on the guest's progress.</summary>
    public TimeSpan ResumeReportTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The window before the migration over which the guest's normal progress rate is taken.</summary>
    public TimeSpan BaselineWindow { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Pre-copy settings; the bandwidth limit applies to every mode.</summary>
    public PreCopyOptions PreCopy { get; init; } = new();
}

/// <summary>Live progress of a migration, for a progress display.</summary>
public sealed record MigrationProgress(string Phase, int Round, ulong PagesSent, ulong PagesRemaining, double DirtyRatePagesPerSecond,
    double BandwidthMiBPerSecond, double ExpectedDowntimeMs);

/// <summary>The migration did not complete; the source guest runs on. The message says why, in one line.</summary>
public sealed class MigrationFailedException(string message, MigrationReport? report = null, Exception? inner = null)
    : Exception(message, inner)
{
    public MigrationReport? Report { get; } = report;
}
