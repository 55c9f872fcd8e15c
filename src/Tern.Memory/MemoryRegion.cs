namespace Tern.Memory;

/// <summary>
/// One contiguous range of guest-physical memory backed by one host mapping, with its own
/// dirty bitmap for writes the VMM makes (KVM cannot see those).
/// </summary>
public sealed class MemoryRegion : IDisposable
{
    private readonly MappedMemory _mapping;

    public MemoryRegion(int slot, GuestAddress start, MappedMemory mapping)
    {
        if (start.Value % GuestAddress.PageSize != 0 || mapping.Length % GuestAddress.PageSize != 0)
            throw new MemoryException($"region at {start} of {mapping.Length} bytes is not page aligned");
        Slot = slot;
        Start = start;
        _mapping = mapping;
        Dirty = new DirtyBitmap(mapping.Length / GuestAddress.PageSize);
    }

    /// <summary>The KVM memory slot this region is registered as.</summary>
    public int Slot { get; }
    public GuestAddress Start { get; }
    public ulong Size => _mapping.Length;
    public GuestAddress End => Start.Offset(Size);
    public ulong PageCount => Size / GuestAddress.PageSize;
    public ulong FirstPage => Start.PageNumber;

    /// <summary>Host virtual address of the mapping, for KVM_SET_USER_MEMORY_REGION and userfaultfd.</summary>
    public nint HostAddress => _mapping.Address;

    public MappedMemory Mapping => _mapping;

    public DirtyBitmap Dirty { get; }

    /// <summary>Page ranges (first page number, count) that may hold non-zero data; everything else reads as zero.</summary>
    public IEnumerable<(ulong FirstPage, ulong PageCount)> PopulatedPages() =>
        _mapping.DataRanges().Select(r => (FirstPage + r.Offset / GuestAddress.PageSize,
            (r.Length + GuestAddress.PageSize - 1) / GuestAddress.PageSize));

    /// <summary>Allocates pages [<paramref name="firstPage"/>, +<paramref name="count"/>) of this region ahead of their first write; see <see cref="MappedMemory.Populate"/>.</summary>
    public bool Populate(ulong firstPage, ulong count)
    {
        if (firstPage < FirstPage || count > PageCount || firstPage - FirstPage > PageCount - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"pages {firstPage}+{count} lie outside this region");
        return _mapping.Populate((firstPage - FirstPage) * GuestAddress.PageSize, count * GuestAddress.PageSize);
    }

    public bool Contains(GuestAddress address) => address.Value >= Start.Value && address.Value < End.Value;

    /// <summary>
    /// The bytes of this region from <paramref name="offset"/>. Internal so raw host memory is reached only
    /// through <see cref="GuestMemory"/>, which does bounds checks and dirty marking.
    /// </summary>
    internal unsafe Span<byte> Slice(ulong offset, int length)
    {
        if (offset > Size || (ulong)length > Size - offset)
            throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, +{length}) outside region of {Size} bytes");
        // Safe: the mapping lives as long as this region and the range was checked against its length.
        return new Span<byte>((byte*)_mapping.Address + offset, length);
    }

    public void Dispose() => _mapping.Dispose();
}
