using System.Buffers.Binary;
using Tern.Vmm.Boot;

namespace Tern.Vmm.Tests.Boot;

/// <summary>Writes Multiboot 1 headers (Multiboot Specification 0.6.96, section 3.1.1) into hand-built files.</summary>
internal static class MultibootFile
{
    public const uint FlagPageAlign = 1 << 0, FlagMemoryInfo = 1 << 1, FlagVideoMode = 1 << 2, FlagAddressFields = 1 << 16;

    /// <summary>magic, flags and a checksum making their 32-bit sum zero.</summary>
    public static void WriteHeader(byte[] file, int at, uint flags)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), MultibootKernel.HeaderMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at + 4), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at + 8), unchecked(0u - MultibootKernel.HeaderMagic - flags));
    }

    /// <summary>header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr (offsets 12-28).</summary>
    public static void WriteAddressFields(byte[] file, int at, uint headerAddr, uint loadAddr, uint loadEndAddr, uint bssEndAddr, uint entryAddr)
    {
        var span = file.AsSpan(at);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], headerAddr);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], loadAddr);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], loadEndAddr);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], bssEndAddr);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], entryAddr);
    }

    /// <summary>
    /// A flat kernel of <paramref name="length"/> bytes whose header sits at <paramref name="at"/> and whose
    /// first byte loads at <paramref name="loadAddr"/>; every byte of the file holds a pattern so placement shows.
    /// </summary>
    public static byte[] AddressFieldKernel(uint loadAddr = 0x10_0000, int length = 0x2000, int at = 0x40,
        uint loadEndAddr = 0, uint bssEndAddr = 0, uint? entryAddr = null)
    {
        var file = new byte[length];
        for (var i = 0; i < file.Length; i++)
            file[i] = (byte)(i * 7 + 1);
        WriteHeader(file, at, FlagAddressFields | FlagMemoryInfo);
        WriteAddressFields(file, at, loadAddr + (uint)at, loadAddr, loadEndAddr, bssEndAddr, entryAddr ?? loadAddr + 0x100);
        return file;
    }

    /// <summary>An ELF kernel with a Multiboot header (no address fields) placed right after its program headers.</summary>
    public static byte[] ElfKernel(bool is64, ulong entry, IReadOnlyList<ElfSegment> segments, int length = 0x3000)
    {
        var file = ElfFile.Build(is64, entry, segments, length);
        WriteHeader(file, ElfHeaderOffset(is64, segments.Count), FlagMemoryInfo);
        return file;
    }

    public static int ElfHeaderOffset(bool is64, int segmentCount) =>
        (ElfFile.HeaderSize(is64) + segmentCount * ElfFile.PhdrSize(is64) + 3) & ~3;
}
