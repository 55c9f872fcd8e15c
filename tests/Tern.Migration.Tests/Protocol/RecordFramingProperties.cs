using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests.Protocol;

/// <summary>Framed records read back exactly as written, and a reader refuses any frame that was not written so.</summary>
public sealed class RecordFramingProperties
{
    private static byte[] Write(IEnumerable<(RecordType Type, byte[] Payload)> records, bool header = true)
    {
        var stream = new MemoryStream();
        var writer = new RecordWriter(stream, writeStreamHeader: header);
        foreach (var (type, payload) in records)
            writer.Write(type, payload);
        writer.Flush();
        return stream.ToArray();
    }

    private static RecordReader Reader(byte[] bytes, bool header = true) => new(new MemoryStream(bytes), header, "test stream");

    [Property(MaxTest = 200)]
    public Property Any_sequence_of_records_reads_back_identically() =>
        Prop.ForAll(Gen.ListOf(Generators.Record).Select(l => l.ToArray()).ToArbitrary(), records =>
        {
            var bytes = Write(records);
            var reader = Reader(bytes);
            foreach (var (type, payload) in records)
            {
                var record = reader.Read();
                if (record.Type != type || !record.Payload.SequenceEqual(payload))
                    return false;
            }
            return reader.BytesRead == bytes.Length - StreamFormat.HeaderSize;
        });

    [Property(MaxTest = 200)]
    public Property A_record_built_in_its_frame_is_byte_for_byte_the_record_written_from_its_payload() =>
        Prop.ForAll(Gen.ListOf(Generators.Record).Select(l => l.ToArray()).ToArbitrary(), records =>
        {
            var framed = new MemoryStream();
            var writer = new RecordWriter(framed, writeStreamHeader: true);
            foreach (var (type, payload) in records)
            {
                var frame = new byte[RecordWriter.FrameHeaderSize + payload.Length + RecordWriter.ChecksumSize];
                payload.CopyTo(frame, RecordWriter.FrameHeaderSize);
                writer.WriteFramed(type, frame);
            }
            return framed.ToArray().SequenceEqual(Write(records)) && writer.BytesWritten == framed.Length - StreamFormat.HeaderSize;
        });

    [Property(MaxTest = 100)]
    public Property Writer_counts_every_byte_and_record_it_writes() =>
        Prop.ForAll(Gen.ListOf(Generators.Record).Select(l => l.ToArray()).ToArbitrary(), records =>
        {
            var stream = new MemoryStream();
            var writer = new RecordWriter(stream, writeStreamHeader: false);
            foreach (var (type, payload) in records)
                writer.Write(type, payload);
            return writer.BytesWritten == stream.Length
                   && writer.RecordsWritten == (ulong)records.Length
                   && stream.Length == records.Sum(r => RecordWriter.FrameHeaderSize + r.Payload.Length + RecordWriter.ChecksumSize);
        });

    [Fact]
    public void Reading_past_the_last_record_is_a_truncation()
    {
        var reader = Reader(Write([(RecordType.RoundEnd, [])]));
        reader.Read();
        var ex = Should.Throw<MigrationStreamException>(() => reader.Read());
        ex.Message.ShouldContain("truncated");
    }

    [Fact]
    public void A_dropped_record_is_detected_by_its_sequence_number()
    {
        var bytes = Write([(RecordType.RoundEnd, []), (RecordType.RoundEnd, []), (RecordType.RoundEnd, [])], header: false);
        var frame = RecordWriter.FrameHeaderSize + RecordWriter.ChecksumSize;
        var withoutSecond = bytes[..frame].Concat(bytes[(2 * frame)..]).ToArray();
        var reader = Reader(withoutSecond, header: false);
        reader.Read();
        Should.Throw<MigrationStreamException>(() => reader.Read()).Message.ShouldContain("sequence 2 where 1 was due");
    }

    [Fact]
    public void A_repeated_record_is_detected_by_its_sequence_number()
    {
        var bytes = Write([(RecordType.RoundEnd, [])], header: false);
        var reader = Reader([.. bytes, .. bytes], header: false);
        reader.Read();
        Should.Throw<MigrationStreamException>(() => reader.Read()).Message.ShouldContain("sequence 0 where 1 was due");
    }

    [Fact]
    public void A_record_of_unknown_type_is_refused_even_with_a_valid_checksum()
    {
        var bytes = Write([((RecordType)0x77, [1, 2, 3])], header: false);
        Should.Throw<MigrationStreamException>(() => Reader(bytes, header: false).Read()).Message.ShouldContain("unknown type 0x77");
    }

    [Fact]
    public void A_length_beyond_the_largest_record_is_refused_before_reading_it()
    {
        var head = new byte[RecordWriter.FrameHeaderSize];
        BinaryPrimitives.WriteUInt16LittleEndian(head, (ushort)RecordType.Pages);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), RecordWriter.MaxPayload + 1);
        var ex = Should.Throw<MigrationStreamException>(() => Reader(head, header: false).Read());
        ex.Message.ShouldContain("more than any record holds");
    }

    [Fact]
    public void The_writer_refuses_a_payload_larger_than_a_reader_accepts()
    {
        var writer = new RecordWriter(Stream.Null, writeStreamHeader: false);
        Should.Throw<ArgumentException>(() => writer.Write(RecordType.Pages, new byte[RecordWriter.MaxPayload + 1]));
    }

    [Fact]
    public void The_largest_payload_a_writer_accepts_reads_back()
    {
        var payload = new byte[RecordWriter.MaxPayload];
        payload[^1] = 7;
        var record = Reader(Write([(RecordType.Pages, payload)])).Read();
        record.Payload.Length.ShouldBe(RecordWriter.MaxPayload);
        record.Payload[^1].ShouldBe((byte)7);
    }
}
