using System.Buffers.Binary;
using System.IO.Hashing;

namespace Tern.Migration.Protocol;

/// <summary>A record as read: its type and a payload that stays valid until the next read.</summary>
public readonly ref struct Record(RecordType type, ReadOnlySpan<byte> payload)
{
    public RecordType Type { get; } = type;
    public ReadOnlySpan<byte> Payload { get; } = payload;
}

/// <summary>
/// Reads framed records and refuses anything not exactly as written: a short read (truncation), a
/// checksum mismatch (corruption), an unknown type, an oversized length or a sequence gap.
/// </summary>
public sealed class RecordReader
{
    private readonly Stream _stream;
    private readonly string _source;
    private byte[] _buffer = new byte[64 * 1024];
    private ulong _expectedSequence;

    public RecordReader(Stream stream, bool readStreamHeader, string source)
    {
        _stream = stream;
        _source = source;
        if (readStreamHeader)
        {
            Span<byte> header = stackalloc byte[StreamFormat.HeaderSize];
            ReadExactly(header, "stream header");
            StreamFormat.ValidateHeader(header);
        }
    }

    public long BytesRead { get; private set; }

    public Record Read()
    {
        Span<byte> head = stackalloc byte[RecordWriter.FrameHeaderSize];
        ReadExactly(head, "record header");
        var type = (RecordType)BinaryPrimitives.ReadUInt16LittleEndian(head);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(head[8..]);
        if (length > RecordWriter.MaxPayload)
            throw Corrupt($"record {sequence} claims {length} bytes, more than any record holds");
        var size = RecordWriter.FrameHeaderSize + (int)length + RecordWriter.ChecksumSize;
        if (_buffer.Length < size)
            _buffer = new byte[Math.Max(size, _buffer.Length * 2)];
        var frame = _buffer.AsSpan(0, size);
        head.CopyTo(frame);
        ReadExactly(frame[RecordWriter.FrameHeaderSize..], $"record {sequence}");
        var body = frame[..(RecordWriter.FrameHeaderSize + (int)length)];
        var expected = BinaryPrimitives.ReadUInt64LittleEndian(frame[body.Length..]);
        if (XxHash3.HashToUInt64(body) != expected)
            throw Corrupt($"record {_expectedSequence} fails its checksum");
        if (sequence != _expectedSequence)
            throw Corrupt($"record sequence {sequence} where {_expectedSequence} was due");
        if (!Enum.IsDefined(type) || BinaryPrimitives.ReadUInt16LittleEndian(head[2..]) != 0)
            throw Corrupt($"record {sequence} has unknown type 0x{(ushort)type:x} or flags");
        _expectedSequence++;
        BytesRead += size;
        return new Record(type, body[RecordWriter.FrameHeaderSize..]);
    }

    private void ReadExactly(Span<byte> destination, string what)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var read = _stream.Read(destination[done..]);
            if (read == 0)
                throw new MigrationStreamException($"{_source} ends in the middle of the {what} (truncated)");
            done += read;
        }
    }

    private MigrationStreamException Corrupt(string what) => new($"{_source} is corrupted: {what}");
}
