using System.Buffers.Binary;

namespace Tern.Vmm.Boot;

/// <summary>
/// A kernel with a Multiboot (version 1) header (Multiboot Specification 0.6.96, section 3.1): where its
/// bytes go in guest memory and where it starts. The header must sit 4-byte aligned in the first
/// 8192 bytes; with flag 16 its address fields say how to load the file, otherwise it is an ELF.
/// </summary>
public sealed class MultibootKernel
{
    public const uint HeaderMagic = 0x1BAD_B002;
    public const uint BootloaderMagic = 0x2BAD_B002;
    private const uint FlagPageAlignModules = 1 << 0, FlagMemoryInfo = 1 << 1, FlagVideoMode = 1 << 2, FlagAddressFields = 1 << 16;
    private const uint UnderstoodRequiredFlags = FlagPageAlignModules | FlagMemoryInfo | FlagVideoMode;
    private const int SearchLimit = 8192;

    public readonly record struct Chunk(ulong Address, long FileOffset, ulong FileSize, ulong MemorySize);

    private MultibootKernel(uint flags, ulong entry, IReadOnlyList<Chunk> chunks)
    {
        Flags = flags;
        Entry = entry;
        Chunks = chunks;
    }

    public uint Flags { get; }
    public ulong Entry { get; }
    public IReadOnlyList<Chunk> Chunks { get; }

    /// <summary>First byte after everything loaded, BSS included: boot information goes above it.</summary>
    public ulong End => Chunks.Max(c => c.Address + c.MemorySize);

    public static bool TryFindHeader(ReadOnlySpan<byte> file, out int offset)
    {
        var limit = Math.Min(file.Length, SearchLimit) - 12;
        for (offset = 0; offset <= limit; offset += 4)
        {
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(file[offset..]);
            var flags = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 4)..]);
            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 8)..]);
            if (magic == HeaderMagic && unchecked(magic + flags + checksum) == 0)
                return true;
        }
        offset = -1;
        return false;
    }

    public static MultibootKernel Parse(ReadOnlySpan<byte> file, string name)
    {
        if (!TryFindHeader(file, out var at))
            throw new VmmConfigurationException($"{name}: no Multiboot header in its first {SearchLimit} bytes (not a Multiboot kernel)");
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 4)..]);
        var unknownRequired = flags & 0xffff & ~UnderstoodRequiredFlags;
        if (unknownRequired != 0)
            throw new VmmConfigurationException($"{name}: Multiboot header requires features 0x{unknownRequired:x} that Tern does not provide");

        if ((flags & FlagAddressFields) != 0)
            return FromAddressFields(file, at, flags, name);
        if (!ElfImage.LooksLikeElf(file))
            throw new VmmConfigurationException($"{name}: Multiboot header has no address fields and the file is not ELF");
        var elf = ElfImage.Parse(file, name);
        if (elf.Entry >= 1UL << 32)
            throw new VmmConfigurationException($"{name}: entry point 0x{elf.Entry:x} is above 4 GiB; Multiboot enters in 32-bit mode");
        var chunks = elf.Segments.Select(s => new Chunk(s.PhysicalAddress, s.FileOffset, s.FileSize, s.MemorySize)).ToList();
        return new MultibootKernel(flags, elf.Entry, chunks);
    }

    private static MultibootKernel FromAddressFields(ReadOnlySpan<byte> file, int at, uint flags, string name)
    {
        if (at + 32 > file.Length)
            throw new VmmConfigurationException($"{name}: Multiboot header is truncated");
        var headerAddr = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 12)..]);
        var loadAddr = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 16)..]);
        var loadEndAddr = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 20)..]);
        var bssEndAddr = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 24)..]);
        var entryAddr = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 28)..]);
        if (loadAddr > headerAddr || headerAddr - loadAddr > (uint)at)
            throw new VmmConfigurationException($"{name}: Multiboot load address 0x{loadAddr:x} is inconsistent with header address 0x{headerAddr:x}");
        var fileOffset = at - (long)(headerAddr - loadAddr);
        var fileSize = loadEndAddr == 0 ? (ulong)(file.Length - fileOffset) : loadEndAddr - (ulong)loadAddr;
        if (loadEndAddr != 0 && loadEndAddr < loadAddr || (ulong)fileOffset + fileSize > (ulong)file.Length)
            throw new VmmConfigurationException($"{name}: Multiboot load range runs past the end of the file");
        var memorySize = bssEndAddr == 0 ? fileSize : Math.Max(fileSize, bssEndAddr - (ulong)loadAddr);
        if (entryAddr < loadAddr || entryAddr >= loadAddr + memorySize)
            throw new VmmConfigurationException($"{name}: Multiboot entry 0x{entryAddr:x} is outside the loaded image");
        return new MultibootKernel(flags, entryAddr, [new Chunk(loadAddr, fileOffset, fileSize, memorySize)]);
    }
}
