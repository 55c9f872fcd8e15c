using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Tern.Migration.Protocol;

/// <summary>
/// Writes framed records: a 16-byte frame header (type, flags, payload length, sequence number), the
/// payload, and an XXH3-64 checksum over header and payload. The sequence number makes a dropped,
/// repeated or reordered record detectable. Not thread-safe: one writer per stream.
/// </summary>
public sealed class RecordWriter
{
    public const int FrameHeaderSize = 16;
    public const int ChecksumSize = 8;
    public const int MaxPayload = 32 << 20;

    private readonly Stream _stream;
    private ulong _sequence;

    public RecordWriter(Stream stream, bool writeStreamHeader)
    {
        _stream = stream;
        if (writeStreamHeader)
        {
            Span<byte> header = stackalloc byte[StreamFormat.HeaderSize];
            StreamFormat.WriteHeader(header);
            _stream.Write(header);
        }
    }

    /// <summary>Bytes written so far, frames included.</summary>
    public long BytesWritten { get; private set; }

    public ulong RecordsWritten => _sequence;

    public void Write(RecordType type, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayload)
            throw new ArgumentException($"record payload of {payload.Length} bytes exceeds {MaxPayload}");
        var size = FrameHeaderSize + payload.Length + ChecksumSize;
        var frame = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var span = frame.AsSpan(0, size);
            BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)type);
            BinaryPrimitives.WriteUInt16LittleEndian(span[2..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)payload.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(span[8..], _sequence++);
            payload.CopyTo(span[FrameHeaderSize..]);
            var checksum = XxHash3.HashToUInt64(span[..(FrameHeaderSize + payload.Length)]);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(FrameHeaderSize + payload.Length)..], checksum);
            _stream.Write(span);
            BytesWritten += size;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public void Flush() => _stream.Flush();
}
