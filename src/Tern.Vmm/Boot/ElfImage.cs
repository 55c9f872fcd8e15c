using System.Buffers.Binary;

namespace Tern.Vmm.Boot;

/// <summary>
/// The loadable parts of an ELF executable (32- or 64-bit, little-endian x86): entry point and PT_LOAD
/// segments by physical address. Everything read from the file is checked against its length.
/// </summary>
public sealed class ElfImage
{
    private const uint PtLoad = 1;

    public readonly record struct Segment(ulong PhysicalAddress, long FileOffset, ulong FileSize, ulong MemorySize);

    private ElfImage(bool is64Bit, ulong entry, IReadOnlyList<Segment> segments)
    {
        Is64Bit = is64Bit;
        Entry = entry;
        Segments = segments;
    }

    /// <summary>e_machine values: EM_386 and EM_X86_64.</summary>
    public const ushort MachineX86 = 3, MachineX8664 = 62;

    public bool Is64Bit { get; }
    public ulong Entry { get; }
    public IReadOnlyList<Segment> Segments { get; }

    public static bool LooksLikeElf(ReadOnlySpan<byte> file) =>
        file.Length >= 4 && file[0] == 0x7f && file[1] == (byte)'E' && file[2] == (byte)'L' && file[3] == (byte)'F';

    public static ElfImage Parse(ReadOnlySpan<byte> file, string name)
    {
        if (!LooksLikeElf(file) || file.Length < 52)
            throw new VmmConfigurationException($"{name}: not an ELF file");
        var elfClass = file[4];
        if (file[5] != 1)
            throw new VmmConfigurationException($"{name}: ELF is not little-endian");
        var is64 = elfClass switch
        {
            1 => false,
            2 => true,
            _ => throw new VmmConfigurationException($"{name}: unknown ELF class {elfClass}"),
        };
        if (is64 && file.Length < 64)
            throw new VmmConfigurationException($"{name}: truncated ELF header");
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(file[18..]);
        if (machine is not (MachineX86 or MachineX8664))
            throw new VmmConfigurationException($"{name}: ELF machine {machine} is not x86");

        ulong entry, phoff;
        int phentsize, phnum;
        if (is64)
        {
            entry = BinaryPrimitives.ReadUInt64LittleEndian(file[24..]);
            phoff = BinaryPrimitives.ReadUInt64LittleEndian(file[32..]);
            phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[54..]);
            phnum = BinaryPrimitives.ReadUInt16LittleEndian(file[56..]);
        }
        else
        {
            entry = BinaryPrimitives.ReadUInt32LittleEndian(file[24..]);
            phoff = BinaryPrimitives.ReadUInt32LittleEndian(file[28..]);
            phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[42..]);
            phnum = BinaryPrimitives.ReadUInt16LittleEndian(file[44..]);
        }
        var minimumEntry = is64 ? 56 : 32;
        if (phentsize < minimumEntry || phnum == 0 || phoff > (ulong)file.Length
            || (ulong)phentsize * (ulong)phnum > (ulong)file.Length - phoff)
            throw new VmmConfigurationException($"{name}: ELF program headers lie outside the file");

        var segments = new List<Segment>();
        for (var i = 0; i < phnum; i++)
        {
            var ph = file[((int)phoff + i * phentsize)..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PtLoad)
                continue;
            Segment segment = is64
                ? new(BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]), BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]))
                : new(BinaryPrimitives.ReadUInt32LittleEndian(ph[12..]), BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(ph[16..]), BinaryPrimitives.ReadUInt32LittleEndian(ph[20..]));
            if (segment.FileSize > segment.MemorySize || segment.FileOffset < 0 || (ulong)segment.FileOffset > (ulong)file.Length
                || segment.FileSize > (ulong)file.Length - (ulong)segment.FileOffset
                || segment.MemorySize > ulong.MaxValue - segment.PhysicalAddress)
                throw new VmmConfigurationException($"{name}: ELF segment {i} lies outside the file");
            segments.Add(segment);
        }
        if (segments.Count == 0)
            throw new VmmConfigurationException($"{name}: ELF has no loadable segment");
        return new ElfImage(is64, entry, segments);
    }
}
