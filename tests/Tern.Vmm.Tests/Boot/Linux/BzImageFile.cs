using System.Buffers.Binary;
using System.IO.Compression;

namespace Tern.Vmm.Tests.Boot.Linux;

/// <summary>Builds bzImage files byte by byte (boot.rst, "The Real-Mode Kernel Header"): setup sectors with the header, then the payload.</summary>
internal static class BzImageFile
{
    public const int PayloadOffsetInProtectedMode = 0x100;

    public static byte[] Build(byte[] payload, ushort version = 0x020f, byte setupSects = 4, uint initrdAddrMax = 0x7fff_ffff,
        uint cmdlineSize = 2047, byte loadflags = 0x01)
    {
        var protectedModeStart = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        var file = new byte[protectedModeStart + PayloadOffsetInProtectedMode + payload.Length];
        var s = file.AsSpan();
        s[0x1f1] = setupSects;
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x1fe..], 0xaa55);
        s[0x200] = 0xeb;
        s[0x201] = 0x6a; // jump over the header: it ends at 0x26c
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x202..], 0x5372_6448);
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x206..], version);
        s[0x211] = loadflags;
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x22c..], initrdAddrMax);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x238..], cmdlineSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x248..], PayloadOffsetInProtectedMode);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x24c..], (uint)payload.Length);
        payload.CopyTo(file, protectedModeStart + PayloadOffsetInProtectedMode);
        return file;
    }

    /// <summary>gzip, as the kernel build makes it (its ISIZE trailer doubles as the appended size).</summary>
    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }
}
