using System.Buffers.Binary;

namespace Tern.Vmm.Tests.Boot;

/// <summary>A program header to put in a hand-built ELF file.</summary>
internal sealed record ElfSegment(ulong PhysicalAddress, ulong FileOffset, ulong FileSize, ulong MemorySize, uint Type = ElfFile.PtLoad)
{
    /// <summary>The virtual address is deliberately different, so tests show that loading uses the physical one.</summary>
    public ulong VirtualAddress => PhysicalAddress + 0xc000_0000;
}

/// <summary>
/// Builds little-endian x86 ELF files byte by byte (System V gABI, "ELF header" and "Program header"):
/// the header, then the program headers right after it, then zeros up to the requested length.
/// </summary>
internal static class ElfFile
{
    public const uint PtLoad = 1, PtNote = 4;
    public const ushort Em386 = 3, EmX8664 = 62;

    public const int Header32Size = 52, Header64Size = 64, Phdr32Size = 32, Phdr64Size = 56;

    // Header field offsets that differ between the classes.
    public static int PhoffOffset(bool is64) => is64 ? 32 : 28;
    public static int PhentsizeOffset(bool is64) => is64 ? 54 : 42;
    public static int PhnumOffset(bool is64) => is64 ? 56 : 44;
    public static int HeaderSize(bool is64) => is64 ? Header64Size : Header32Size;
    public static int PhdrSize(bool is64) => is64 ? Phdr64Size : Phdr32Size;

    public static byte[] Build(bool is64, ulong entry, IReadOnlyList<ElfSegment> segments, int length = 0)
    {
        var headerSize = HeaderSize(is64);
        var phdrSize = PhdrSize(is64);
        var file = new byte[Math.Max(length, headerSize + segments.Count * phdrSize)];
        var span = file.AsSpan();

        span[0] = 0x7f;
        span[1] = (byte)'E';
        span[2] = (byte)'L';
        span[3] = (byte)'F';
        span[4] = (byte)(is64 ? 2 : 1); // EI_CLASS
        span[5] = 1;                    // EI_DATA: little-endian
        span[6] = 1;                    // EI_VERSION
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], is64 ? EmX8664 : Em386);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        if (is64)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[24..], entry);
            BinaryPrimitives.WriteUInt64LittleEndian(span[32..], (ulong)headerSize);
            BinaryPrimitives.WriteUInt16LittleEndian(span[52..], (ushort)headerSize);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[24..], checked((uint)entry));
            BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)headerSize);
            BinaryPrimitives.WriteUInt16LittleEndian(span[40..], (ushort)headerSize);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(span[PhentsizeOffset(is64)..], (ushort)phdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[PhnumOffset(is64)..], (ushort)segments.Count);

        for (var i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            var ph = span[(headerSize + i * phdrSize)..];
            BinaryPrimitives.WriteUInt32LittleEndian(ph, s.Type);
            if (is64)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5); // PF_R | PF_X
                BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], s.FileOffset);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], s.VirtualAddress);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], s.PhysicalAddress);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], s.FileSize);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], s.MemorySize);
                BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], checked((uint)s.FileOffset));
                BinaryPrimitives.WriteUInt32LittleEndian(ph[8..], unchecked((uint)s.VirtualAddress));
                BinaryPrimitives.WriteUInt32LittleEndian(ph[12..], checked((uint)s.PhysicalAddress));
                BinaryPrimitives.WriteUInt32LittleEndian(ph[16..], checked((uint)s.FileSize));
                BinaryPrimitives.WriteUInt32LittleEndian(ph[20..], checked((uint)s.MemorySize));
                BinaryPrimitives.WriteUInt32LittleEndian(ph[24..], 5);
                BinaryPrimitives.WriteUInt32LittleEndian(ph[28..], 0x1000);
            }
        }
        return file;
    }
}
