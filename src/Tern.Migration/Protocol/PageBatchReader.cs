using System.Buffers.Binary;

namespace Tern.Migration.Protocol;

/// <summary>Walks the entries of one Pages record, checking each against the record's bounds and the machine's page count.</summary>
public ref struct PageBatchReader
{
    private ReadOnlySpan<byte> _data;
    private readonly ulong _pageLimit;
    private uint _remaining;

    public PageBatchReader(ReadOnlySpan<byte> payload, ulong pageLimit)
    {
        if (payload.Length < 4)
            throw new MigrationStreamException("pages record is truncated");
        _remaining = BinaryPrimitives.ReadUInt32LittleEndian(payload);
        if (_remaining == 0 || _remaining > PageBatchWriter.MaxPages)
            throw new MigrationStreamException($"pages record holds {_remaining} pages");
        _data = payload[4..];
        _pageLimit = pageLimit;
    }

    public bool TryRead(out ulong pageNumber, out PageEncoding encoding, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (_remaining == 0)
        {
            if (!_data.IsEmpty)
                throw new MigrationStreamException("pages record has trailing bytes");
            pageNumber = 0;
            encoding = default;
            return false;
        }
        if (_data.Length < 9)
            throw new MigrationStreamException("pages record is truncated");
        pageNumber = BinaryPrimitives.ReadUInt64LittleEndian(_data);
        encoding = (PageEncoding)_data[8];
        _data = _data[9..];
        if (pageNumber >= _pageLimit)
            throw new MigrationStreamException($"page 0x{pageNumber:x} lies outside the machine's memory");
        switch (encoding)
        {
            case PageEncoding.Zero:
                break;
            case PageEncoding.Raw:
                if (_data.Length < PageBatchWriter.PageSize)
                    throw new MigrationStreamException("pages record is truncated");
                data = _data[..PageBatchWriter.PageSize];
                _data = _data[PageBatchWriter.PageSize..];
                break;
            case PageEncoding.Xbzrle:
                if (_data.Length < 2)
                    throw new MigrationStreamException("pages record is truncated");
                var length = BinaryPrimitives.ReadUInt16LittleEndian(_data);
                if (length > PageBatchWriter.MaxDeltaLength)
                    throw new MigrationStreamException($"page 0x{pageNumber:x} has an XBZRLE delta of {length} bytes");
                if (_data.Length < 2 + length)
                    throw new MigrationStreamException("pages record is truncated");
                data = _data.Slice(2, length);
                _data = _data[(2 + length)..];
                break;
            default:
                throw new MigrationStreamException($"page 0x{pageNumber:x} has unknown encoding {(byte)encoding}");
        }
        _remaining--;
        return true;
    }
}
