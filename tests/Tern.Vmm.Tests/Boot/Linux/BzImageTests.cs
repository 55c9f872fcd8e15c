using System.Buffers.Binary;
using Tern.Vmm.Boot.Linux;

namespace Tern.Vmm.Tests.Boot.Linux;

public sealed class BzImageTests
{
    private static readonly byte[] Payload = [0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8];

    [Fact]
    public void Parse_finds_the_payload_after_the_setup_sectors()
    {
        var image = BzImage.Parse(BzImageFile.Build(Payload, setupSects: 7), "bzImage");

        image.PayloadStart.ShouldBe(8 * 512 + BzImageFile.PayloadOffsetInProtectedMode);
        image.PayloadLength.ShouldBe(Payload.Length);
        image.Version.ShouldBe((ushort)0x020f);
    }

    [Fact]
    public void Zero_setup_sects_means_four()
    {
        BzImage.Parse(BzImageFile.Build(Payload, setupSects: 0), "bzImage").PayloadStart
            .ShouldBe(5 * 512 + BzImageFile.PayloadOffsetInProtectedMode);
    }

    [Fact]
    public void The_setup_header_runs_from_0x1f1_to_the_end_the_jump_names()
    {
        var file = BzImageFile.Build(Payload, initrdAddrMax: 0x37ff_ffff);
        var image = BzImage.Parse(file, "bzImage");

        image.SetupHeader.Length.ShouldBe(0x26c - 0x1f1);
        image.SetupHeader.ShouldBe(file[0x1f1..0x26c]);
        image.InitrdAddrMax.ShouldBe(0x37ff_ffffu);
    }

    [Fact]
    public void A_file_without_HdrS_is_not_a_bzImage()
    {
        var file = BzImageFile.Build(Payload);
        file[0x202] = (byte)'X';
        BzImage.LooksLikeBzImage(file).ShouldBeFalse();
        Should.Throw<VmmConfigurationException>(() => BzImage.Parse(file, "k")).Message
            .ShouldBe("k: not a Linux bzImage (no \"HdrS\" setup header)");
    }

    [Fact]
    public void A_truncated_payload_is_refused()
    {
        var file = BzImageFile.Build(Payload);
        Should.Throw<VmmConfigurationException>(() => BzImage.Parse(file[..^3], "k")).Message
            .ShouldStartWith("k: truncated bzImage (payload at");
    }

    [Fact]
    public void A_file_cut_inside_the_header_is_refused()
    {
        var file = BzImageFile.Build(Payload)[..0x220];
        Should.Throw<VmmConfigurationException>(() => BzImage.Parse(file, "k")).Message.ShouldStartWith("k: truncated bzImage");
    }

    [Fact]
    public void A_protocol_older_than_2_08_is_refused()
    {
        Should.Throw<VmmConfigurationException>(() => BzImage.Parse(BzImageFile.Build(Payload, version: 0x0204), "k")).Message
            .ShouldBe("k: boot protocol 2.04 is too old (Tern needs 2.08 or later for the payload fields)");
    }

    [Fact]
    public void A_bad_boot_flag_is_refused()
    {
        var file = BzImageFile.Build(Payload);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(0x1fe), 0);
        Should.Throw<VmmConfigurationException>(() => BzImage.Parse(file, "k")).Message.ShouldBe("k: bzImage boot flag is not 0xaa55");
    }

    [Fact]
    public void A_zImage_is_refused()
    {
        Should.Throw<VmmConfigurationException>(() => BzImage.Parse(BzImageFile.Build(Payload, loadflags: 0), "k")).Message
            .ShouldBe("k: a zImage (loaded low) is not supported, only bzImage");
    }
}
