using System.Text.Json.Serialization;

namespace Tern.Migration.Metrics;

/// <summary>One pre-copy round (or the single copy of a cold migration).</summary>
public sealed record RoundReport(
    [property: JsonPropertyName("round")] int Round,
    [property: JsonPropertyName("pages")] ulong Pages,
    [property: JsonPropertyName("zero_pages")] ulong ZeroPages,
    [property: JsonPropertyName("skipped_pages")] ulong SkippedPages,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("duration_ms")] double DurationMs,
    [property: JsonPropertyName("dirty_pages_after")] ulong DirtyPagesAfter,
    [property: JsonPropertyName("dirty_rate_pages_per_s")] double DirtyRatePagesPerSecond,
    [property: JsonPropertyName("bandwidth_mib_per_s")] double BandwidthMiBPerSecond);

/// <summary>
/// The standard metrics of one migration (docs/migration-metrics.md). Field names are stable: tools read them.
/// </summary>
public sealed record MigrationReport
{
    [JsonPropertyName("mode")] public required string Mode { get; init; }
    [JsonPropertyName("outcome")] public required string Outcome { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("preparation_ms")] public double PreparationMs { get; init; }
    [JsonPropertyName("downtime_ms")] public double DowntimeMs { get; init; }
    [JsonPropertyName("resume_ms")] public double ResumeMs { get; init; }
    [JsonPropertyName("total_ms")] public double TotalMs { get; init; }
    [JsonPropertyName("pages_transferred")] public ulong PagesTransferred { get; init; }
    [JsonPropertyName("bytes_transferred")] public long BytesTransferred { get; init; }
    [JsonPropertyName("zero_pages")] public ulong ZeroPages { get; init; }
    [JsonPropertyName("xbzrle_pages")] public ulong XbzrlePages { get; init; }
    [JsonPropertyName("rounds")] public int Rounds { get; init; }
    [JsonPropertyName("guest_pause_ms")] public double? GuestPauseMs { get; init; }
    [JsonPropertyName("degradation_pct")] public double? DegradationPct { get; init; }
    [JsonPropertyName("progress_rate_before")] public double? ProgressRateBefore { get; init; }
    [JsonPropertyName("progress_rate_during")] public double? ProgressRateDuring { get; init; }
    [JsonPropertyName("progress_rate_after")] public double? ProgressRateAfter { get; init; }
    [JsonPropertyName("started_at_unix_us")] public long StartedAtUnixMicros { get; init; }
    [JsonPropertyName("paused_at_unix_us")] public long PausedAtUnixMicros { get; init; }
    [JsonPropertyName("resumed_at_unix_us")] public long ResumedAtUnixMicros { get; init; }
    [JsonPropertyName("destination_first_tick_unix_us")] public long? DestinationFirstTickUnixMicros { get; init; }
    [JsonPropertyName("memory_bytes")] public ulong MemoryBytes { get; init; }
    [JsonPropertyName("vcpus")] public int Vcpus { get; init; }
    [JsonPropertyName("round_details")] public IReadOnlyList<RoundReport> RoundDetails { get; init; } = [];
    [JsonPropertyName("ticks")] public IReadOnlyList<ProgressSample> Ticks { get; init; } = [];
}
