using System.Diagnostics;
using Tern.Memory;
using Tern.Migration.Compression;
using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;
using Tern.Migration.Transport;

namespace Tern.Migration.Strategies;

/// <summary>What a snapshot wrote.</summary>
public sealed record SnapshotSummary(ulong Pages, ulong ZeroPages, long Bytes, TimeSpan Duration);

/// <summary>
/// The source side of a migration over one duplex stream (docs/migration-protocol.md): static (send the
/// description, the destination boots afresh), cold (pause, copy everything, resume there) and pre-copy
/// (copy while the guest runs, re-copy what it dirties, then a short stop-and-copy). Until the
/// destination says it runs the guest, the source owns it: any failure — refused or cut connection, a
/// destination error, a timeout, a migration that cannot converge, cancellation — resumes the source
/// guest and throws <see cref="MigrationFailedException"/>.
/// </summary>
public sealed class MigrationSender(IMigrationSource source, TimeProvider time)
{
    private const int PageSize = PageBatchWriter.PageSize;

    public MigrationReport Run(Stream connection, MigrationOptions options, IProgress<MigrationProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var started = Stopwatch.GetTimestamp();
        var startedAt = GuestProgressMonitor.UnixMicros(time);
        var baseline = source.Progress.SamplesSince(startedAt - (long)options.BaselineWindow.TotalMicroseconds);
        var paused = false;
        var tracking = false;
        using var abort = cancellation.Register(connection.Dispose);
        Stream output = options.PreCopy.BandwidthLimit is { } limit ? new RateLimitedStream(connection, limit, time) : connection;
        var writer = new RecordWriter(output, writeStreamHeader: true);
        var batch = new PageBatchWriter(writer);
        var counters = new Counters();
        var rounds = new List<RoundReport>();
        var xbzrle = options.Mode == MigrationMode.PreCopy && options.PreCopy.XbzrleCacheBytes is > 0 and var cacheBytes
            ? new XbzrleCache(cacheBytes)
            : null;
        try
        {
            var hello = new Hello(options.Mode, source.MemoryBytes, source.VcpuCount, PageSize, options.SourceName, startedAt);
            writer.Write(RecordType.Hello, hello.Encode());
            writer.Write(RecordType.StateSection, source.Describe().Encode());
            counters.Sections = 1;
            writer.Flush();
            var reader = new RecordReader(connection, readStreamHeader: true, "the destination's reply stream");
            Expect(reader, RecordType.Ready, "accept the migration");
            var preparation = Stopwatch.GetElapsedTime(started);

            PreCopyPageSets? sets = null;
            if (options.Mode == MigrationMode.PreCopy)
            {
                tracking = true;
                sets = PreCopyRounds(writer, batch, counters, rounds, options.PreCopy, xbzrle, progress, started, cancellation);
            }

            progress?.Report(new MigrationProgress("stop-and-copy", rounds.Count, counters.Pages, 0, 0, 0, 0));
            source.Pause();
            paused = true;
            var pausedAt = GuestProgressMonitor.UnixMicros(time);
            (output as RateLimitedStream)?.Unlimit();
            var copyStarted = Stopwatch.GetTimestamp();
            var bytesBefore = writer.BytesWritten;
            var pagesBefore = counters.Pages;
            var zeroBefore = counters.ZeroPages;
            if (options.Mode != MigrationMode.Static)
            {
                if (sets is null)
                    CopyAllPages(batch, counters, source.PopulatedPageRanges(), progress, cancellation, stale: null);
                else
                {
                    sets.Refresh();
                    SendDirtyPages(batch, counters, rounds.Count, sets.DirtiedSinceStart, xbzrle, stale: null, lastRound: true);
                }
                foreach (var section in source.SaveState())
                {
                    writer.Write(RecordType.StateSection, section.Encode());
                    counters.Sections++;
                }
            }
            writer.Write(RecordType.Complete, new Complete(batch.PagesWritten, batch.ZeroPagesWritten, counters.Sections).Encode());
            writer.Flush();
            var copyTime = Stopwatch.GetElapsedTime(copyStarted);
            rounds.Add(Round(rounds.Count, counters.Pages - pagesBefore, counters.ZeroPages - zeroBefore, 0, writer.BytesWritten - bytesBefore, copyTime, 0, 0));

            var running = Running.Decode(Expect(reader, RecordType.Running, "resume the guest"));
            var total = Stopwatch.GetElapsedTime(started);
            source.Stop("migrated: the destination runs the guest");
            paused = false;

            var resumeReport = TryReadResumeReport(reader, options.ResumeReportTimeout);
            return BuildReport(options, counters, writer.BytesWritten, batch.DeltaPagesWritten, preparation, total, pausedAt, running,
                resumeReport, baseline, startedAt, rounds);
        }
        catch (Exception ex)
        {
            if (tracking)
                StopTracking();
            if (paused)
                source.Resume();
            if (ex is MigrationFailedException)
                throw;
            var reason = cancellation.IsCancellationRequested ? "cancelled" : Describe(ex);
            throw new MigrationFailedException($"migration failed, the guest keeps running on the source: {reason}", inner: ex);
        }
    }

    /// <summary>
    /// Writes the paused machine to <paramref name="file"/> as a snapshot: the same records as a cold
    /// migration, with no replies to wait for. Zero pages are left out: a restore starts from zeroed RAM.
    /// </summary>
    public SnapshotSummary WriteSnapshot(Stream file, string sourceName)
    {
        var started = Stopwatch.GetTimestamp();
        var writer = new RecordWriter(file, writeStreamHeader: true);
        var batch = new PageBatchWriter(writer);
        var counters = new Counters();
        var hello = new Hello(MigrationMode.Snapshot, source.MemoryBytes, source.VcpuCount, PageSize, sourceName, GuestProgressMonitor.UnixMicros(time));
        writer.Write(RecordType.Hello, hello.Encode());
        writer.Write(RecordType.StateSection, source.Describe().Encode());
        counters.Sections = 1;
        CopyAllPages(batch, counters, source.PopulatedPageRanges(), progress: null, CancellationToken.None, stale: null);
        foreach (var section in source.SaveState())
        {
            writer.Write(RecordType.StateSection, section.Encode());
            counters.Sections++;
        }
        writer.Write(RecordType.Complete, new Complete(batch.PagesWritten, batch.ZeroPagesWritten, counters.Sections).Encode());
        writer.Flush();
        return new SnapshotSummary(counters.Pages, counters.ZeroPages, writer.BytesWritten, Stopwatch.GetElapsedTime(started));
    }

    private sealed class Counters
    {
        public ulong Pages;
        public ulong ZeroPages;
        public ulong Sections;
    }

    /// <summary>
    /// Iterative pre-copy: round 0 copies every page while the guest runs with dirty logging on; each
    /// next round re-copies the pages dirtied during the previous one. Pages the guest dirties again
    /// before their round reaches them wait for the next round. After each round the planner compares
    /// what is left against the downtime target at the measured bandwidth. Returns the page sets, whose
    /// <see cref="PreCopyPageSets.DirtiedSinceStart"/> is what the stop-and-copy must still send.
    /// </summary>
    private PreCopyPageSets PreCopyRounds(RecordWriter writer, PageBatchWriter batch, Counters counters, List<RoundReport> rounds,
        PreCopyOptions options, XbzrleCache? xbzrle, IProgress<MigrationProgress>? progress, long started, CancellationToken cancellation)
    {
        var planner = new ConvergencePlanner(options);
        var sets = new PreCopyPageSets(source, options.DirtyRefreshInterval);
        source.SetDirtyLogging(true);
        sets.StartTracking();

        var roundStarted = Stopwatch.GetTimestamp();
        var bytesBefore = writer.BytesWritten;
        var pagesBefore = counters.Pages;
        var zeroBefore = counters.ZeroPages;
        var skippedBefore = sets.Skipped;
        // The destination allocates what will arrive now, while the guest runs: a page held back from
        // round 0 (dirtied again first) may first arrive in the stop-and-copy, and its allocation
        // (zeroing a 2 MiB huge page) would land in the downtime.
        var populated = source.PopulatedPageRanges();
        writer.Write(RecordType.PopulatedPages, new PopulatedPages(populated).Encode());
        CopyAllPages(batch, counters, populated, progress, cancellation, sets);
        var bandwidth = 0.0;
        for (var round = 0; ; round++)
        {
            batch.Flush();
            writer.Write(RecordType.RoundEnd, BitConverter.GetBytes(round));
            writer.Flush();
            var duration = Stopwatch.GetElapsedTime(roundStarted);
            var bytes = writer.BytesWritten - bytesBefore;
            // A tiny round mostly measures socket buffers, not the link: keep the previous estimate then.
            if (bandwidth == 0 || bytes >= 1 << 20)
                bandwidth = bytes / Math.Max(duration.TotalSeconds, 1e-6);

            sets.Refresh();
            var dirtyPages = sets.DirtiedSinceStart.Aggregate(0UL, (sum, b) => sum + b.CountDirty());
            var dirtyRate = dirtyPages * (double)PageSize / Math.Max(duration.TotalSeconds, 1e-6);
            var outcome = new RoundOutcome(round + 1, dirtyPages, bandwidth, dirtyRate, Stopwatch.GetElapsedTime(started));
            rounds.Add(Round(round, counters.Pages - pagesBefore, counters.ZeroPages - zeroBefore, sets.Skipped - skippedBefore, bytes, duration,
                    dirtyPages, dirtyRate)
                with { BandwidthMiBPerSecond = bandwidth / (1 << 20) });
            var expected = planner.ExpectedDowntime(outcome);
            progress?.Report(new MigrationProgress("pre-copy", round + 1, counters.Pages, dirtyPages, dirtyRate / PageSize, bandwidth / (1 << 20),
                expected == TimeSpan.MaxValue ? double.PositiveInfinity : expected.TotalMilliseconds));

            switch (planner.Decide(outcome))
            {
                case RoundDecision.StopAndCopy or RoundDecision.ForcedStopAndCopy:
                    return sets;
                case RoundDecision.Abort:
                    throw new MigrationFailedException(
                        $"migration failed, the guest keeps running on the source: it did not converge within {options.MaxRounds} rounds / {options.Timeout.TotalSeconds:0} s (the guest dirties {dirtyRate / (1 << 20):0} MiB/s, the link moves {bandwidth / (1 << 20):0} MiB/s)");
            }
            source.SetThrottle(planner.AdjustThrottle(outcome));
            cancellation.ThrowIfCancellationRequested();

            roundStarted = Stopwatch.GetTimestamp();
            bytesBefore = writer.BytesWritten;
            pagesBefore = counters.Pages;
            zeroBefore = counters.ZeroPages;
            skippedBefore = sets.Skipped;
            sets.NextRound();
            SendDirtyPages(batch, counters, round + 1, sets.ToSend, xbzrle, sets, lastRound: false);
        }
    }

    /// <summary>
    /// Sends every page marked in <paramref name="dirty"/> (zero pages as markers) and clears the marks,
    /// except pages <paramref name="stale"/> says the guest has dirtied again: the next round sends those.
    /// With an XBZRLE cache, a page sent before goes as its difference to the cached copy when that is
    /// under half a page; every page sent here updates the cache or stays out of it, so the cache
    /// always holds what the destination holds. In the <paramref name="lastRound"/> nothing will be
    /// encoded against the cache again, so it is not updated: a copy per page would only lengthen the
    /// downtime.
    /// </summary>
    private void SendDirtyPages(PageBatchWriter batch, Counters counters, int round, IReadOnlyList<DirtyBitmap> dirty, XbzrleCache? xbzrle,
        PreCopyPageSets? stale, bool lastRound)
    {
        Span<byte> delta = stackalloc byte[PageBatchWriter.MaxDeltaLength];
        var ranges = source.PageRanges;
        for (var i = 0; i < ranges.Count; i++)
        {
            foreach (var offset in DirtyBitmap.EnumerateSet(dirty[i].Words))
            {
                if (stale?.IsStale(i, offset) == true)
                    continue;
                var pfn = ranges[i].FirstPage + offset;
                var page = batch.Reserve(pfn);
                source.ReadPage(pfn, page);
                counters.Pages++;
                if (!page.ContainsAnyExcept((byte)0))
                {
                    batch.CommitReservedAsZero();
                    xbzrle?.Forget(pfn);
                    counters.ZeroPages++;
                    continue;
                }
                if (xbzrle is null)
                {
                    batch.CommitReserved();
                    continue;
                }
                var cached = xbzrle.Lookup(pfn, out var hit);
                var length = hit ? XbzrleDelta.Encode(cached, page, delta) : -1;
                if (!lastRound)
                    xbzrle.Store(pfn, page, round);
                if (length >= 0)
                    batch.CommitReservedAsDelta(delta[..length]);
                else
                    batch.CommitReserved();
            }
            dirty[i].Clear();
        }
        batch.Flush();
    }

    /// <summary>
    /// The destination starts from zeroed memory, so zero pages need not travel at all: pages the guest
    /// never touched (outside <paramref name="populated"/>) are skipped unread, and touched pages are
    /// checked for zeros before they are sent. In pre-copy's first round, pages <paramref name="stale"/>
    /// says the guest has dirtied again wait for the next round.
    /// </summary>
    private void CopyAllPages(PageBatchWriter batch, Counters counters, IReadOnlyList<(ulong FirstPage, ulong PageCount)> populated,
        IProgress<MigrationProgress>? progress, CancellationToken cancellation, PreCopyPageSets? stale)
    {
        var total = source.PageRanges.Aggregate(0UL, (sum, r) => sum + r.PageCount);
        var untouched = total - populated.Aggregate(0UL, (sum, r) => sum + r.PageCount);
        counters.ZeroPages += untouched;
        total -= untouched;
        ulong done = 0;
        foreach (var (first, count) in populated)
            for (var pfn = first; pfn < first + count; pfn++)
            {
                if (stale?.IsStale(pfn) == true)
                {
                    done++;
                    continue;
                }
                var page = batch.Reserve(pfn);
                source.ReadPage(pfn, page);
                if (page.ContainsAnyExcept((byte)0))
                {
                    batch.CommitReserved();
                    counters.Pages++;
                }
                else
                {
                    batch.DiscardReserved();
                    counters.ZeroPages++;
                }
                if (++done % 16384 == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    progress?.Report(new MigrationProgress("copy", 0, counters.Pages, total - done, 0, 0, 0));
                }
            }
        batch.Flush();
    }

    private void StopTracking()
    {
        try
        {
            source.SetThrottle(0);
            source.SetDirtyLogging(false);
        }
        catch (Exception)
        {
            // Best effort: the guest must be resumed whatever state tracking is in.
        }
    }

    private static RoundReport Round(int round, ulong pages, ulong zeroPages, ulong skippedPages, long bytes, TimeSpan duration, ulong dirtyAfter,
        double dirtyRate) =>
        new(round, pages, zeroPages, skippedPages, bytes, duration.TotalMilliseconds, dirtyAfter, dirtyRate / PageSize,
            duration.TotalSeconds > 0 ? bytes / duration.TotalSeconds / (1 << 20) : 0);

    private static ReadOnlySpan<byte> Expect(RecordReader reader, RecordType expected, string step)
    {
        var record = reader.Read();
        if (record.Type == RecordType.Error)
            throw new MigrationFailedException($"migration failed, the guest keeps running on the source: the destination could not {step}: {ErrorMessage.Decode(record.Payload)}");
        if (record.Type != expected)
            throw new MigrationStreamException($"the destination sent {record.Type} where {expected} was due");
        return record.Payload;
    }

    private static ResumeReport? TryReadResumeReport(RecordReader reader, TimeSpan timeout)
    {
        try
        {
            var read = Task.Run(() => reader.Read() is { Type: RecordType.ResumeReport } r ? ResumeReport.Decode(r.Payload) : null);
            return read.Wait(timeout) ? read.Result : null;
        }
        catch (AggregateException)
        {
            return null;
        }
    }

    private MigrationReport BuildReport(MigrationOptions options, Counters counters, long bytes, ulong deltaPages, TimeSpan preparation, TimeSpan total,
        long pausedAt, Running running, ResumeReport? resumed, IReadOnlyList<ProgressSample> baseline, long startedAt, List<RoundReport> rounds)
    {
        var before = GuestProgressMonitor.Rate(baseline);
        var sourceTicks = source.Progress.SamplesSince(startedAt - (long)options.BaselineWindow.TotalMicroseconds);
        double? pause = null;
        double? during = null;
        if (resumed is { FirstTickAtUnixMicros: > 0 })
        {
            var lastBefore = sourceTicks.Where(s => s.HostUnixMicros <= pausedAt).Select(s => s.HostUnixMicros).DefaultIfEmpty(0).Max();
            if (lastBefore > 0)
                pause = (resumed.FirstTickAtUnixMicros - lastBefore) / 1000.0;
            // Progress during = what the workload did from the start of the migration to its first tick
            // at the destination, per second of that whole window (downtime included).
            var window = (resumed.FirstTickAtUnixMicros - startedAt) / 1e6;
            var atStart = sourceTicks.LastOrDefault(s => s.HostUnixMicros <= startedAt);
            var atPause = sourceTicks.LastOrDefault(s => s.HostUnixMicros <= pausedAt);
            if (window > 0 && atStart.HostUnixMicros > 0 && atPause.HostUnixMicros > 0)
            {
                var pages = atPause.PagesWritten - atStart.PagesWritten;
                var progressed = pages > 0 ? pages : atPause.GuestMilliseconds - atStart.GuestMilliseconds;
                during = progressed / window;
            }
        }
        return new MigrationReport
        {
            Mode = options.Mode == MigrationMode.PreCopy ? "precopy" : options.Mode.ToString().ToLowerInvariant(),
            Outcome = "completed",
            PreparationMs = preparation.TotalMilliseconds,
            DowntimeMs = options.Mode == MigrationMode.Static && resumed is { FirstTickAtUnixMicros: > 0 }
                ? (resumed.FirstTickAtUnixMicros - pausedAt) / 1000.0
                : (running.ResumedAtUnixMicros - pausedAt) / 1000.0,
            ResumeMs = running.ResumeMicros / 1000.0,
            TotalMs = total.TotalMilliseconds,
            PagesTransferred = counters.Pages,
            BytesTransferred = bytes,
            ZeroPages = counters.ZeroPages,
            XbzrlePages = deltaPages,
            Rounds = rounds.Count,
            GuestPauseMs = pause,
            ProgressRateBefore = before > 0 ? before : null,
            ProgressRateDuring = during,
            ProgressRateAfter = resumed?.ProgressPerSecond,
            DegradationPct = before > 0 && during is not null ? Math.Clamp((1 - during.Value / before) * 100, 0, 100) : null,
            StartedAtUnixMicros = startedAt,
            PausedAtUnixMicros = pausedAt,
            ResumedAtUnixMicros = running.ResumedAtUnixMicros,
            DestinationFirstTickUnixMicros = resumed is { FirstTickAtUnixMicros: > 0 } ? resumed.FirstTickAtUnixMicros : null,
            MemoryBytes = source.MemoryBytes,
            Vcpus = source.VcpuCount,
            RoundDetails = rounds,
            Ticks = sourceTicks,
        };
    }

    internal static string Describe(Exception ex) => ex switch
    {
        MigrationStreamException or MigrationFailedException => ex.Message,
        IOException { InnerException: System.Net.Sockets.SocketException se } => $"connection lost ({se.SocketErrorCode})",
        IOException io => $"connection lost ({io.Message})",
        ObjectDisposedException => "connection closed",
        OperationCanceledException => "cancelled",
        _ => ex.Message,
    };
}
