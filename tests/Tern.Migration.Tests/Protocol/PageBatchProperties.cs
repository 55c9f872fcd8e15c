using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests.Protocol;

/// <summary>Pages packed into batches come back in order with their numbers, encodings and data; a bad batch is refused.</summary>
public sealed class PageBatchProperties
{
    private const int PageSize = PageBatchWriter.PageSize;

    /// <summary>A page entry: its number and, for a raw page, the seed its data is made from (null = zero page).</summary>
    private static Gen<(ulong Pfn, int? Seed)> Entry(ulong pageLimit) =>
        from pfn in Gen.Choose(0, (int)pageLimit - 1)
        from seed in Gen.Frequency((1, Gen.Constant((int?)null)), (3, ArbMap.Default.GeneratorFor<int>().Select(s => (int?)s)))
        select ((ulong)pfn, seed);

    private static byte[] Page(int seed)
    {
        var page = new byte[PageSize];
        new Random(seed).NextBytes(page);
        return page;
    }

    private static List<(ulong Pfn, PageEncoding Encoding, byte[] Data)> ReadAll(byte[] stream, ulong pageLimit, out List<int> batchSizes)
    {
        var reader = new RecordReader(new MemoryStream(stream), readStreamHeader: false, "test stream");
        var read = new List<(ulong, PageEncoding, byte[])>();
        batchSizes = [];
        long consumed = 0;
        while (consumed < stream.Length)
        {
            var record = reader.Read();
            record.Type.ShouldBe(RecordType.Pages);
            var batch = new PageBatchReader(record.Payload, pageLimit);
            var count = 0;
            while (batch.TryRead(out var pfn, out var encoding, out var data))
            {
                read.Add((pfn, encoding, data.ToArray()));
                count++;
            }
            batchSizes.Add(count);
            consumed = reader.BytesRead;
        }
        return read;
    }

    [Property(MaxTest = 60)]
    public Property Pages_read_back_in_order_with_their_data() =>
        Prop.ForAll(Gen.Choose(0, 700).SelectMany(n => Gen.ArrayOf(Entry(1 << 20), n)).ToArbitrary(), entries =>
        {
            var stream = new MemoryStream();
            var batch = new PageBatchWriter(new RecordWriter(stream, writeStreamHeader: false));
            foreach (var (pfn, seed) in entries)
            {
                if (seed is { } s)
                    batch.AddRaw(pfn, Page(s));
                else
                    batch.AddZero(pfn);
            }
            batch.Flush();

            var read = ReadAll(stream.ToArray(), 1 << 20, out var batchSizes);
            return read.Count == entries.Length
                   && read.Zip(entries).All(p => p.First.Pfn == p.Second.Pfn
                                                 && p.First.Encoding == (p.Second.Seed is null ? PageEncoding.Zero : PageEncoding.Raw)
                                                 && (p.Second.Seed is { } s ? p.First.Data.AsSpan().SequenceEqual(Page(s)) : p.First.Data.Length == 0))
                   && batchSizes.All(n => n is > 0 and <= PageBatchWriter.MaxPages)
                   && batch.PagesWritten == (ulong)entries.Length
                   && batch.ZeroPagesWritten == (ulong)entries.Count(e => e.Seed is null);
        });

    [Fact]
    public void A_full_batch_is_written_without_waiting_for_flush()
    {
        var stream = new MemoryStream();
        var batch = new PageBatchWriter(new RecordWriter(stream, writeStreamHeader: false));
        for (var i = 0; i < PageBatchWriter.MaxPages - 1; i++)
            batch.AddZero((ulong)i);
        stream.Length.ShouldBe(0);
        batch.AddZero(PageBatchWriter.MaxPages);
        ReadAll(stream.ToArray(), 1 << 20, out var sizes).Count.ShouldBe(PageBatchWriter.MaxPages);
        sizes.ShouldBe([PageBatchWriter.MaxPages]);
    }

    [Fact]
    public void Flushing_an_empty_batch_writes_nothing()
    {
        var stream = new MemoryStream();
        new PageBatchWriter(new RecordWriter(stream, writeStreamHeader: false)).Flush();
        stream.Length.ShouldBe(0);
    }

    private static byte[] Batch(uint count, params (ulong Pfn, byte Encoding, int DataLength)[] entries)
    {
        var payload = new List<byte>();
        var head = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(head, count);
        payload.AddRange(head);
        foreach (var (pfn, encoding, dataLength) in entries)
        {
            var number = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(number, pfn);
            payload.AddRange(number);
            payload.Add(encoding);
            payload.AddRange(new byte[dataLength]);
        }
        return [.. payload];
    }

    private static string Refusal(byte[] payload, ulong pageLimit = 100) =>
        Should.Throw<MigrationStreamException>(() =>
        {
            var reader = new PageBatchReader(payload, pageLimit);
            while (reader.TryRead(out _, out _, out _))
            {
            }
        }).Message;

    [Fact]
    public void A_page_beyond_the_machines_memory_is_refused() =>
        Refusal(Batch(1, (100, 0, 0)), pageLimit: 100).ShouldContain("page 0x64 lies outside the machine's memory");

    [Fact]
    public void The_last_page_of_the_machines_memory_is_accepted()
    {
        var reader = new PageBatchReader(Batch(1, (99, 0, 0)), 100);
        reader.TryRead(out var pfn, out _, out _).ShouldBeTrue();
        pfn.ShouldBe(99UL);
    }

    [Fact]
    public void An_unknown_encoding_is_refused() => Refusal(Batch(1, (3, 7, 0))).ShouldContain("unknown encoding 7");

    [Theory]
    [InlineData(0u)]
    [InlineData(PageBatchWriter.MaxPages + 1u)]
    public void A_batch_claiming_no_pages_or_too_many_is_refused(uint count) =>
        Refusal(Batch(count, (1, 0, 0))).ShouldContain($"holds {count} pages");

    [Fact]
    public void A_batch_claiming_more_entries_than_it_holds_is_refused() =>
        Refusal(Batch(2, (1, 0, 0))).ShouldContain("truncated");

    [Fact]
    public void A_raw_page_with_less_than_a_page_of_data_is_refused() =>
        Refusal(Batch(1, (1, 1, PageSize - 1))).ShouldContain("truncated");

    [Fact]
    public void A_batch_with_bytes_after_its_last_entry_is_refused() =>
        Refusal(Batch(1, (1, 1, PageSize + 1))).ShouldContain("trailing bytes");

    [Fact]
    public void A_batch_shorter_than_its_count_is_refused() =>
        Refusal([1, 0, 0]).ShouldContain("truncated");
}
