using Tern.Memory;
using Tern.Vmm.Boot;
using static Tern.Vmm.Boot.MemoryLayout;

namespace Tern.Vmm.Tests.Boot;

public class MemoryLayoutTests
{
    [Fact]
    public void Memory_below_the_pci_hole_is_one_range_from_zero() =>
        RamRanges(512 * MiB).ShouldBe([new RamRange(new GuestAddress(0), 512 * MiB)]);

    [Fact]
    public void Exactly_3_GiB_fills_the_space_below_the_pci_hole_without_a_high_range() =>
        RamRanges(3 * GiB).ShouldBe([new RamRange(new GuestAddress(0), 3 * GiB)]);

    [Fact]
    public void Memory_beyond_3_GiB_continues_above_4_GiB_skipping_the_pci_hole() =>
        RamRanges(4 * GiB).ShouldBe([
            new RamRange(new GuestAddress(0), 3 * GiB),
            new RamRange(new GuestAddress(4 * GiB), 1 * GiB),
        ]);

    [Fact]
    public void No_ram_range_covers_kvm_tss_or_identity_map_pages()
    {
        foreach (var range in RamRanges(4 * GiB))
        {
            (TssAddress >= range.Start.Value && TssAddress + 3 * 4096 <= range.End.Value).ShouldBeFalse();
            (IdentityMapAddress >= range.Start.Value && IdentityMapAddress < range.End.Value).ShouldBeFalse();
        }
    }

    [Theory]
    [InlineData(128 * MiB)]
    [InlineData(4 * GiB)]
    public void The_minimum_and_maximum_are_themselves_valid(ulong bytes) =>
        Should.NotThrow(() => Validate(bytes));

    [Fact]
    public void Less_than_128_MiB_is_refused() =>
        Should.Throw<VmmConfigurationException>(() => Validate(128 * MiB - 4096))
            .Message.ShouldContain("below the minimum of 128 MiB");

    [Fact]
    public void More_than_4_GiB_is_refused() =>
        Should.Throw<VmmConfigurationException>(() => Validate(4 * GiB + 4096))
            .Message.ShouldContain("above the maximum of 4 GiB");

    [Fact]
    public void A_size_that_is_not_whole_pages_is_refused() =>
        Should.Throw<VmmConfigurationException>(() => Validate(256 * MiB + 512))
            .Message.ShouldBe($"memory {256 * MiB + 512} bytes is not a multiple of 4 KiB");

    [Fact]
    public void RamRanges_validates_its_input() =>
        Should.Throw<VmmConfigurationException>(() => RamRanges(64 * MiB));

    [Fact]
    public void The_memory_map_shows_conventional_memory_the_legacy_holes_and_ram_above_1_MiB() =>
        MemoryMap(512 * MiB).ShouldBe([
            new MemoryMapEntry(0, 0x9_fc00, MemoryMapEntry.Kind.Usable),
            new MemoryMapEntry(0x9_fc00, 0x400, MemoryMapEntry.Kind.Reserved),
            new MemoryMapEntry(0xf_0000, 0x1_0000, MemoryMapEntry.Kind.Reserved),
            new MemoryMapEntry(0x10_0000, 511 * MiB, MemoryMapEntry.Kind.Usable),
        ]);

    [Fact]
    public void The_memory_map_lists_ram_above_4_GiB_as_a_separate_usable_entry()
    {
        var map = MemoryMap(4 * GiB);
        map.Count.ShouldBe(5);
        map[3].ShouldBe(new MemoryMapEntry(0x10_0000, 3 * GiB - 0x10_0000, MemoryMapEntry.Kind.Usable));
        map[4].ShouldBe(new MemoryMapEntry(4 * GiB, 1 * GiB, MemoryMapEntry.Kind.Usable));
    }

    [Fact]
    public void Memory_map_kinds_use_the_e820_numbers()
    {
        ((uint)MemoryMapEntry.Kind.Usable).ShouldBe(1u);
        ((uint)MemoryMapEntry.Kind.Reserved).ShouldBe(2u);
        ((uint)MemoryMapEntry.Kind.Acpi).ShouldBe(3u);
    }

    [Theory]
    [InlineData("512M", 512 * MiB)]
    [InlineData("2G", 2 * GiB)]
    [InlineData("1048576", 1048576UL)]
    [InlineData("256MiB", 256 * MiB)]
    [InlineData("1GiB", 1 * GiB)]
    [InlineData("64K", 64 * 1024UL)]
    [InlineData("4KiB", 4 * 1024UL)]
    [InlineData("512m", 512 * MiB)]
    [InlineData("2gib", 2 * GiB)]
    [InlineData(" 128M ", 128 * MiB)]
    public void ParseSize_reads_plain_bytes_and_binary_suffixes(string text, ulong bytes) =>
        ParseSize(text).ShouldBe(bytes);

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("0")]
    [InlineData("0G")]
    [InlineData("-1G")]
    [InlineData("1.5G")]
    [InlineData("12X")]
    [InlineData("512MB")]
    [InlineData("lots")]
    public void ParseSize_refuses_what_is_not_a_positive_size(string text) =>
        Should.Throw<VmmConfigurationException>(() => ParseSize(text))
            .Message.ShouldBe($"'{text}' is not a size (examples: 512M, 2G)");

    [Theory]
    [InlineData(2 * GiB, "2 GiB")]
    [InlineData(512 * MiB, "512 MiB")]
    [InlineData(1536 * MiB, "1536 MiB")]
    [InlineData(1000UL, "1000 bytes")]
    public void FormatSize_uses_the_largest_whole_unit(ulong bytes, string text) =>
        FormatSize(bytes).ShouldBe(text);
}
