namespace Tern.Memory.Tests;

/// <summary>Guest RAM backed by anonymous host mappings; needs no KVM.</summary>
internal static class TestRam
{
    public const ulong Page = GuestAddress.PageSize;

    public static MemoryRegion Region(int slot, ulong start, ulong bytes) =>
        new(slot, new GuestAddress(start), MappedMemory.Anonymous(bytes));

    /// <summary>One region per (start, bytes) pair, in slot order.</summary>
    public static GuestMemory Memory(params (ulong Start, ulong Bytes)[] regions) =>
        new(regions.Select((r, slot) => Region(slot, r.Start, r.Bytes)));

    public static byte[] Pattern(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static List<ulong> DirtyPages(MemoryRegion region)
    {
        var pages = new List<ulong>();
        foreach (var page in DirtyBitmap.EnumerateSet(region.Dirty.Words))
            pages.Add(page);
        return pages;
    }
}
