using System.Buffers.Binary;

namespace Tern.Vmm.Boot.Linux;

/// <summary>
/// A Linux bzImage: the real-mode setup sectors with their setup header (boot.rst, "The Real-Mode
/// Kernel Header"), then the protected-mode part, whose compressed payload (protocol 2.08 and later:
/// <c>payload_offset</c>/<c>payload_length</c>) is the ELF vmlinux. Every field is checked against the
/// file, so a truncated or foreign file fails with one clear message.
/// </summary>
public sealed class BzImage
{
    public const int SetupSectsOffset = 0x1f1;
    public const int JumpOffset = 0x200;
    public const int PayloadOffsetOffset = 0x248;
    public const int PayloadLengthOffset = 0x24c;
    /// <summary>The last field of the 2.15 setup header (kernel_info_offset) ends here; older kernels stop sooner.</summary>
    private const int MinimumHeaderEnd = 0x250;

    private BzImage(ushort version, byte[] setupHeader, uint initrdAddrMax, int payloadStart, int payloadLength)
    {
        Version = version;
        SetupHeader = setupHeader;
        InitrdAddrMax = initrdAddrMax;
        PayloadStart = payloadStart;
        PayloadLength = payloadLength;
    }

    public ushort Version { get; }

    /// <summary>The header bytes from 0x1f1 to its end (0x202 + the byte at 0x201), to be copied into the zero page.</summary>
    public byte[] SetupHeader { get; }

    public uint InitrdAddrMax { get; }
    public int PayloadStart { get; }
    public int PayloadLength { get; }

    public static bool LooksLikeBzImage(ReadOnlySpan<byte> file) =>
        file.Length >= BootParams.HeaderMagicOffset + 4
        && BinaryPrimitives.ReadUInt32LittleEndian(file[BootParams.HeaderMagicOffset..]) == BootParams.HeaderMagic;

    public static BzImage Parse(ReadOnlySpan<byte> file, string name)
    {
        if (!LooksLikeBzImage(file))
            throw new VmmConfigurationException($"{name}: not a Linux bzImage (no \"HdrS\" setup header)");
        if (file.Length < MinimumHeaderEnd)
            throw new VmmConfigurationException($"{name}: truncated bzImage ({file.Length} bytes, the setup header alone is {MinimumHeaderEnd})");
        if (BinaryPrimitives.ReadUInt16LittleEndian(file[BootParams.BootFlagOffset..]) != BootParams.BootFlag)
            throw new VmmConfigurationException($"{name}: bzImage boot flag is not 0xaa55");
        var version = BinaryPrimitives.ReadUInt16LittleEndian(file[BootParams.VersionOffset..]);
        if (version < 0x0208)
            throw new VmmConfigurationException(
                $"{name}: boot protocol {version >> 8}.{version & 0xff:d2} is too old (Tern needs 2.08 or later for the payload fields)");
        var loadflags = file[BootParams.LoadflagsOffset];
        if ((loadflags & BootParams.LoadedHigh) == 0)
            throw new VmmConfigurationException($"{name}: a zImage (loaded low) is not supported, only bzImage");

        var headerEnd = Math.Max(JumpOffset + 2 + file[JumpOffset + 1], MinimumHeaderEnd);
        var setupSects = file[SetupSectsOffset] == 0 ? 4 : file[SetupSectsOffset];
        var protectedModeStart = (long)(setupSects + 1) * 512;
        var payloadOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[PayloadOffsetOffset..]);
        var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(file[PayloadLengthOffset..]);
        var payloadStart = protectedModeStart + payloadOffset;
        if (headerEnd > file.Length || payloadLength == 0 || payloadStart + payloadLength > file.Length)
            throw new VmmConfigurationException(
                $"{name}: truncated bzImage (payload at {payloadStart} of {payloadLength} bytes, file is {file.Length} bytes)");
        return new BzImage(version, file[SetupHeaderOffsetRange(headerEnd)].ToArray(),
            BinaryPrimitives.ReadUInt32LittleEndian(file[BootParams.InitrdAddrMaxOffset..]), (int)payloadStart, (int)payloadLength);
    }

    private static Range SetupHeaderOffsetRange(int headerEnd) => BootParams.SetupHeaderOffset..headerEnd;
}
