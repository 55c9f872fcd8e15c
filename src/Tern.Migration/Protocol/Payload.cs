using System.Buffers.Binary;
using System.Text;

namespace Tern.Migration.Protocol;

/// <summary>Little-endian payload builder for records.</summary>
internal sealed class PayloadWriter
{
    private byte[] _buffer;
    private int _length;

    public PayloadWriter(int capacity = 256) => _buffer = new byte[capacity];

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);
    public int Length => _length;

    public void Reset() => _length = 0;

    public Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void Byte(byte value) => Reserve(1)[0] = value;
    public void UInt(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
    public void ULong(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
    public void Long(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
    public void Double(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
    public void Bytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void Blob(ReadOnlySpan<byte> bytes)
    {
        UInt((uint)bytes.Length);
        Bytes(bytes);
    }

    public void String(string value) => Blob(Encoding.UTF8.GetBytes(value));
}

/// <summary>Reads a record payload, refusing to read past its end or to accept trailing bytes.</summary>
internal ref struct PayloadReader(ReadOnlySpan<byte> payload, string what)
{
    private ReadOnlySpan<byte> _data = payload;
    private readonly string _what = what;

    public readonly int Remaining => _data.Length;

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _data.Length)
            throw new MigrationStreamException($"{_what} record is truncated or malformed");
        var taken = _data[..count];
        _data = _data[count..];
        return taken;
    }

    public byte Byte() => Take(1)[0];
    public uint UInt() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    public ulong ULong() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
    public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
    public ReadOnlySpan<byte> Blob() => Take(checked((int)Math.Min(UInt(), int.MaxValue)));
    public string String() => Encoding.UTF8.GetString(Blob());

    public readonly void End()
    {
        if (!_data.IsEmpty)
            throw new MigrationStreamException($"{_what} record has {_data.Length} unexpected trailing bytes");
    }
}
