using System.Buffers.Binary;

namespace Tern.Vmm.Boot.Linux;

/// <summary>
/// The Linux zero page, <c>struct boot_params</c> (arch/x86/include/uapi/asm/bootparam.h; field
/// offsets as listed in Documentation/x86/zero-page.rst and boot.rst). One 4 KiB page, built here and
/// copied into guest memory; the kernel reads it through RSI at its 64-bit entry.
/// </summary>
public sealed class BootParams
{
    public const int Size = 4096;

    public const int AcpiRsdpAddrOffset = 0x070;
    public const int ExtRamdiskImageOffset = 0x0c0;
    public const int ExtRamdiskSizeOffset = 0x0c4;
    public const int ExtCmdLinePtrOffset = 0x0c8;
    public const int E820EntriesOffset = 0x1e8;
    public const int SetupHeaderOffset = 0x1f1;
    public const int BootFlagOffset = 0x1fe;
    public const int HeaderMagicOffset = 0x202;
    public const int VersionOffset = 0x206;
    public const int TypeOfLoaderOffset = 0x210;
    public const int LoadflagsOffset = 0x211;
    public const int RamdiskImageOffset = 0x218;
    public const int RamdiskSizeOffset = 0x21c;
    public const int HeapEndPtrOffset = 0x224;
    public const int CmdLinePtrOffset = 0x228;
    public const int InitrdAddrMaxOffset = 0x22c;
    public const int KernelAlignmentOffset = 0x230;
    public const int CmdlineSizeOffset = 0x238;
    public const int E820TableOffset = 0x2d0;
    public const int E820EntrySize = 20;
    public const int E820MaxEntries = 128;

    public const ushort BootFlag = 0xaa55;
    public const uint HeaderMagic = 0x5372_6448; // "HdrS"
    /// <summary>Boot protocol 2.15, what Linux 6.1 speaks; used when the kernel is an ELF without a setup header.</summary>
    public const ushort ProtocolVersion = 0x020f;
    /// <summary>"Undefined" boot loader: 0xff, as Firecracker and other loaders without an assigned id use.</summary>
    public const byte UndefinedLoader = 0xff;
    public const byte LoadedHigh = 0x01, CanUseHeap = 0x80;

    private readonly byte[] _page = new byte[Size];

    /// <summary>A zero page with the setup header a bzImage carries (or a minimal one for an ELF vmlinux).</summary>
    public BootParams(ReadOnlySpan<byte> setupHeader = default)
    {
        if (setupHeader.Length > 0)
            setupHeader[..Math.Min(setupHeader.Length, Size - SetupHeaderOffset)].CopyTo(_page.AsSpan(SetupHeaderOffset));
        else
        {
            WriteU16(BootFlagOffset, BootFlag);
            WriteU32(HeaderMagicOffset, HeaderMagic);
            WriteU16(VersionOffset, ProtocolVersion);
            WriteU32(KernelAlignmentOffset, 0x20_0000);
        }
        _page[TypeOfLoaderOffset] = UndefinedLoader;
        _page[LoadflagsOffset] |= LoadedHigh;
    }

    public ReadOnlySpan<byte> Bytes => _page;

    public void SetCommandLine(ulong address, int length)
    {
        WriteU32(CmdLinePtrOffset, (uint)address);
        WriteU32(ExtCmdLinePtrOffset, (uint)(address >> 32));
        if (ReadU16(VersionOffset) >= 0x0206)
            WriteU32(CmdlineSizeOffset, Math.Max(ReadU32(CmdlineSizeOffset), (uint)length));
    }

    public void SetRamdisk(ulong address, ulong size)
    {
        WriteU32(RamdiskImageOffset, (uint)address);
        WriteU32(ExtRamdiskImageOffset, (uint)(address >> 32));
        WriteU32(RamdiskSizeOffset, (uint)size);
        WriteU32(ExtRamdiskSizeOffset, (uint)(size >> 32));
    }

    public void SetAcpiRsdp(ulong address) =>
        BinaryPrimitives.WriteUInt64LittleEndian(_page.AsSpan(AcpiRsdpAddrOffset), address);

    /// <summary>The e820 table: <c>struct boot_e820_entry { u64 addr; u64 size; u32 type; }</c>, packed.</summary>
    public void SetMemoryMap(IReadOnlyList<MemoryMapEntry> map)
    {
        if (map.Count > E820MaxEntries)
            throw new ArgumentException($"{map.Count} e820 entries, at most {E820MaxEntries} fit", nameof(map));
        _page[E820EntriesOffset] = (byte)map.Count;
        for (var i = 0; i < map.Count; i++)
        {
            var entry = _page.AsSpan(E820TableOffset + i * E820EntrySize, E820EntrySize);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, map[i].Base);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], map[i].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], (uint)map[i].Type);
        }
    }

    private ushort ReadU16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(_page.AsSpan(offset));
    private uint ReadU32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_page.AsSpan(offset));
    private void WriteU16(int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_page.AsSpan(offset), value);
    private void WriteU32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_page.AsSpan(offset), value);
}
