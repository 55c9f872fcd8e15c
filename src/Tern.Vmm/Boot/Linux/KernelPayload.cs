using System.Buffers.Binary;
using System.IO.Compression;

namespace Tern.Vmm.Boot.Linux;

/// <summary>
/// Decompresses a bzImage's payload on the host, so the guest never runs its own decompressor (which
/// is emulated instruction by instruction on some hosts and takes minutes). The kernel build appends
/// the decompressed size as a 32-bit little-endian number after the compressed stream
/// (scripts/Makefile.lib, size_append), which sizes the output buffer.
/// </summary>
public static class KernelPayload
{
    public const int MaxDecompressedBytes = 512 << 20;

    public enum Format { Unknown, Elf, Gzip, Xz, Zstd, Lz4, Bzip2, Lzma, Lzo }

    public static Format Detect(ReadOnlySpan<byte> payload) => payload switch
    {
        [0x7f, (byte)'E', (byte)'L', (byte)'F', ..] => Format.Elf,
        [0x1f, 0x8b, ..] => Format.Gzip,
        [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, ..] => Format.Xz,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Format.Zstd,
        [0x02, 0x21, 0x4c, 0x18, ..] => Format.Lz4,
        [(byte)'B', (byte)'Z', (byte)'h', ..] => Format.Bzip2,
        [0x5d, 0x00, 0x00, ..] => Format.Lzma,
        [0x89, 0x4c, 0x5a, 0x4f, ..] => Format.Lzo,
        _ => Format.Unknown,
    };

    /// <summary>The ELF vmlinux inside <paramref name="payload"/>.</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> payload, string name)
    {
        var format = Detect(payload);
        if (format == Format.Elf)
            return payload.ToArray();
        if (format is not (Format.Gzip or Format.Xz))
            throw new VmmConfigurationException(format == Format.Unknown
                ? $"{name}: the bzImage payload is in no compression format Tern knows"
                : $"{name}: the bzImage payload is {format.ToString().ToLowerInvariant()}-compressed; Tern decompresses gzip and xz (or load the ELF vmlinux)");
        if (payload.Length < 8)
            throw new VmmConfigurationException($"{name}: truncated bzImage payload");
        var size = BinaryPrimitives.ReadUInt32LittleEndian(payload[^4..]);
        if (size == 0 || size > MaxDecompressedBytes)
            throw new VmmConfigurationException($"{name}: the bzImage payload claims {size} decompressed bytes");
        var output = new byte[size];
        var written = format == Format.Gzip ? Gunzip(payload, output, name) : Unxz(payload[..^4], output, name);
        if (written != size)
            throw new VmmConfigurationException($"{name}: the bzImage payload decompressed to {written} bytes, not the {size} it claims");
        return output;
    }

    private static int Gunzip(ReadOnlySpan<byte> payload, byte[] output, string name)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(payload.ToArray(), writable: false), CompressionMode.Decompress);
            var total = 0;
            int read;
            while (total < output.Length && (read = gzip.Read(output, total, output.Length - total)) > 0)
                total += read;
            return total;
        }
        catch (InvalidDataException ex)
        {
            throw new VmmConfigurationException($"{name}: the bzImage's gzip payload is damaged ({ex.Message})", ex);
        }
    }

    private static int Unxz(ReadOnlySpan<byte> stream, byte[] output, string name)
    {
        int status, written;
        try
        {
            status = LibLzma.StreamBufferDecode(stream, output, out written);
        }
        catch (DllNotFoundException ex)
        {
            throw new VmmConfigurationException($"{name}: an xz-compressed bzImage needs liblzma.so.5 (apt-get install liblzma5)", ex);
        }
        return status == LibLzma.LZMA_OK
            ? written
            : throw new VmmConfigurationException($"{name}: the bzImage's xz payload is damaged (liblzma error {status})");
    }
}
