using System.Buffers.Binary;
using Tern.Vmm.Boot;
using Tern.Vmm.Boot.Linux;

namespace Tern.Vmm.Tests.Boot.Linux;

/// <summary>The zero page: offsets as Documentation/x86/zero-page.rst and boot.rst list them.</summary>
public sealed class BootParamsTests
{
    [Fact]
    public void Field_offsets_are_those_of_struct_boot_params()
    {
        BootParams.AcpiRsdpAddrOffset.ShouldBe(0x070);
        BootParams.ExtRamdiskImageOffset.ShouldBe(0x0c0);
        BootParams.ExtRamdiskSizeOffset.ShouldBe(0x0c4);
        BootParams.ExtCmdLinePtrOffset.ShouldBe(0x0c8);
        BootParams.E820EntriesOffset.ShouldBe(0x1e8);
        BootParams.SetupHeaderOffset.ShouldBe(0x1f1);
        BootParams.BootFlagOffset.ShouldBe(0x1fe);
        BootParams.HeaderMagicOffset.ShouldBe(0x202);
        BootParams.VersionOffset.ShouldBe(0x206);
        BootParams.TypeOfLoaderOffset.ShouldBe(0x210);
        BootParams.LoadflagsOffset.ShouldBe(0x211);
        BootParams.RamdiskImageOffset.ShouldBe(0x218);
        BootParams.RamdiskSizeOffset.ShouldBe(0x21c);
        BootParams.CmdLinePtrOffset.ShouldBe(0x228);
        BootParams.InitrdAddrMaxOffset.ShouldBe(0x22c);
        BootParams.KernelAlignmentOffset.ShouldBe(0x230);
        BootParams.CmdlineSizeOffset.ShouldBe(0x238);
        BootParams.E820TableOffset.ShouldBe(0x2d0);
        (BootParams.E820TableOffset + BootParams.E820MaxEntries * BootParams.E820EntrySize).ShouldBe(0xcd0); // eddbuf follows at 0xd00 after padding
    }

    [Fact]
    public void Without_a_bzImage_header_a_minimal_2_15_header_is_made()
    {
        var page = new BootParams().Bytes;
        BinaryPrimitives.ReadUInt16LittleEndian(page[0x1fe..]).ShouldBe((ushort)0xaa55);
        BinaryPrimitives.ReadUInt32LittleEndian(page[0x202..]).ShouldBe(0x5372_6448u);
        BinaryPrimitives.ReadUInt16LittleEndian(page[0x206..]).ShouldBe((ushort)0x020f);
        page[0x210].ShouldBe((byte)0xff);
        (page[0x211] & 1).ShouldBe(1);
    }

    [Fact]
    public void A_bzImage_header_is_copied_and_the_loader_fields_set()
    {
        var header = new byte[0x26c - 0x1f1];
        header[0] = 0x1b;                      // setup_sects
        header[0x211 - 0x1f1] = 0x80;           // loadflags: CAN_USE_HEAP as the kernel shipped it
        var page = new BootParams(header).Bytes;
        page[0x1f1].ShouldBe((byte)0x1b);
        page[0x210].ShouldBe((byte)0xff);
        page[0x211].ShouldBe((byte)0x81);
    }

    [Fact]
    public void The_command_line_pointer_is_split_into_low_and_high_halves()
    {
        var p = new BootParams();
        p.SetCommandLine(0x1_2345_6000, 100);
        BinaryPrimitives.ReadUInt32LittleEndian(p.Bytes[0x228..]).ShouldBe(0x2345_6000u);
        BinaryPrimitives.ReadUInt32LittleEndian(p.Bytes[0x0c8..]).ShouldBe(1u);
    }

    [Fact]
    public void The_ramdisk_is_given_as_address_and_size_with_high_halves()
    {
        var p = new BootParams();
        p.SetRamdisk(0x7f00_0000, 0x40_0000);
        BinaryPrimitives.ReadUInt32LittleEndian(p.Bytes[0x218..]).ShouldBe(0x7f00_0000u);
        BinaryPrimitives.ReadUInt32LittleEndian(p.Bytes[0x21c..]).ShouldBe(0x40_0000u);
        BinaryPrimitives.ReadUInt32LittleEndian(p.Bytes[0x0c0..]).ShouldBe(0u);
        BinaryPrimitives.ReadUInt32LittleEndian(p.Bytes[0x0c4..]).ShouldBe(0u);
    }

    [Fact]
    public void The_e820_table_holds_the_memory_map_with_the_pci_hole()
    {
        var p = new BootParams();
        var map = MemoryLayout.MemoryMap(4 * MemoryLayout.GiB);
        p.SetMemoryMap(map);

        p.Bytes[0x1e8].ShouldBe((byte)map.Count);
        for (var i = 0; i < map.Count; i++)
        {
            var entry = p.Bytes.Slice(0x2d0 + i * 20, 20);
            BinaryPrimitives.ReadUInt64LittleEndian(entry).ShouldBe(map[i].Base);
            BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]).ShouldBe(map[i].Length);
            BinaryPrimitives.ReadUInt32LittleEndian(entry[16..]).ShouldBe((uint)map[i].Type);
        }
        var last = p.Bytes.Slice(0x2d0 + (map.Count - 1) * 20, 20);
        BinaryPrimitives.ReadUInt64LittleEndian(last).ShouldBe(MemoryLayout.HighMemoryStart); // RAM above the 3–4 GiB hole
    }

    [Fact]
    public void The_rsdp_address_is_a_64_bit_field()
    {
        var p = new BootParams();
        p.SetAcpiRsdp(0xf_0000);
        BinaryPrimitives.ReadUInt64LittleEndian(p.Bytes[0x70..]).ShouldBe(0xf_0000ul);
    }
}
