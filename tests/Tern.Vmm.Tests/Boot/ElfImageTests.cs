using System.Buffers.Binary;
using Tern.Vmm.Boot;

namespace Tern.Vmm.Tests.Boot;

public class ElfImageTests
{
    private static readonly ElfSegment Text = new(0x10_0000, 0x1000, 0x800, 0x800);
    private static readonly ElfSegment Data = new(0x20_0000, 0x1800, 0x100, 0x4000);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parses_the_entry_point_and_class(bool is64)
    {
        var elf = ElfImage.Parse(ElfFile.Build(is64, 0x10_0040, [Text], 0x2000), "k");
        elf.Entry.ShouldBe(0x10_0040UL);
        elf.Is64Bit.ShouldBe(is64);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loadable_segments_are_placed_by_physical_address_with_offset_and_sizes(bool is64)
    {
        var elf = ElfImage.Parse(ElfFile.Build(is64, 0x10_0000, [Text, Data], 0x2000), "k");
        elf.Segments.ShouldBe([
            new ElfImage.Segment(0x10_0000, 0x1000, 0x800, 0x800),
            new ElfImage.Segment(0x20_0000, 0x1800, 0x100, 0x4000),
        ]);
    }

    [Fact]
    public void Segments_that_are_not_PT_LOAD_are_skipped()
    {
        var note = new ElfSegment(0, 0x1000, 0x10, 0x10, ElfFile.PtNote);
        var elf = ElfImage.Parse(ElfFile.Build(false, 0x10_0000, [note, Text], 0x2000), "k");
        elf.Segments.Single().PhysicalAddress.ShouldBe(0x10_0000UL);
    }

    [Fact]
    public void A_64_bit_entry_above_4_GiB_is_read_whole()
    {
        var elf = ElfImage.Parse(ElfFile.Build(true, 0xffff_ffff_8100_0000, [Text], 0x2000), "k");
        elf.Entry.ShouldBe(0xffff_ffff_8100_0000UL);
    }

    [Fact]
    public void LooksLikeElf_checks_the_four_magic_bytes()
    {
        ElfImage.LooksLikeElf([0x7f, (byte)'E', (byte)'L', (byte)'F']).ShouldBeTrue();
        ElfImage.LooksLikeElf([0x7f, (byte)'E', (byte)'L']).ShouldBeFalse();
        ElfImage.LooksLikeElf([0x7f, (byte)'E', (byte)'L', (byte)'G']).ShouldBeFalse();
    }

    [Fact]
    public void A_file_without_the_magic_is_not_an_elf_file()
    {
        var file = ElfFile.Build(false, 0x10_0000, [Text], 0x2000);
        file[1] = (byte)'X';
        ParseError(file).ShouldBe("kernel.bin: not an ELF file");
    }

    [Fact]
    public void A_file_shorter_than_an_elf32_header_is_not_an_elf_file()
    {
        var file = ElfFile.Build(false, 0x10_0000, [Text], 0x2000)[..51];
        ParseError(file).ShouldBe("kernel.bin: not an ELF file");
    }

    [Fact]
    public void A_big_endian_file_is_refused()
    {
        var file = ElfFile.Build(false, 0x10_0000, [Text], 0x2000);
        file[5] = 2; // ELFDATA2MSB
        ParseError(file).ShouldContain("not little-endian");
    }

    [Fact]
    public void An_unknown_class_is_refused()
    {
        var file = ElfFile.Build(false, 0x10_0000, [Text], 0x2000);
        file[4] = 3;
        ParseError(file).ShouldContain("unknown ELF class 3");
    }

    [Fact]
    public void A_64_bit_file_cut_inside_its_header_is_truncated()
    {
        var file = ElfFile.Build(true, 0x10_0000, [Text], 0x2000)[..60];
        ParseError(file).ShouldContain("truncated ELF header");
    }

    [Fact]
    public void A_machine_other_than_x86_is_refused()
    {
        var file = ElfFile.Build(false, 0x10_0000, [Text], 0x2000);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), 40); // EM_ARM
        ParseError(file).ShouldContain("ELF machine 40 is not x86");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Program_header_entries_smaller_than_the_class_needs_are_refused(bool is64)
    {
        var file = ElfFile.Build(is64, 0x10_0000, [Text], 0x2000);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(ElfFile.PhentsizeOffset(is64)), (ushort)(ElfFile.PhdrSize(is64) - 4));
        ParseError(file).ShouldContain("program headers lie outside the file");
    }

    [Fact]
    public void A_file_with_no_program_headers_is_refused()
    {
        var file = ElfFile.Build(false, 0x10_0000, [Text], 0x2000);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(ElfFile.PhnumOffset(false)), 0);
        ParseError(file).ShouldContain("program headers lie outside the file");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Program_headers_running_past_the_end_of_the_file_are_refused(bool is64)
    {
        var file = ElfFile.Build(is64, 0x10_0000, [Text], 0x2000);
        var phoff = (uint)(file.Length - ElfFile.PhdrSize(is64) + 1);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(ElfFile.PhoffOffset(is64)), phoff);
        ParseError(file).ShouldContain("program headers lie outside the file");
    }

    [Fact]
    public void A_segment_whose_file_size_exceeds_its_memory_size_is_refused()
    {
        var file = ElfFile.Build(false, 0x10_0000, [new ElfSegment(0x10_0000, 0x1000, 0x200, 0x100)], 0x2000);
        ParseError(file).ShouldContain("ELF segment 0 lies outside the file");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_segment_whose_bytes_run_past_the_end_of_the_file_is_refused(bool is64)
    {
        var file = ElfFile.Build(is64, 0x10_0000, [Text, new ElfSegment(0x20_0000, 0x1f00, 0x101, 0x101)], 0x2000);
        ParseError(file).ShouldContain("ELF segment 1 lies outside the file");
    }

    [Fact]
    public void A_64_bit_segment_offset_that_is_negative_as_a_signed_offset_is_refused()
    {
        var file = ElfFile.Build(true, 0x10_0000, [new ElfSegment(0x10_0000, 1UL << 63, 0, 0x1000)], 0x2000);
        ParseError(file).ShouldContain("ELF segment 0 lies outside the file");
    }

    [Fact]
    public void A_segment_ending_exactly_at_the_end_of_the_file_is_accepted()
    {
        var elf = ElfImage.Parse(ElfFile.Build(false, 0x10_0000, [new ElfSegment(0x10_0000, 0x1000, 0x1000, 0x1000)], 0x2000), "k");
        elf.Segments.Single().FileSize.ShouldBe(0x1000UL);
    }

    [Fact]
    public void A_file_without_a_loadable_segment_is_refused()
    {
        var file = ElfFile.Build(false, 0x10_0000, [new ElfSegment(0, 0x1000, 0x10, 0x10, ElfFile.PtNote)], 0x2000);
        ParseError(file).ShouldContain("ELF has no loadable segment");
    }

    private static string ParseError(byte[] file) =>
        Should.Throw<VmmConfigurationException>(() => ElfImage.Parse(file, "kernel.bin")).Message;
}
