using System.Buffers.Binary;

namespace Tern.Migration.Protocol;

/// <summary>
/// Packs pages into Pages records of up to <see cref="MaxPages"/> entries: per page its number (guest
/// physical address / 4096), its encoding and, unless it is a zero page, its data. Reuses one buffer:
/// encoding a page allocates nothing.
/// </summary>
public sealed class PageBatchWriter(RecordWriter records)
{
    public const int PageSize = 4096;
    public const int MaxPages = 256;
    private const int EntryHeader = 9;

    private readonly byte[] _buffer = new byte[4 + MaxPages * (EntryHeader + 4 + PageSize)];
    private int _length = 4;
    private int _count;

    public ulong PagesWritten { get; private set; }
    public ulong ZeroPagesWritten { get; private set; }

    public void AddZero(ulong pageNumber)
    {
        Header(pageNumber, PageEncoding.Zero);
        ZeroPagesWritten++;
        Commit();
    }

    public void AddRaw(ulong pageNumber, ReadOnlySpan<byte> page)
    {
        Header(pageNumber, PageEncoding.Raw);
        page[..PageSize].CopyTo(_buffer.AsSpan(_length));
        _length += PageSize;
        Commit();
    }

    public void Flush()
    {
        if (_count == 0)
            return;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_count);
        records.Write(RecordType.Pages, _buffer.AsSpan(0, _length));
        _length = 4;
        _count = 0;
    }

    private void Header(ulong pageNumber, PageEncoding encoding)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), pageNumber);
        _buffer[_length + 8] = (byte)encoding;
        _length += EntryHeader;
    }

    private void Commit()
    {
        PagesWritten++;
        if (++_count == MaxPages)
            Flush();
    }
}
