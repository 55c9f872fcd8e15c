using System.Buffers.Binary;
using Tern.Vmm.Boot;
using Tern.Vmm.Boot.Linux;

namespace Tern.Vmm.Tests.Boot.Linux;

public sealed class LinuxKernelTests
{
    private const ulong MiB = TestRam.MiB;
    private const ulong Ram = 128 * MiB;
    private const ulong KernelAt = 16 * MiB;

    /// <summary>A 64-bit vmlinux-like ELF: text at 16 MiB, then a segment with BSS.</summary>
    private static byte[] Vmlinux()
    {
        var elf = ElfFile.Build(true, KernelAt,
            [new ElfSegment(KernelAt, 0x1000, 0x100, 0x100), new ElfSegment(KernelAt + 0x20_0000, 0x1100, 0x10, 0x3000)], 0x2000);
        elf.AsSpan(0x1000, 0x100).Fill(0xcc);
        elf.AsSpan(0x1100, 0x10).Fill(0xdd);
        return elf;
    }

    private static LinuxBootEntry Load(Tern.Memory.GuestMemory memory, byte[] file, string cmdline = "console=ttyS0", byte[]? initrd = null) =>
        LinuxKernel.Load(memory, Ram, 1, file, "vmlinux", cmdline, initrd);

    [Fact]
    public void Recognises_bzImages_and_64_bit_x86_elves_only()
    {
        LinuxKernel.Recognises(Vmlinux()).ShouldBeTrue();
        LinuxKernel.Recognises(BzImageFile.Build([1, 2, 3])).ShouldBeTrue();
        LinuxKernel.Recognises(ElfFile.Build(false, 0x10_0000, [new ElfSegment(0x10_0000, 0x1000, 0x10, 0x10)], 0x2000)).ShouldBeFalse();
        LinuxKernel.Recognises("not a kernel at all"u8).ShouldBeFalse();
    }

    [Fact]
    public void Segments_load_at_their_physical_addresses_with_bss_zeroed()
    {
        using var memory = TestRam.Low(Ram);
        memory.Fill(KernelAt + 0x20_0000, 0x3000, 0x55);

        var entry = Load(memory, Vmlinux());

        entry.Entry.ShouldBe(KernelAt);
        memory.ReadBytes(KernelAt, 0x100).ShouldAllBe(b => b == 0xcc);
        memory.ReadBytes(KernelAt + 0x20_0000, 0x10).ShouldAllBe(b => b == 0xdd);
        memory.ReadBytes(KernelAt + 0x20_0010, 0x2ff0).ShouldAllBe(b => b == 0);
    }

    [Fact]
    public void The_zero_page_in_memory_points_at_the_command_line()
    {
        using var memory = TestRam.Low(Ram);
        var entry = Load(memory, Vmlinux(), "console=ttyS0 quiet");

        var page = memory.ReadBytes(entry.BootParams, BootParams.Size);
        var cmdline = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x228));
        System.Text.Encoding.ASCII.GetString(memory.ReadBytes(cmdline, 20)).ShouldBe("console=ttyS0 quiet\0");
        BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(0x70)).ShouldBe(LinuxKernel.AcpiTablesAddress);
        page[0x1e8].ShouldBe((byte)MemoryLayout.MemoryMap(Ram).Count);
    }

    [Fact]
    public void The_initrd_goes_page_aligned_to_the_top_of_ram()
    {
        using var memory = TestRam.Low(Ram);
        var initrd = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();

        var entry = Load(memory, Vmlinux(), initrd: initrd);

        var page = memory.ReadBytes(entry.BootParams, BootParams.Size);
        var address = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x218));
        BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x21c)).ShouldBe((uint)initrd.Length);
        (address % 4096).ShouldBe(0u);
        (address + (ulong)initrd.Length <= Ram).ShouldBeTrue();
        (Ram - address < 4096 + (ulong)initrd.Length).ShouldBeTrue();
        memory.ReadBytes(address, initrd.Length).ShouldBe(initrd);
    }

    [Fact]
    public void The_initrd_stays_below_initrd_addr_max_and_the_pci_hole()
    {
        LinuxKernel.PlaceInitrd(0x1000, KernelAt, 3 * MemoryLayout.GiB, 0x7fff_ffff, 4 * MemoryLayout.GiB, "i").ShouldBe(0x7fff_f000ul);
        LinuxKernel.PlaceInitrd(0x1000, KernelAt, 3 * MemoryLayout.GiB, 0xffff_ffff, 4 * MemoryLayout.GiB, "i").ShouldBe(0xbfff_f000ul);
    }

    [Fact]
    public void An_initrd_larger_than_ram_allows_is_one_clear_error()
    {
        Should.Throw<VmmConfigurationException>(() =>
                LinuxKernel.PlaceInitrd(200 * MiB, KernelAt + 8 * MiB, Ram, 0x7fff_ffff, Ram, "initramfs.cpio.gz"))
            .Message.ShouldBe("initramfs.cpio.gz is 200 MiB, but with 128 MiB of RAM only 104 MiB fit between the kernel and the initrd limit: give the machine more memory");
    }

    [Fact]
    public void A_segment_outside_ram_is_refused()
    {
        using var memory = TestRam.Low(Ram);
        var elf = ElfFile.Build(true, KernelAt, [new ElfSegment(Ram - 0x1000, 0x1000, 0x10, 0x2000)], 0x2000);
        Should.Throw<VmmConfigurationException>(() => Load(memory, elf)).Message
            .ShouldBe($"vmlinux: segment at 0x{Ram - 0x1000:x} (+8192 bytes) does not fit in guest RAM (128 MiB)");
    }

    [Fact]
    public void A_command_line_longer_than_the_kernel_takes_is_refused()
    {
        using var memory = TestRam.Low(Ram);
        Should.Throw<VmmConfigurationException>(() => Load(memory, Vmlinux(), new string('x', 2048))).Message
            .ShouldBe("kernel command line is 2048 bytes, vmlinux takes at most 2047");
    }

    [Fact]
    public void A_bzImage_boots_its_decompressed_vmlinux_with_its_own_setup_header()
    {
        using var memory = TestRam.Low(Ram);
        var bz = BzImageFile.Build(BzImageFile.Gzip(Vmlinux()), setupSects: 0x1b, initrdAddrMax: 0x37ff_ffff);

        var entry = LinuxKernel.Load(memory, Ram, 1, bz, "bzImage", "", [1, 2, 3]);

        entry.Entry.ShouldBe(KernelAt);
        memory.ReadBytes(KernelAt, 0x100).ShouldAllBe(b => b == 0xcc);
        var page = memory.ReadBytes(entry.BootParams, BootParams.Size);
        page[0x1f1].ShouldBe((byte)0x1b);
        page[0x210].ShouldBe((byte)0xff);
    }

    [Fact]
    public void A_truncated_bzImage_is_one_clear_error()
    {
        using var memory = TestRam.Low(Ram);
        var bz = BzImageFile.Build(BzImageFile.Gzip(Vmlinux()));
        Should.Throw<VmmConfigurationException>(() => LinuxKernel.Load(memory, Ram, 1, bz[..(bz.Length / 2)], "bzImage", ""))
            .Message.ShouldStartWith("bzImage: truncated bzImage");
    }

    [Fact]
    public void A_bzImage_whose_payload_is_not_a_kernel_is_one_clear_error()
    {
        using var memory = TestRam.Low(Ram);
        var bz = BzImageFile.Build(BzImageFile.Gzip("hello, not an ELF"u8.ToArray()));
        Should.Throw<VmmConfigurationException>(() => LinuxKernel.Load(memory, Ram, 1, bz, "bzImage", "")).Message
            .ShouldBe("bzImage: not an ELF file");
    }

    [Fact]
    public void The_mp_and_acpi_tables_lie_in_reserved_e820_ranges()
    {
        var map = MemoryLayout.MemoryMap(Ram);
        bool Reserved(ulong address, int length) => map.Any(e => e.Type == MemoryMapEntry.Kind.Reserved
            && e.Base <= address && address + (ulong)length <= e.Base + e.Length);
        Reserved(LinuxKernel.MpTableAddress, MpTable.SizeFor(2)).ShouldBeTrue();
        Reserved(LinuxKernel.AcpiTablesAddress, AcpiTables.Build(LinuxKernel.AcpiTablesAddress, 2).Length).ShouldBeTrue();
    }

    [Fact]
    public void Boot_structures_in_low_memory_do_not_overlap()
    {
        var ranges = new (ulong Start, ulong Length)[]
        {
            (LinuxKernel.GdtAddress, (ulong)Tern.Vmm.Cpu.LongModeEntry.GdtBytes),
            (LinuxKernel.BootParamsAddress, BootParams.Size),
            (LinuxKernel.StackTop - 0x100, 0x100),
            (LinuxKernel.PageTablesAddress, (ulong)Tern.Vmm.Cpu.LongModeEntry.PageTableBytes),
            (LinuxKernel.CommandLineAddress, 2048),
            (LinuxKernel.MpTableAddress, (ulong)MpTable.SizeFor(2)),
            (LinuxKernel.AcpiTablesAddress, (ulong)AcpiTables.Build(LinuxKernel.AcpiTablesAddress, 2).Length),
        }.OrderBy(r => r.Start).ToArray();
        for (var i = 1; i < ranges.Length; i++)
            (ranges[i - 1].Start + ranges[i - 1].Length <= ranges[i].Start).ShouldBeTrue();
    }
}
