using BenchmarkDotNet.Attributes;
using Tern.Migration.Protocol;

namespace Tern.Bench;

/// <summary>
/// Page encoding on the migration stream: a full Pages record (256 pages of 4 KiB) built, framed,
/// checksummed (XXH3-64) and written to a null stream; and the receiving side walking a prepared
/// record's entries. Results are per page.
/// </summary>
[MemoryDiagnoser]
public class PageBatchBenchmarks
{
    private const int Pages = PageBatchWriter.MaxPages;
    private const ulong PageLimit = (512UL << 20) / 4096;

    private readonly byte[] _page = new byte[PageBatchWriter.PageSize];
    private PageBatchWriter _writer = null!;
    private byte[] _rawPayload = null!;
    private byte[] _zeroPayload = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(42).NextBytes(_page);
        _writer = new PageBatchWriter(new RecordWriter(Stream.Null, writeStreamHeader: false));
        _rawPayload = Payload(raw: true);
        _zeroPayload = Payload(raw: false);
    }

    /// <summary>The payload of one Pages record as the writer produces it (frame header and checksum cut off).</summary>
    private byte[] Payload(bool raw)
    {
        var stream = new MemoryStream();
        var writer = new PageBatchWriter(new RecordWriter(stream, writeStreamHeader: false));
        for (var i = 0; i < Pages; i++)
        {
            if (raw)
                writer.AddRaw((ulong)i * 7, _page);
            else
                writer.AddZero((ulong)i * 7);
        }
        writer.Flush();
        var frame = stream.ToArray();
        return frame[RecordWriter.FrameHeaderSize..^RecordWriter.ChecksumSize];
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public void WriteRawPages()
    {
        for (var i = 0; i < Pages; i++)
            _writer.AddRaw((ulong)i, _page);
        _writer.Flush();
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public void WriteZeroPages()
    {
        for (var i = 0; i < Pages; i++)
            _writer.AddZero((ulong)i);
        _writer.Flush();
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public int ReadRawPages()
    {
        var reader = new PageBatchReader(_rawPayload, PageLimit);
        var sum = 0;
        while (reader.TryRead(out _, out _, out var data))
            sum += data[0];
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Pages)]
    public ulong ReadZeroPages()
    {
        var reader = new PageBatchReader(_zeroPayload, PageLimit);
        ulong sum = 0;
        while (reader.TryRead(out var page, out _, out _))
            sum += page;
        return sum;
    }
}
