using System.Buffers.Binary;
using Tern.Vmm.Boot;

namespace Tern.Vmm.Tests.Boot;

public class MultibootKernelTests
{
    [Fact]
    public void The_magic_values_are_those_of_the_specification()
    {
        MultibootKernel.HeaderMagic.ShouldBe(0x1BADB002u);
        MultibootKernel.BootloaderMagic.ShouldBe(0x2BADB002u);
    }

    [Fact]
    public void A_header_at_a_4_byte_aligned_offset_is_found()
    {
        var file = new byte[0x1000];
        MultibootFile.WriteHeader(file, 0x124, MultibootFile.FlagMemoryInfo);
        MultibootKernel.TryFindHeader(file, out var offset).ShouldBeTrue();
        offset.ShouldBe(0x124);
    }

    [Fact]
    public void A_header_that_is_not_4_byte_aligned_is_not_found()
    {
        var file = new byte[0x1000];
        MultibootFile.WriteHeader(file, 0x122, MultibootFile.FlagMemoryInfo);
        MultibootKernel.TryFindHeader(file, out var offset).ShouldBeFalse();
        offset.ShouldBe(-1);
    }

    [Fact]
    public void A_header_whose_checksum_does_not_sum_to_zero_is_not_found()
    {
        var file = new byte[0x1000];
        MultibootFile.WriteHeader(file, 0x20, MultibootFile.FlagMemoryInfo);
        file[0x28] ^= 1;
        MultibootKernel.TryFindHeader(file, out _).ShouldBeFalse();
    }

    [Fact]
    public void A_header_ending_exactly_at_byte_8192_is_found()
    {
        var file = new byte[0x4000];
        MultibootFile.WriteHeader(file, 8192 - 12, MultibootFile.FlagMemoryInfo);
        MultibootKernel.TryFindHeader(file, out var offset).ShouldBeTrue();
        offset.ShouldBe(8180);
    }

    [Theory]
    [InlineData(8184)] // starts inside the first 8192 bytes but ends outside them
    [InlineData(8192)]
    public void A_header_not_wholly_inside_the_first_8192_bytes_is_not_found(int at)
    {
        var file = new byte[0x4000];
        MultibootFile.WriteHeader(file, at, MultibootFile.FlagMemoryInfo);
        MultibootKernel.TryFindHeader(file, out _).ShouldBeFalse();
    }

    [Fact]
    public void A_file_shorter_than_a_header_has_none() =>
        MultibootKernel.TryFindHeader(new byte[11], out _).ShouldBeFalse();

    [Fact]
    public void Parsing_a_file_without_a_header_says_it_is_not_multiboot()
    {
        var error = ParseError(new byte[0x3000]);
        error.ShouldBe("kernel.bin: no Multiboot header in its first 8192 bytes (not a Multiboot kernel)");
    }

    [Theory]
    [InlineData(1u << 3)]
    [InlineData(1u << 15)]
    public void A_header_requiring_an_unknown_feature_is_refused(uint unknownFlag)
    {
        var file = MultibootFile.AddressFieldKernel();
        MultibootFile.WriteHeader(file, 0x40, MultibootFile.FlagAddressFields | unknownFlag);
        ParseError(file).ShouldContain($"requires features 0x{unknownFlag:x} that Tern does not provide");
    }

    [Fact]
    public void Required_flags_tern_understands_are_accepted()
    {
        var file = MultibootFile.AddressFieldKernel();
        var flags = MultibootFile.FlagAddressFields | MultibootFile.FlagPageAlign | MultibootFile.FlagMemoryInfo | MultibootFile.FlagVideoMode;
        MultibootFile.WriteHeader(file, 0x40, flags);
        MultibootKernel.Parse(file, "k").Flags.ShouldBe(flags);
    }

    [Fact]
    public void Unknown_optional_flags_in_the_upper_half_are_ignored()
    {
        var file = MultibootFile.AddressFieldKernel();
        MultibootFile.WriteHeader(file, 0x40, MultibootFile.FlagAddressFields | (1u << 20));
        Should.NotThrow(() => MultibootKernel.Parse(file, "k"));
    }

    [Fact]
    public void Address_fields_give_one_chunk_loading_the_file_from_the_load_address()
    {
        // Header 0x40 bytes into the file at 0x100040, so the file's first byte loads at 0x100000.
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000, at: 0x40,
            loadEndAddr: 0x10_1800, bssEndAddr: 0x10_3000, entryAddr: 0x10_0080);

        var kernel = MultibootKernel.Parse(file, "k");

        kernel.Entry.ShouldBe(0x10_0080UL);
        kernel.Chunks.ShouldBe([new MultibootKernel.Chunk(0x10_0000, 0, 0x1800, 0x3000)]);
        kernel.End.ShouldBe(0x10_3000UL);
    }

    [Fact]
    public void A_load_address_below_the_header_address_starts_loading_that_far_before_the_header()
    {
        // header_addr - load_addr = 0x20, so loading starts 0x20 bytes before the header, at file offset 0x80.
        var file = new byte[0x2000];
        MultibootFile.WriteHeader(file, 0xa0, MultibootFile.FlagAddressFields);
        MultibootFile.WriteAddressFields(file, 0xa0, headerAddr: 0x20_0020, loadAddr: 0x20_0000, loadEndAddr: 0x20_0100, bssEndAddr: 0, entryAddr: 0x20_0000);

        MultibootKernel.Parse(file, "k").Chunks.Single().ShouldBe(new MultibootKernel.Chunk(0x20_0000, 0x80, 0x100, 0x100));
    }

    [Fact]
    public void A_zero_load_end_address_loads_to_the_end_of_the_file()
    {
        var file = MultibootFile.AddressFieldKernel(length: 0x2000, at: 0x40, loadEndAddr: 0);
        MultibootKernel.Parse(file, "k").Chunks.Single().FileSize.ShouldBe(0x2000UL);
    }

    [Fact]
    public void A_zero_bss_end_address_means_no_bss()
    {
        var file = MultibootFile.AddressFieldKernel(length: 0x2000, bssEndAddr: 0);
        var chunk = MultibootKernel.Parse(file, "k").Chunks.Single();
        chunk.MemorySize.ShouldBe(chunk.FileSize);
    }

    [Fact]
    public void A_load_address_above_the_header_address_is_inconsistent()
    {
        var file = MultibootFile.AddressFieldKernel();
        MultibootFile.WriteAddressFields(file, 0x40, headerAddr: 0x10_0000, loadAddr: 0x10_0040, loadEndAddr: 0, bssEndAddr: 0, entryAddr: 0x10_0100);
        ParseError(file).ShouldContain("load address 0x100040 is inconsistent with header address 0x100000");
    }

    [Fact]
    public void A_load_address_before_the_start_of_the_file_is_inconsistent()
    {
        // The header is 0x40 bytes into the file, but the fields put it 0x80 bytes after the load address.
        var file = MultibootFile.AddressFieldKernel();
        MultibootFile.WriteAddressFields(file, 0x40, headerAddr: 0x10_0080, loadAddr: 0x10_0000, loadEndAddr: 0, bssEndAddr: 0, entryAddr: 0x10_0100);
        ParseError(file).ShouldContain("is inconsistent with header address");
    }

    [Fact]
    public void A_load_end_address_past_the_end_of_the_file_is_refused()
    {
        var file = MultibootFile.AddressFieldKernel(length: 0x2000, loadEndAddr: 0x10_2001);
        ParseError(file).ShouldContain("load range runs past the end of the file");
    }

    [Fact]
    public void A_load_end_address_below_the_load_address_is_refused()
    {
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, loadEndAddr: 0xf_0000);
        ParseError(file).ShouldContain("load range runs past the end of the file");
    }

    [Fact]
    public void An_entry_below_the_load_address_is_refused()
    {
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, entryAddr: 0xf_fffc);
        ParseError(file).ShouldContain("Multiboot entry 0xffffc is outside the loaded image");
    }

    [Fact]
    public void An_entry_at_the_first_byte_after_the_image_is_refused()
    {
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000, bssEndAddr: 0x10_3000, entryAddr: 0x10_3000);
        ParseError(file).ShouldContain("outside the loaded image");
    }

    [Fact]
    public void An_entry_in_the_last_byte_of_the_bss_is_inside_the_image()
    {
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000, bssEndAddr: 0x10_3000, entryAddr: 0x10_2fff);
        MultibootKernel.Parse(file, "k").Entry.ShouldBe(0x10_2fffUL);
    }

    [Fact]
    public void A_header_with_address_fields_cut_off_by_the_end_of_the_file_is_truncated()
    {
        var file = new byte[24];
        MultibootFile.WriteHeader(file, 0, MultibootFile.FlagAddressFields);
        ParseError(file).ShouldBe("kernel.bin: Multiboot header is truncated");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Without_address_fields_an_elf_kernel_loads_its_pt_load_segments(bool is64)
    {
        ElfSegment[] segments = [new(0x10_0000, 0x1000, 0x800, 0x800), new(0x20_0000, 0x2000, 0x100, 0x3000)];
        var kernel = MultibootKernel.Parse(MultibootFile.ElfKernel(is64, 0x10_000c, segments), "k");

        kernel.Entry.ShouldBe(0x10_000cUL);
        kernel.Chunks.ShouldBe([
            new MultibootKernel.Chunk(0x10_0000, 0x1000, 0x800, 0x800),
            new MultibootKernel.Chunk(0x20_0000, 0x2000, 0x100, 0x3000),
        ]);
        kernel.End.ShouldBe(0x20_3000UL);
    }

    [Fact]
    public void Without_address_fields_a_file_that_is_not_elf_is_refused()
    {
        var file = new byte[0x1000];
        MultibootFile.WriteHeader(file, 0x40, MultibootFile.FlagMemoryInfo);
        ParseError(file).ShouldBe("kernel.bin: Multiboot header has no address fields and the file is not ELF");
    }

    [Fact]
    public void Address_fields_win_over_the_elf_headers_of_an_elf_file()
    {
        var file = MultibootFile.ElfKernel(false, 0x10_000c, [new ElfSegment(0x10_0000, 0x1000, 0x800, 0x800)]);
        var at = MultibootFile.ElfHeaderOffset(false, 1);
        MultibootFile.WriteHeader(file, at, MultibootFile.FlagAddressFields);
        MultibootFile.WriteAddressFields(file, at, headerAddr: 0x30_0000 + (uint)at, loadAddr: 0x30_0000, loadEndAddr: 0, bssEndAddr: 0, entryAddr: 0x30_1000);

        var kernel = MultibootKernel.Parse(file, "k");
        kernel.Chunks.Single().Address.ShouldBe(0x30_0000UL);
        kernel.Entry.ShouldBe(0x30_1000UL);
    }

    [Fact]
    public void An_elf_entry_point_above_4_GiB_is_refused_because_multiboot_enters_in_32_bit_mode()
    {
        var file = MultibootFile.ElfKernel(true, 0x1_0000_0000, [new ElfSegment(0x10_0000, 0x1000, 0x800, 0x800)]);
        ParseError(file).ShouldContain("entry point 0x100000000 is above 4 GiB");
    }

    [Fact]
    public void Elf_errors_are_reported_for_a_multiboot_elf_kernel()
    {
        var file = MultibootFile.ElfKernel(false, 0x10_0000, [new ElfSegment(0x10_0000, 0x1000, 0x800, 0x800)]);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), 40);
        ParseError(file).ShouldContain("is not x86");
    }

    private static string ParseError(byte[] file) =>
        Should.Throw<VmmConfigurationException>(() => MultibootKernel.Parse(file, "kernel.bin")).Message;
}
