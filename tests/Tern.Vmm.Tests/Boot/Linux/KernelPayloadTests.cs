using System.Diagnostics;
using Tern.Vmm.Boot.Linux;

namespace Tern.Vmm.Tests.Boot.Linux;

public sealed class KernelPayloadTests
{
    private static readonly byte[] Elf = [.. "\u007fELF"u8, .. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))];

    [Theory]
    [InlineData(new byte[] { 0x1f, 0x8b, 8, 0 }, KernelPayload.Format.Gzip)]
    [InlineData(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }, KernelPayload.Format.Xz)]
    [InlineData(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }, KernelPayload.Format.Zstd)]
    [InlineData(new byte[] { 0x02, 0x21, 0x4c, 0x18 }, KernelPayload.Format.Lz4)]
    [InlineData(new byte[] { 0x42, 0x5a, 0x68, 0x39 }, KernelPayload.Format.Bzip2)]
    [InlineData(new byte[] { 0x5d, 0, 0, 0x80 }, KernelPayload.Format.Lzma)]
    [InlineData(new byte[] { 0x89, 0x4c, 0x5a, 0x4f }, KernelPayload.Format.Lzo)]
    [InlineData(new byte[] { 0x7f, 0x45, 0x4c, 0x46 }, KernelPayload.Format.Elf)]
    [InlineData(new byte[] { 1, 2, 3, 4 }, KernelPayload.Format.Unknown)]
    public void Detect_reads_the_magic(byte[] start, KernelPayload.Format format) => KernelPayload.Detect(start).ShouldBe(format);

    [Fact]
    public void Gzip_payloads_decompress_on_the_host()
    {
        KernelPayload.Decompress(BzImageFile.Gzip(Elf), "k").ShouldBe(Elf);
    }

    [Fact]
    public void Xz_payloads_decompress_through_liblzma()
    {
        if (!File.Exists("/usr/bin/xz"))
            Assert.Skip("needs /usr/bin/xz to make the test payload");
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(input, Elf);
            using var xz = Process.Start(new ProcessStartInfo("/usr/bin/xz", ["--check=crc32", "-c", input]) { RedirectStandardOutput = true })!;
            using var compressed = new MemoryStream();
            xz.StandardOutput.BaseStream.CopyTo(compressed);
            xz.WaitForExit();
            // The kernel build appends the decompressed size (scripts/Makefile.lib, size_append).
            byte[] payload = [.. compressed.ToArray(), .. BitConverter.GetBytes((uint)Elf.Length)];

            KernelPayload.Decompress(payload, "k").ShouldBe(Elf);
        }
        finally
        {
            File.Delete(input);
        }
    }

    [Fact]
    public void A_damaged_gzip_payload_is_one_clear_error()
    {
        var gz = BzImageFile.Gzip(Elf);
        gz[20] ^= 0xff;
        gz[21] ^= 0xff;
        Should.Throw<VmmConfigurationException>(() => KernelPayload.Decompress(gz, "k")).Message.ShouldStartWith("k: ");
    }

    [Fact]
    public void A_damaged_xz_payload_is_one_clear_error()
    {
        byte[] payload = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3, 4, 5, 6, .. BitConverter.GetBytes(100u)];
        Should.Throw<VmmConfigurationException>(() => KernelPayload.Decompress(payload, "k")).Message
            .ShouldStartWith("k: the bzImage's xz payload is damaged (liblzma error");
    }

    [Fact]
    public void Formats_Tern_cannot_decompress_are_named()
    {
        Should.Throw<VmmConfigurationException>(() => KernelPayload.Decompress([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0, 1, 0, 0, 0], "k")).Message
            .ShouldBe("k: the bzImage payload is zstd-compressed; Tern decompresses gzip and xz (or load the ELF vmlinux)");
        Should.Throw<VmmConfigurationException>(() => KernelPayload.Decompress([9, 9, 9, 9, 9, 9, 9, 9], "k")).Message
            .ShouldBe("k: the bzImage payload is in no compression format Tern knows");
    }

    [Fact]
    public void An_absurd_decompressed_size_is_refused()
    {
        byte[] payload = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, .. BitConverter.GetBytes(0xffff_ffffu)];
        Should.Throw<VmmConfigurationException>(() => KernelPayload.Decompress(payload, "k")).Message
            .ShouldBe("k: the bzImage payload claims 4294967295 decompressed bytes");
    }
}
