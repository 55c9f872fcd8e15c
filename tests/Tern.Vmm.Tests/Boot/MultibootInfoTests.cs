using System.Buffers.Binary;
using System.Text;
using Tern.Vmm.Boot;

namespace Tern.Vmm.Tests.Boot;

/// <summary>The information block is checked field by field against Multiboot Specification 0.6.96, section 3.3.</summary>
public class MultibootInfoTests
{
    private const ulong Base = 0x10_3000;
    private const ulong MiB = MemoryLayout.MiB;

    // Offsets into the multiboot_info structure (section 3.3, "Boot information format").
    private const int Flags = 0, MemLower = 4, MemUpper = 8, BootDevice = 12, Cmdline = 16, ModsCount = 20, ModsAddr = 24,
        MmapLength = 44, MmapAddr = 48, DrivesLength = 52, DrivesAddr = 56, ConfigTable = 60, BootLoaderName = 64, ApmTable = 68;

    private static readonly byte[] Block = MultibootInfo.Build(Base, MemoryLayout.MemoryMap(512 * MiB), "console=ttyS0 quiet");

    [Fact]
    public void Flags_announce_memory_sizes_command_line_memory_map_and_loader_name()
    {
        // bit 0 mem_*, bit 2 cmdline, bit 6 mmap_*, bit 9 boot_loader_name.
        U32(Block, Flags).ShouldBe(0x245u);
    }

    [Fact]
    public void Mem_lower_is_the_conventional_memory_in_KiB() =>
        U32(Block, MemLower).ShouldBe(639u); // 0x9fc00 bytes

    [Fact]
    public void Mem_upper_is_the_memory_from_1_MiB_to_the_first_hole_in_KiB() =>
        U32(Block, MemUpper).ShouldBe(511u * 1024);

    [Fact]
    public void Mem_upper_stops_at_the_pci_hole_when_ram_continues_above_4_GiB()
    {
        var block = MultibootInfo.Build(Base, MemoryLayout.MemoryMap(4 * MemoryLayout.GiB), "");
        U32(block, MemUpper).ShouldBe((uint)((3 * MemoryLayout.GiB - MiB) / 1024));
    }

    [Fact]
    public void Mmap_length_counts_24_bytes_per_entry() =>
        U32(Block, MmapLength).ShouldBe(4u * 24);

    [Fact]
    public void Mmap_addr_is_a_guest_physical_pointer_inside_the_block()
    {
        var mmapAddr = U32(Block, MmapAddr);
        mmapAddr.ShouldBeGreaterThanOrEqualTo((uint)Base + 88); // after the fixed fields
        (mmapAddr + U32(Block, MmapLength)).ShouldBeLessThanOrEqualTo((uint)Base + (uint)Block.Length);
    }

    [Fact]
    public void Each_mmap_entry_has_size_20_then_base_length_and_type()
    {
        var map = MemoryLayout.MemoryMap(512 * MiB);
        var at = (int)(U32(Block, MmapAddr) - Base);
        for (var i = 0; i < map.Count; i++, at += 24)
        {
            U32(Block, at).ShouldBe(20u);
            U64(Block, at + 4).ShouldBe(map[i].Base);
            U64(Block, at + 12).ShouldBe(map[i].Length);
            U32(Block, at + 20).ShouldBe((uint)map[i].Type);
        }
    }

    [Fact]
    public void Cmdline_points_at_the_nul_terminated_command_line() =>
        CString(Block, U32(Block, Cmdline)).ShouldBe("console=ttyS0 quiet");

    [Fact]
    public void An_empty_command_line_is_an_empty_string_not_a_null_pointer()
    {
        var block = MultibootInfo.Build(Base, MemoryLayout.MemoryMap(512 * MiB), "");
        U32(block, Cmdline).ShouldNotBe(0u);
        CString(block, U32(block, Cmdline)).ShouldBe("");
    }

    [Fact]
    public void The_command_line_is_utf8()
    {
        var block = MultibootInfo.Build(Base, MemoryLayout.MemoryMap(512 * MiB), "name=café");
        CString(block, U32(block, Cmdline)).ShouldBe("name=café");
    }

    [Fact]
    public void Boot_loader_name_points_at_Tern() =>
        CString(Block, U32(Block, BootLoaderName)).ShouldBe("Tern");

    [Fact]
    public void Fields_whose_flags_are_clear_are_zero()
    {
        foreach (var offset in new[] { BootDevice, ModsCount, ModsAddr, DrivesLength, DrivesAddr, ConfigTable, ApmTable })
            U32(Block, offset).ShouldBe(0u, $"field at offset {offset}");
        Block.AsSpan(28, 16).ToArray().ShouldAllBe(b => b == 0); // syms
    }

    [Fact]
    public void Pointers_follow_the_base_address()
    {
        var moved = MultibootInfo.Build(Base + 0x1000, MemoryLayout.MemoryMap(512 * MiB), "console=ttyS0 quiet");
        U32(moved, Cmdline).ShouldBe(U32(Block, Cmdline) + 0x1000);
        U32(moved, MmapAddr).ShouldBe(U32(Block, MmapAddr) + 0x1000);
        U32(moved, BootLoaderName).ShouldBe(U32(Block, BootLoaderName) + 0x1000);
    }

    [Fact]
    public void Strings_and_map_do_not_overlap()
    {
        var mmapEnd = U32(Block, MmapAddr) + U32(Block, MmapLength);
        var cmdline = U32(Block, Cmdline);
        var name = U32(Block, BootLoaderName);
        cmdline.ShouldBeGreaterThanOrEqualTo(mmapEnd);
        name.ShouldBeGreaterThan(cmdline + (uint)"console=ttyS0 quiet".Length);
    }

    private static uint U32(byte[] block, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(offset));
    private static ulong U64(byte[] block, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(offset));

    private static string CString(byte[] block, uint guestAddress)
    {
        var start = (int)(guestAddress - Base);
        var end = Array.IndexOf(block, (byte)0, start);
        end.ShouldBeGreaterThanOrEqualTo(start, "string must be NUL-terminated inside the block");
        return Encoding.UTF8.GetString(block, start, end - start);
    }
}
