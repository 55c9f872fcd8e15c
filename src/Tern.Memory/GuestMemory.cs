namespace Tern.Memory;

/// <summary>
/// All of a guest's RAM, accessed only through bounds-checked reads and writes that may span
/// adjacent regions. Every write marks the written pages in the owning region's dirty bitmap,
/// because writes by device emulation never show up in KVM's dirty log.
/// </summary>
public sealed class GuestMemory : IDisposable
{
    private readonly MemoryRegion[] _regions;

    public GuestMemory(IEnumerable<MemoryRegion> regions)
    {
        _regions = regions.OrderBy(r => r.Start).ToArray();
        if (_regions.Length == 0)
            throw new MemoryException("guest memory needs at least one region");
        for (var i = 1; i < _regions.Length; i++)
            if (_regions[i].Start.Value < _regions[i - 1].End.Value)
                throw new MemoryException($"regions at {_regions[i - 1].Start} and {_regions[i].Start} overlap");
    }

    public IReadOnlyList<MemoryRegion> Regions => _regions;

    public ulong TotalSize => _regions.Aggregate(0UL, (sum, r) => sum + r.Size);

    public MemoryRegion? FindRegion(GuestAddress address)
    {
        foreach (var region in _regions)
            if (region.Contains(address))
                return region;
        return null;
    }

    public bool IsMapped(GuestAddress address, ulong length)
    {
        var cursor = address.Value;
        if (length > ulong.MaxValue - cursor)
            return false;
        var end = address.Value + length;
        while (cursor < end)
        {
            var region = FindRegion(cursor);
            if (region is null)
                return false;
            cursor = region.End.Value;
        }
        return true;
    }

    public void Read(GuestAddress address, Span<byte> destination)
    {
        var cursor = address.Value;
        while (!destination.IsEmpty)
        {
            var (region, chunk) = Locate(cursor, destination.Length);
            region.Slice(cursor - region.Start.Value, chunk).CopyTo(destination);
            destination = destination[chunk..];
            cursor += (ulong)chunk;
        }
    }

    public void Write(GuestAddress address, ReadOnlySpan<byte> source)
    {
        // Check the whole range first: a write that runs into a hole must change nothing.
        if (!IsMapped(address, (ulong)source.Length))
            throw new MemoryException($"guest range {address}+{source.Length} is not all RAM");
        var cursor = address.Value;
        while (!source.IsEmpty)
        {
            var (region, chunk) = Locate(cursor, source.Length);
            var offset = cursor - region.Start.Value;
            source[..chunk].CopyTo(region.Slice(offset, chunk));
            MarkDirty(region, offset, chunk);
            source = source[chunk..];
            cursor += (ulong)chunk;
        }
    }

    public void Fill(GuestAddress address, ulong length, byte value)
    {
        if (!IsMapped(address, length))
            throw new MemoryException($"guest range {address}+{length} is not all RAM");
        var cursor = address.Value;
        var end = address.Value + length;
        while (cursor < end)
        {
            var (region, chunk) = Locate(cursor, (int)Math.Min(end - cursor, int.MaxValue));
            var offset = cursor - region.Start.Value;
            region.Slice(offset, chunk).Fill(value);
            MarkDirty(region, offset, chunk);
            cursor += (ulong)chunk;
        }
    }

    public T Read<T>(GuestAddress address) where T : unmanaged
    {
        T value = default;
        Read(address, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<T>(ref value)));
        return value;
    }

    public void Write<T>(GuestAddress address, T value) where T : unmanaged =>
        Write(address, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    /// <summary>Copies one whole page out; the page must lie in one region (pages never straddle regions).</summary>
    public void ReadPage(ulong pageNumber, Span<byte> destination)
    {
        var (region, offset) = LocatePage(pageNumber);
        region.Slice(offset, (int)GuestAddress.PageSize).CopyTo(destination);
    }

    /// <summary>Writes one whole page without marking it dirty: used by a migration destination filling RAM it owns.</summary>
    public void WritePageUntracked(ulong pageNumber, ReadOnlySpan<byte> source)
    {
        var (region, offset) = LocatePage(pageNumber);
        source[..(int)GuestAddress.PageSize].CopyTo(region.Slice(offset, (int)GuestAddress.PageSize));
    }

    /// <summary>True when the page holds only zero bytes.</summary>
    public bool IsZeroPage(ulong pageNumber)
    {
        var (region, offset) = LocatePage(pageNumber);
        return !region.Slice(offset, (int)GuestAddress.PageSize).ContainsAnyExcept((byte)0);
    }

    private (MemoryRegion Region, ulong Offset) LocatePage(ulong pageNumber)
    {
        var address = new GuestAddress(pageNumber << GuestAddress.PageShift);
        var region = FindRegion(address) ?? throw new MemoryException($"page {address} is not guest RAM");
        return (region, address.Value - region.Start.Value);
    }

    private (MemoryRegion Region, int Chunk) Locate(ulong address, int wanted)
    {
        var region = FindRegion(address) ?? throw new MemoryException($"guest address 0x{address:x} is not RAM");
        var available = region.End.Value - address;
        return (region, (int)Math.Min((ulong)wanted, available));
    }

    private static void MarkDirty(MemoryRegion region, ulong offset, int length)
    {
        if (length == 0)
            return;
        var first = offset >> GuestAddress.PageShift;
        var last = (offset + (ulong)length - 1) >> GuestAddress.PageShift;
        region.Dirty.MarkRange(first, last - first + 1);
    }

    public void Dispose()
    {
        foreach (var region in _regions)
            region.Dispose();
    }
}
