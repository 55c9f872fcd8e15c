using System.Buffers.Binary;

namespace Tern.Migration.Protocol;

/// <summary>
/// Packs pages into Pages records of up to <see cref="MaxPages"/> entries: per page its number (guest
/// physical address / 4096), its encoding and, unless it is a zero page, its data. Reuses one buffer,
/// which also holds the record's frame, so a batch goes out in one write: encoding a page allocates
/// nothing.
/// </summary>
public sealed class PageBatchWriter(RecordWriter records)
{
    public const int PageSize = 4096;
    public const int MaxPages = 256;
    private const int EntryHeader = 9;
    private const int PayloadStart = RecordWriter.FrameHeaderSize;
    private const int FirstEntry = PayloadStart + 4;

    private readonly byte[] _buffer = new byte[FirstEntry + MaxPages * (EntryHeader + 4 + PageSize) + RecordWriter.ChecksumSize];
    private int _length = FirstEntry;
    private int _count;
    private int _reserved = -1;

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
        page[..PageSize].CopyTo(Reserve(pageNumber));
        CommitReserved();
    }

    /// <summary>
    /// Opens a raw entry for <paramref name="pageNumber"/> and returns its 4096 data bytes, so the page
    /// can be read straight into the batch. Follow with <see cref="CommitReserved"/>,
    /// <see cref="CommitReservedAsZero"/> or <see cref="DiscardReserved"/>.
    /// </summary>
    public Span<byte> Reserve(ulong pageNumber)
    {
        if (_reserved >= 0)
            throw new InvalidOperationException("a reserved page is still open");
        _reserved = _length;
        Header(pageNumber, PageEncoding.Raw);
        return _buffer.AsSpan(_length, PageSize);
    }

    public void CommitReserved()
    {
        EndReservation();
        _length += PageSize;
        Commit();
    }

    /// <summary>The reserved page turned out all zeros: it travels as a marker, without its data.</summary>
    public void CommitReservedAsZero()
    {
        var entry = EndReservation();
        _buffer[entry + 8] = (byte)PageEncoding.Zero;
        ZeroPagesWritten++;
        Commit();
    }

    /// <summary>
    /// The reserved page travels as <paramref name="delta"/>, an XBZRLE encoding against the copy the
    /// destination holds; the delta must be shorter than a page.
    /// </summary>
    public void CommitReservedAsDelta(ReadOnlySpan<byte> delta)
    {
        if (delta.Length > MaxDeltaLength)
            throw new ArgumentException($"an XBZRLE delta of {delta.Length} bytes is no smaller than the page");
        var entry = EndReservation();
        _buffer[entry + 8] = (byte)PageEncoding.Xbzrle;
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(entry + EntryHeader), (ushort)delta.Length);
        delta.CopyTo(_buffer.AsSpan(entry + EntryHeader + 2));
        _length = entry + EntryHeader + 2 + delta.Length;
        DeltaPagesWritten++;
        Commit();
    }

    /// <summary>The longest delta worth sending instead of the page itself.</summary>
    public const int MaxDeltaLength = PageSize / 2;

    public ulong DeltaPagesWritten { get; private set; }

    /// <summary>The reserved page need not travel at all.</summary>
    public void DiscardReserved() => _length = EndReservation();

    private int EndReservation()
    {
        var entry = _reserved;
        if (entry < 0)
            throw new InvalidOperationException("no page is reserved");
        _reserved = -1;
        return entry;
    }

    public void Flush()
    {
        if (_count == 0)
            return;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(PayloadStart), (uint)_count);
        records.WriteFramed(RecordType.Pages, _buffer.AsSpan(0, _length + RecordWriter.ChecksumSize));
        _length = FirstEntry;
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
