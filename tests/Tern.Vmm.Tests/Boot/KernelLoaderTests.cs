using Tern.Vmm.Boot;

namespace Tern.Vmm.Tests.Boot;

public class KernelLoaderTests
{
    private const ulong MiB = MemoryLayout.MiB;
    private const ulong MachineMemory = 512 * MiB; // what the memory map describes; the test RAM itself is smaller

    [Fact]
    public void ReadKernelFile_returns_the_bytes_of_the_file()
    {
        using var dir = new TempDir();
        var path = dir.File("kernel.bin", [1, 2, 3]);
        KernelLoader.ReadKernelFile(path).ShouldBe([1, 2, 3]);
    }

    [Fact]
    public void ReadKernelFile_of_a_missing_file_says_so()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "nope.bin");
        Should.Throw<VmmConfigurationException>(() => KernelLoader.ReadKernelFile(path))
            .Message.ShouldBe($"kernel {path}: no such file");
    }

    [Fact]
    public void ReadKernelFile_of_a_directory_says_so()
    {
        using var dir = new TempDir();
        Should.Throw<VmmConfigurationException>(() => KernelLoader.ReadKernelFile(dir.Path))
            .Message.ShouldBe($"kernel {dir.Path} is a directory");
    }

    [Fact]
    public void ReadKernelFile_refuses_a_file_larger_than_any_kernel()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "huge.bin");
        using (var stream = File.Create(path))
            stream.SetLength(KernelLoader.MaxKernelBytes + 1L); // sparse: costs no disk
        Should.Throw<VmmConfigurationException>(() => KernelLoader.ReadKernelFile(path))
            .Message.ShouldContain("larger than any kernel Tern loads");
    }

    [Fact]
    public void Load_copies_the_image_to_its_load_address()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000);

        KernelLoader.Load(memory, MachineMemory, file, "k", "");

        memory.ReadBytes(0x10_0000, file.Length).ShouldBe(file);
    }

    [Fact]
    public void Load_zero_fills_the_bss_even_over_stale_memory()
    {
        using var memory = TestRam.Low(4 * MiB);
        memory.Fill(0xf_f000, 0x4000, 0xcc);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000, bssEndAddr: 0x10_3000);

        KernelLoader.Load(memory, MachineMemory, file, "k", "");

        memory.ReadBytes(0x10_2000, 0x1000).ShouldAllBe(b => b == 0);
        memory.ReadBytes(0xf_ffff, 1)[0].ShouldBe((byte)0xcc, "bytes below the load address are not touched");
    }

    [Fact]
    public void Load_returns_the_entry_the_bootloader_magic_and_the_info_address()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000, bssEndAddr: 0x10_3000, entryAddr: 0x10_0200);

        var boot = KernelLoader.Load(memory, MachineMemory, file, "k", "");

        boot.ShouldBe(new BootEntry(0x10_0200, 0x2BADB002, 0x10_3000));
    }

    [Fact]
    public void The_info_block_goes_on_the_first_page_boundary_after_the_bss()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000, bssEndAddr: 0x10_3001);

        KernelLoader.Load(memory, MachineMemory, file, "k", "").Ebx.ShouldBe(0x10_4000u);
    }

    [Fact]
    public void The_info_block_in_guest_memory_is_the_one_built_for_its_address()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000);

        var boot = KernelLoader.Load(memory, MachineMemory, file, "k", "console=ttyS0");

        var expected = MultibootInfo.Build(boot.Ebx, MemoryLayout.MemoryMap(MachineMemory), "console=ttyS0");
        memory.ReadBytes(boot.Ebx, expected.Length).ShouldBe(expected);
    }

    [Fact]
    public void Load_places_every_segment_of_an_elf_kernel_at_its_physical_address()
    {
        using var memory = TestRam.Low(4 * MiB);
        ElfSegment[] segments = [new(0x10_0000, 0x1000, 0x800, 0x800), new(0x20_0000, 0x2000, 0x100, 0x200)];
        var file = MultibootFile.ElfKernel(false, 0x10_0000, segments, 0x3000);
        file.AsSpan(0x1000, 0x800).Fill(0x11);
        file.AsSpan(0x2000, 0x100).Fill(0x22);
        memory.Fill(0x20_0000, 0x200, 0xcc);

        var boot = KernelLoader.Load(memory, MachineMemory, file, "k", "");

        memory.ReadBytes(0x10_0000, 0x800).ShouldAllBe(b => b == 0x11);
        memory.ReadBytes(0x20_0000, 0x100).ShouldAllBe(b => b == 0x22);
        memory.ReadBytes(0x20_0100, 0x100).ShouldAllBe(b => b == 0);
        boot.Ebx.ShouldBe(0x20_1000u);
    }

    [Fact]
    public void Load_names_the_machine_of_an_elf_kernel_for_another_architecture()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = ElfFile.Build(true, 0x100_0000, [new(0x100_0000, 0x1000, 0x100, 0x100)], 0x2000);
        file[18] = 183; // EM_AARCH64
        file[19] = 0;

        Should.Throw<VmmConfigurationException>(() => KernelLoader.Load(memory, MachineMemory, file, "Image", ""))
            .Message.ShouldBe("Image: an ELF file for machine 183, not x86: not a kernel Tern can boot");
    }

    [Fact]
    public void Load_marks_the_pages_it_wrote_dirty()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x2000);

        KernelLoader.Load(memory, MachineMemory, file, "k", "");

        memory.Regions[0].Dirty.IsDirty(0x100).ShouldBeTrue();
        memory.Regions[0].Dirty.IsDirty(0x101).ShouldBeTrue();
        memory.Regions[0].Dirty.IsDirty(0x102).ShouldBeTrue(); // the info page
    }

    [Fact]
    public void A_file_without_a_multiboot_header_is_not_bootable()
    {
        using var memory = TestRam.Low(4 * MiB);
        var elf = ElfFile.Build(false, 0x10_0000, [new ElfSegment(0x10_0000, 0x1000, 0x10, 0x10)], 0x2000);
        Should.Throw<VmmConfigurationException>(() => KernelLoader.Load(memory, MachineMemory, elf, "vmlinux", ""))
            .Message.ShouldBe("vmlinux: not a kernel Tern can boot (no Multiboot header)");
    }

    [Fact]
    public void A_segment_below_1_MiB_is_refused_even_though_it_is_ram()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x8_0000, length: 0x1000);
        Should.Throw<VmmConfigurationException>(() => KernelLoader.Load(memory, MachineMemory, file, "k", ""))
            .Message.ShouldBe("k: segment at 0x80000 (+4096 bytes) does not fit in guest RAM");
    }

    [Fact]
    public void A_segment_beyond_the_end_of_ram_is_refused()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x80_0000, length: 0x1000);
        Should.Throw<VmmConfigurationException>(() => KernelLoader.Load(memory, MachineMemory, file, "k", ""))
            .Message.ShouldContain("does not fit in guest RAM");
    }

    [Fact]
    public void A_bss_running_past_the_end_of_ram_is_refused()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x3f_f000, length: 0x1000, bssEndAddr: 0x40_1000, entryAddr: 0x3f_f100);
        Should.Throw<VmmConfigurationException>(() => KernelLoader.Load(memory, MachineMemory, file, "k", ""))
            .Message.ShouldContain("does not fit in guest RAM");
    }

    [Fact]
    public void A_kernel_filling_ram_to_the_end_leaves_no_room_for_boot_information()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x10_0000, length: 0x1000, bssEndAddr: 0x40_0000);
        Should.Throw<VmmConfigurationException>(() => KernelLoader.Load(memory, MachineMemory, file, "k", ""))
            .Message.ShouldBe("k: no room for boot information after the kernel");
    }

    [Fact]
    public void A_refused_kernel_is_named_by_the_name_given()
    {
        using var memory = TestRam.Low(4 * MiB);
        var file = MultibootFile.AddressFieldKernel(loadAddr: 0x80_0000, length: 0x1000);
        Should.Throw<VmmConfigurationException>(() => KernelLoader.Load(memory, MachineMemory, file, "/boot/my-kernel", ""))
            .Message.ShouldStartWith("/boot/my-kernel: ");
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("tern-vmm-tests-").FullName;

        public string File(string name, byte[] contents)
        {
            var path = System.IO.Path.Combine(Path, name);
            System.IO.File.WriteAllBytes(path, contents);
            return path;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
