using System.Diagnostics;
using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;

namespace Tern.Migration.Strategies;

/// <summary>What a snapshot wrote.</summary>
public sealed record SnapshotSummary(ulong Pages, ulong ZeroPages, long Bytes, TimeSpan Duration);

/// <summary>
/// The source side of a migration over one duplex stream (docs/migration-protocol.md). Until the
/// destination says it runs the guest, the source owns it: any failure — refused or cut connection,
/// a destination error, a timeout, cancellation — resumes the source guest and throws
/// <see cref="MigrationFailedException"/>.
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
        using var abort = cancellation.Register(connection.Dispose);
        var writer = new RecordWriter(connection, writeStreamHeader: true);
        var counters = new Counters();
        var batch = new PageBatchWriter(writer);
        try
        {
            var hello = new Hello(options.Mode, source.MemoryBytes, source.VcpuCount, PageSize, options.SourceName, startedAt);
            writer.Write(RecordType.Hello, hello.Encode());
            writer.Flush();
            var reader = new RecordReader(connection, readStreamHeader: true, "the destination's reply stream");
            Expect(reader, RecordType.Ready, "accept the migration");
            var preparation = Stopwatch.GetElapsedTime(started);

            progress?.Report(new MigrationProgress("stop-and-copy", 0, 0, 0, 0, 0, 0));
            source.Pause();
            paused = true;
            var pausedAt = GuestProgressMonitor.UnixMicros(time);
            var copyStarted = Stopwatch.GetTimestamp();
            if (options.Mode == MigrationMode.Static)
            {
                writer.Write(RecordType.StateSection, source.Describe().Encode());
                counters.Sections = 1;
            }
            else
            {
                CopyAllPages(batch, counters, progress, cancellation);
                foreach (var section in source.SaveState())
                {
                    writer.Write(RecordType.StateSection, section.Encode());
                    counters.Sections++;
                }
            }
            writer.Write(RecordType.Complete, new Complete(batch.PagesWritten, batch.ZeroPagesWritten, counters.Sections).Encode());
            writer.Flush();
            var copyTime = Stopwatch.GetElapsedTime(copyStarted);

            var running = Running.Decode(Expect(reader, RecordType.Running, "resume the guest"));
            var total = Stopwatch.GetElapsedTime(started);
            source.Stop("migrated: the destination runs the guest");
            paused = false;

            var resumeReport = TryReadResumeReport(reader, connection, options.ResumeReportTimeout);
            return BuildReport(options, counters, writer.BytesWritten, preparation, total, copyTime, pausedAt, running,
                resumeReport, baseline, startedAt);
        }
        catch (Exception ex) when (ex is not MigrationFailedException)
        {
            if (paused)
                source.Resume();
            var reason = cancellation.IsCancellationRequested ? "cancelled" : Describe(ex);
            throw new MigrationFailedException($"migration failed, the guest keeps running on the source: {reason}", inner: ex);
        }
        catch (MigrationFailedException)
        {
            if (paused)
                source.Resume();
            throw;
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
        CopyAllPages(batch, counters, progress: null, CancellationToken.None);
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
    /// The destination starts from zeroed memory, so zero pages need not travel at all: pages the guest
    /// never touched are skipped unread, and touched pages are checked for zeros before they are sent.
    /// </summary>
    private void CopyAllPages(PageBatchWriter batch, Counters counters, IProgress<MigrationProgress>? progress, CancellationToken cancellation)
    {
        var page = new byte[PageSize];
        var total = source.PageRanges.Aggregate(0UL, (sum, r) => sum + r.PageCount);
        var populated = source.PopulatedPageRanges();
        counters.ZeroPages += total - populated.Aggregate(0UL, (sum, r) => sum + r.PageCount);
        ulong done = 0;
        total -= counters.ZeroPages;
        foreach (var (first, count) in populated)
            for (var pfn = first; pfn < first + count; pfn++)
            {
                source.ReadPage(pfn, page);
                if (page.AsSpan().ContainsAnyExcept((byte)0))
                {
                    batch.AddRaw(pfn, page);
                    counters.Pages++;
                }
                else
                    counters.ZeroPages++;
                if (++done % 16384 == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    progress?.Report(new MigrationProgress("stop-and-copy", 0, done, total - done, 0, 0, 0));
                }
            }
        batch.Flush();
    }

    private static ReadOnlySpan<byte> Expect(RecordReader reader, RecordType expected, string step)
    {
        var record = reader.Read();
        if (record.Type == RecordType.Error)
            throw new MigrationFailedException($"migration failed, the guest keeps running on the source: the destination could not {step}: {ErrorMessage.Decode(record.Payload)}");
        if (record.Type != expected)
            throw new MigrationStreamException($"the destination sent {record.Type} where {expected} was due");
        return record.Payload;
    }

    private static ResumeReport? TryReadResumeReport(RecordReader reader, Stream connection, TimeSpan timeout)
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

    private MigrationReport BuildReport(MigrationOptions options, Counters counters, long bytes, TimeSpan preparation, TimeSpan total,
        TimeSpan copyTime, long pausedAt, Running running, ResumeReport? resumed, IReadOnlyList<ProgressSample> baseline, long startedAt)
    {
        var before = GuestProgressMonitor.Rate(baseline);
        var sourceTicks = source.Progress.SamplesSince(startedAt - (long)options.BaselineWindow.TotalMicroseconds);
        double? pause = null;
        double? during = null;
        if (resumed is { FirstTickAtUnixMicros: > 0 } && sourceTicks.Count > 0)
        {
            var lastBefore = sourceTicks.Where(s => s.HostUnixMicros <= pausedAt).Select(s => s.HostUnixMicros).DefaultIfEmpty(0).Max();
            if (lastBefore > 0)
                pause = (resumed.FirstTickAtUnixMicros - lastBefore) / 1000.0;
            var duringSamples = sourceTicks.Where(s => s.HostUnixMicros >= startedAt).ToList();
            var migrationSeconds = (resumed.FirstTickAtUnixMicros - startedAt) / 1e6;
            if (duringSamples.Count > 1 && migrationSeconds > 0)
                during = GuestProgressMonitor.Rate(duringSamples) * ((duringSamples[^1].HostUnixMicros - duringSamples[0].HostUnixMicros) / 1e6) / migrationSeconds;
            else if (migrationSeconds > 0)
                during = 0;
        }
        var downtime = (running.ResumedAtUnixMicros - pausedAt) / 1000.0;
        return new MigrationReport
        {
            Mode = options.Mode.ToString().ToLowerInvariant(),
            Outcome = "completed",
            PreparationMs = preparation.TotalMilliseconds,
            DowntimeMs = options.Mode == MigrationMode.Static && resumed is { FirstTickAtUnixMicros: > 0 }
                ? (resumed.FirstTickAtUnixMicros - pausedAt) / 1000.0
                : downtime,
            ResumeMs = running.ResumeMicros / 1000.0,
            TotalMs = total.TotalMilliseconds,
            PagesTransferred = counters.Pages,
            BytesTransferred = bytes,
            ZeroPages = counters.ZeroPages,
            Rounds = 1,
            GuestPauseMs = pause,
            ProgressRateBefore = before > 0 ? before : null,
            ProgressRateDuring = during,
            ProgressRateAfter = resumed?.ProgressPerSecond,
            DegradationPct = before > 0 && during is not null ? Math.Max(0, (1 - during.Value / before) * 100) : null,
            MemoryBytes = source.MemoryBytes,
            Vcpus = source.VcpuCount,
            RoundDetails = [new RoundReport(0, counters.Pages, counters.ZeroPages, bytes, copyTime.TotalMilliseconds, 0, 0,
                copyTime.TotalSeconds > 0 ? bytes / copyTime.TotalSeconds / (1 << 20) : 0)],
            Ticks = sourceTicks,
        };
    }

    internal static string Describe(Exception ex) => ex switch
    {
        MigrationStreamException or MigrationFailedException => ex.Message,
        IOException { InnerException: System.Net.Sockets.SocketException se } => $"connection lost ({se.SocketErrorCode})",
        IOException io => $"connection lost ({io.Message})",
        ObjectDisposedException => "connection closed",
        _ => ex.Message,
    };
}
