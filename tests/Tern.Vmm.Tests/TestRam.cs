using Tern.Memory;

namespace Tern.Vmm.Tests;

/// <summary>Guest RAM backed by anonymous host mappings (MAP_NORESERVE, so only touched pages cost anything); needs no KVM.</summary>
internal static class TestRam
{
    public const ulong MiB = 1UL << 20;

    public static GuestMemory Memory(params (ulong Start, ulong Bytes)[] regions) =>
        new(regions.Select((r, slot) => new MemoryRegion(slot, new GuestAddress(r.Start), MappedMemory.Anonymous(r.Bytes))));

    /// <summary>RAM from 0 up to <paramref name="bytes"/>.</summary>
    public static GuestMemory Low(ulong bytes) => Memory((0, bytes));

    public static byte[] ReadBytes(this GuestMemory memory, ulong address, int length)
    {
        var bytes = new byte[length];
        memory.Read(address, bytes);
        return bytes;
    }
}
