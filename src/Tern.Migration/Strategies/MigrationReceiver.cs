using System.Diagnostics;
using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;

namespace Tern.Migration.Strategies;

/// <summary>What the destination saw of a completed incoming migration.</summary>
public sealed record ReceivedMigration(Hello Hello, ulong Pages, ulong ZeroPages, int StateSections, long Bytes, long ResumedAtUnixMicros,
    TimeSpan ResumeTime);

/// <summary>
/// The destination side: reads a migration stream (from a socket, or a snapshot file), validates every
/// record, fills memory, restores or boots the machine and only then runs it. Any failure before the
/// guest runs aborts the target, so no half-restored guest ever executes; over a socket the source
/// hears why in an Error record and keeps its guest.
/// </summary>
public sealed class MigrationReceiver(IMigrationTarget target, TimeProvider time)
{
    private const int MaxSections = 1024;

    /// <summary>The id of the state section that describes the machine; it follows the hello record.</summary>
    public const string MachineDescriptionId = "machine";
    private RecordWriter? _replies;

    /// <param name="input">The incoming stream.</param>
    /// <param name="replies">Where to answer the source, or null for a snapshot file.</param>
    /// <param name="expected">The machine shape the user asked for, if any (0 = any); another shape is refused.</param>
    public ReceivedMigration Receive(Stream input, Stream? replies, string sourceName, (ulong MemoryBytes, int VcpuCount)? expected = null)
    {
        var writer = _replies = replies is null ? null : new RecordWriter(replies, writeStreamHeader: true);
        var begun = false;
        try
        {
            var reader = new RecordReader(input, readStreamHeader: true, sourceName);
            var first = reader.Read();
            if (first.Type != RecordType.Hello)
                throw new MigrationStreamException($"{sourceName} does not start with a hello record");
            var hello = Hello.Decode(first.Payload);
            if (expected is { } shape && ((shape.MemoryBytes != 0 && shape.MemoryBytes != hello.MemoryBytes)
                                          || (shape.VcpuCount != 0 && shape.VcpuCount != hello.VcpuCount)))
                throw new MigrationStreamException(
                    $"{sourceName} holds a machine with {hello.MemoryBytes >> 20} MiB and {hello.VcpuCount} vCPUs, not the shape asked for ({Describe(shape)})");
            var second = reader.Read();
            var description = second.Type == RecordType.StateSection ? StateSection.Decode(second.Payload) : null;
            if (description?.Id != MachineDescriptionId)
                throw new MigrationStreamException($"{sourceName} does not describe its machine after the hello record");
            begun = true;
            target.Begin(hello, description);
            Reply(writer, RecordType.Ready, []);

            var sections = new List<StateSection> { description };
            ulong pages = 0, zeroPages = 0;
            Complete? complete = null;
            while (complete is null)
            {
                var record = reader.Read();
                switch (record.Type)
                {
                    case RecordType.Pages:
                        var batch = new PageBatchReader(record.Payload, target.PageLimit);
                        while (batch.TryRead(out var pfn, out var encoding, out var data))
                        {
                            switch (encoding)
                            {
                                case PageEncoding.Zero:
                                    target.WriteZeroPage(pfn);
                                    zeroPages++;
                                    break;
                                case PageEncoding.Xbzrle:
                                    target.ApplyPageDelta(pfn, data);
                                    break;
                                default:
                                    target.WritePage(pfn, data);
                                    break;
                            }
                            pages++;
                        }
                        break;
                    case RecordType.StateSection:
                        var section = StateSection.Decode(record.Payload);
                        if (sections.Any(s => s.Id == section.Id))
                            throw new MigrationStreamException($"{sourceName} repeats state section {section.Id}");
                        if (sections.Count == MaxSections)
                            throw new MigrationStreamException($"{sourceName} has too many state sections");
                        sections.Add(section);
                        break;
                    case RecordType.PopulatedPages:
                        target.Populate(PopulatedPages.Decode(record.Payload, target.PageLimit).Ranges);
                        break;
                    case RecordType.RoundEnd:
                        break;
                    case RecordType.Complete:
                        complete = Complete.Decode(record.Payload);
                        break;
                    default:
                        throw new MigrationStreamException($"{sourceName} has an unexpected {record.Type} record");
                }
            }
            if (complete.Pages != pages || complete.ZeroPages != zeroPages || complete.StateSections != (ulong)sections.Count)
                throw new MigrationStreamException(
                    $"{sourceName} is incomplete: {pages} pages, {zeroPages} zero pages and {sections.Count} state sections arrived, the source sent {complete.Pages}, {complete.ZeroPages} and {complete.StateSections}");

            var restoring = Stopwatch.GetTimestamp();
            if (hello.Mode == MigrationMode.Static)
                target.Boot(description);
            else
                target.Restore(sections);
            target.Start();
            var resumedAt = GuestProgressMonitor.UnixMicros(time);
            var resumeTime = Stopwatch.GetElapsedTime(restoring);
            Reply(writer, RecordType.Running, new Running(resumedAt, (long)resumeTime.TotalMicroseconds).Encode());
            return new ReceivedMigration(hello, pages, zeroPages, sections.Count, reader.BytesRead, resumedAt, resumeTime);
        }
        catch (Exception ex)
        {
            if (begun)
                target.Abort();
            TryReply(writer, ex.Message);
            throw;
        }
    }

    /// <summary>
    /// After the guest runs: waits for its first progress lines (up to <paramref name="window"/>) and tells
    /// the source when the first arrived and at what rate the workload progresses now.
    /// </summary>
    public void SendResumeReport(long resumedAtUnixMicros, TimeSpan window)
    {
        if (_replies is null)
            return;
        var deadline = Stopwatch.GetTimestamp() + (long)(window.TotalSeconds * Stopwatch.Frequency);
        IReadOnlyList<ProgressSample> samples = [];
        while (Stopwatch.GetTimestamp() < deadline)
        {
            samples = target.Progress.SamplesSince(resumedAtUnixMicros);
            if (samples.Count >= 5)
                break;
            Thread.Sleep(20);
        }
        var first = samples.Count > 0 ? samples[0].HostUnixMicros : 0;
        var report = new ResumeReport(first, GuestProgressMonitor.Rate(samples));
        Reply(_replies, RecordType.ResumeReport, report.Encode());
    }

    private static string Describe((ulong MemoryBytes, int VcpuCount) shape) =>
        string.Join(", ", new[] { shape.MemoryBytes != 0 ? $"{shape.MemoryBytes >> 20} MiB" : null, shape.VcpuCount != 0 ? $"{shape.VcpuCount} vCPUs" : null }.OfType<string>());

    private static void Reply(RecordWriter? writer, RecordType type, ReadOnlySpan<byte> payload)
    {
        if (writer is null)
            return;
        writer.Write(type, payload);
        writer.Flush();
    }

    private static void TryReply(RecordWriter? writer, string message)
    {
        try
        {
            Reply(writer, RecordType.Error, ErrorMessage.Encode(message));
        }
        catch (Exception)
        {
            // The source may already be gone; it treats a lost connection as a failed migration.
        }
    }
}
