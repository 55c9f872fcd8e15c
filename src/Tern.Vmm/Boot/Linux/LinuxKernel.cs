using Tern.Memory;

namespace Tern.Vmm.Boot.Linux;

/// <summary>Where the boot CPU starts a Linux kernel: the 64-bit entry, with RSI = the zero page.</summary>
public readonly record struct LinuxBootEntry(ulong Entry, ulong BootParams, ulong Gdt, ulong PageTables, ulong Stack);

/// <summary>
/// Loads Linux through the 64-bit boot protocol (Documentation/x86/boot.rst), as Firecracker does: the
/// ELF vmlinux's PT_LOAD segments go to their physical addresses (a bzImage's payload is decompressed
/// on the host first), the zero page gets the e820 map, command line and initrd, and the CPU enters
/// at e_entry in long mode. ACPI tables (for CPUs and power-off) and an MP table (for <c>acpi=off</c>)
/// describe the machine.
/// </summary>
/// <remarks>
/// Low memory, all below the EBDA (and so in usable e820 RAM that the kernel reclaims once it is up,
/// except the MP and ACPI tables, which lie in the reserved ranges):
/// <code>
/// 0x00500  GDT                      0x09000  PML4, PDPT, 4 PDs (identity map 0–4 GiB)
/// 0x07000  zero page (boot_params)  0x20000  command line
/// 0x08ff0  initial stack top        0x9fc00  MP table (last KiB of base memory)
///                                   0xf0000  ACPI: RSDP, XSDT, FADT, MADT, DSDT
/// </code>
/// The initrd goes as high as RAM below the PCI hole and the kernel's initrd_addr_max allow.
/// </remarks>
public static class LinuxKernel
{
    public const ulong GdtAddress = 0x500;
    public const ulong BootParamsAddress = 0x7000;
    public const ulong StackTop = 0x8ff0;
    public const ulong PageTablesAddress = 0x9000;
    public const ulong CommandLineAddress = 0x2_0000;
    public const ulong MpTableAddress = 0x9_fc00;
    public const ulong AcpiTablesAddress = 0xf_0000;
    /// <summary>COMMAND_LINE_SIZE on x86 (2048, with the terminating NUL); a bzImage may announce more in cmdline_size.</summary>
    public const int DefaultCommandLineMax = 2047;
    /// <summary>initrd_addr_max of every 2.03+ kernel without a header to say so (an ELF vmlinux).</summary>
    public const uint DefaultInitrdAddrMax = 0x7fff_ffff;
    public const int MaxInitrdBytes = 1 << 30;
    private const ushort ElfMachineX8664 = 62;

    /// <summary>A bzImage, or a 64-bit x86-64 ELF (a vmlinux).</summary>
    public static bool Recognises(ReadOnlySpan<byte> file) =>
        BzImage.LooksLikeBzImage(file)
        || (ElfImage.LooksLikeElf(file) && file.Length >= 20 && file[4] == 2 && file[18] == ElfMachineX8664 && file[19] == 0);

    public static byte[] ReadInitrdFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new VmmConfigurationException(Directory.Exists(path) ? $"initrd {path} is a directory" : $"initrd {path}: no such file");
            if (info.Length > MaxInitrdBytes)
                throw new VmmConfigurationException($"initrd {path} is {info.Length >> 20} MiB, larger than any initrd Tern loads ({MaxInitrdBytes >> 20} MiB)");
            return File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new VmmConfigurationException($"initrd {path}: permission denied", ex);
        }
        catch (IOException ex)
        {
            throw new VmmConfigurationException($"initrd {path}: {ex.Message}", ex);
        }
    }

    public static LinuxBootEntry Load(GuestMemory memory, ulong memoryBytes, int vcpuCount, byte[] file, string name,
        string commandLine, byte[]? initrd = null, string initrdName = "initrd")
    {
        BootParams bootParams;
        byte[] vmlinux;
        var initrdAddrMax = DefaultInitrdAddrMax;
        var commandLineMax = DefaultCommandLineMax;
        if (BzImage.LooksLikeBzImage(file))
        {
            var image = BzImage.Parse(file, name);
            vmlinux = KernelPayload.Decompress(file.AsSpan(image.PayloadStart, image.PayloadLength), name);
            bootParams = new BootParams(image.SetupHeader);
            if (image.InitrdAddrMax != 0)
                initrdAddrMax = image.InitrdAddrMax;
            var announced = BitConverterLe(image.SetupHeader, BootParams.CmdlineSizeOffset - BootParams.SetupHeaderOffset);
            if (image.Version >= 0x0206 && announced > 0)
                commandLineMax = (int)Math.Min(announced, 1u << 20);
        }
        else
        {
            vmlinux = file;
            bootParams = new BootParams();
        }

        var elf = ElfImage.Parse(vmlinux, name);
        if (!elf.Is64Bit)
            throw new VmmConfigurationException($"{name}: a 32-bit ELF is not a Linux kernel Tern can boot (it needs a 64-bit vmlinux)");
        var lowRamEnd = Math.Min(memoryBytes, MemoryLayout.PciHoleStart);
        ulong kernelEnd = 0;
        foreach (var segment in elf.Segments)
        {
            if (segment.PhysicalAddress < MemoryLayout.HighMemoryBase || segment.PhysicalAddress + segment.MemorySize > lowRamEnd)
                throw new VmmConfigurationException(
                    $"{name}: segment at 0x{segment.PhysicalAddress:x} (+{segment.MemorySize} bytes) does not fit in guest RAM "
                    + $"({MemoryLayout.FormatSize(memoryBytes)})");
            memory.Write(segment.PhysicalAddress, vmlinux.AsSpan((int)segment.FileOffset, (int)segment.FileSize));
            if (segment.MemorySize > segment.FileSize)
                memory.Fill(segment.PhysicalAddress + segment.FileSize, segment.MemorySize - segment.FileSize, 0);
            kernelEnd = Math.Max(kernelEnd, segment.PhysicalAddress + segment.MemorySize);
        }

        var cmdline = System.Text.Encoding.ASCII.GetBytes(commandLine + "\0");
        if (cmdline.Length - 1 > commandLineMax)
            throw new VmmConfigurationException($"kernel command line is {cmdline.Length - 1} bytes, {name} takes at most {commandLineMax}");
        memory.Write(CommandLineAddress, cmdline);
        bootParams.SetCommandLine(CommandLineAddress, cmdline.Length - 1);

        if (initrd is not null)
        {
            var address = PlaceInitrd((ulong)initrd.Length, kernelEnd, lowRamEnd, initrdAddrMax, memoryBytes, initrdName);
            memory.Write(address, initrd);
            bootParams.SetRamdisk(address, (ulong)initrd.Length);
        }

        bootParams.SetMemoryMap(MemoryLayout.MemoryMap(memoryBytes));
        bootParams.SetAcpiRsdp(AcpiTablesAddress);
        memory.Write(AcpiTablesAddress, AcpiTables.Build(AcpiTablesAddress, vcpuCount));
        memory.Write(MpTableAddress, MpTable.Build(MpTableAddress, vcpuCount));
        memory.Write(BootParamsAddress, bootParams.Bytes);
        memory.Write(GdtAddress, Cpu.LongModeEntry.BuildGdt());
        memory.Write(PageTablesAddress, Cpu.LongModeEntry.BuildIdentityPageTables(PageTablesAddress));
        return new LinuxBootEntry(elf.Entry, BootParamsAddress, GdtAddress, PageTablesAddress, StackTop);
    }

    /// <summary>
    /// The initrd's address: page-aligned, as high as possible below both the end of low RAM and
    /// initrd_addr_max (boot.rst: the initrd must lie wholly below it), and above the kernel.
    /// </summary>
    public static ulong PlaceInitrd(ulong size, ulong kernelEnd, ulong lowRamEnd, uint initrdAddrMax, ulong memoryBytes, string name)
    {
        var top = Math.Min(lowRamEnd, (ulong)initrdAddrMax + 1);
        var bottom = (kernelEnd + 0xfff) & ~0xfffUL;
        var room = top > bottom ? top - bottom : 0;
        if (size > room)
            throw new VmmConfigurationException(
                $"{name} is {FormatBytes(size)}, but with {MemoryLayout.FormatSize(memoryBytes)} of RAM only {FormatBytes(room)} "
                + "fit between the kernel and the initrd limit: give the machine more memory");
        return (top - size) & ~0xfffUL;
    }

    private static string FormatBytes(ulong bytes) =>
        bytes >= MemoryLayout.MiB ? $"{bytes / (double)MemoryLayout.MiB:0.#} MiB" : $"{bytes} bytes";

    private static uint BitConverterLe(byte[] header, int offset) =>
        offset + 4 <= header.Length ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(offset)) : 0;
}
