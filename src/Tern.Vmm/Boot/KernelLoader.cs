using System.Buffers.Binary;
using Tern.Memory;

namespace Tern.Vmm.Boot;

/// <summary>Where the boot CPU starts after a kernel was loaded.</summary>
public readonly record struct BootEntry(ulong Entry, uint Eax, uint Ebx);

/// <summary>Reads a kernel file, recognises its boot protocol and places it and its boot information in guest memory.</summary>
public static class KernelLoader
{
    public const int MaxKernelBytes = 256 << 20;

    public static byte[] ReadKernelFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
                throw new VmmConfigurationException(Directory.Exists(path) ? $"kernel {path} is a directory" : $"kernel {path}: no such file");
            if (info.Length > MaxKernelBytes)
                throw new VmmConfigurationException($"kernel {path} is {info.Length >> 20} MiB, larger than any kernel Tern loads");
            return File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new VmmConfigurationException($"kernel {path}: permission denied", ex);
        }
        catch (IOException ex)
        {
            throw new VmmConfigurationException($"kernel {path}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A Linux kernel (bzImage or 64-bit ELF vmlinux) without a Multiboot header: it boots through
    /// <see cref="Linux.LinuxKernel"/> and the 64-bit boot protocol. Multiboot wins when a file has both.
    /// </summary>
    public static bool IsLinux(ReadOnlySpan<byte> file) =>
        !MultibootKernel.TryFindHeader(file, out _) && Linux.LinuxKernel.Recognises(file);

    public static BootEntry Load(GuestMemory memory, ulong memoryBytes, byte[] file, string name, string commandLine)
    {
        if (!MultibootKernel.TryFindHeader(file, out _))
        {
            // A kernel for another architecture (an arm64 vmlinux, say) deserves its own reason.
            if (ElfImage.LooksLikeElf(file) && file.Length >= 20 && BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(18)) is var machine
                && machine is not (ElfImage.MachineX86 or ElfImage.MachineX8664))
                throw new VmmConfigurationException($"{name}: an ELF file for machine {machine}, not x86: not a kernel Tern can boot");
            throw new VmmConfigurationException($"{name}: not a kernel Tern can boot (no Multiboot header)");
        }
        var kernel = MultibootKernel.Parse(file, name);
        foreach (var chunk in kernel.Chunks)
        {
            // Multiboot enters in 32-bit mode: the image and the information after it must lie below 4 GiB.
            if (chunk.Address < MemoryLayout.HighMemoryBase || chunk.Address + chunk.MemorySize > uint.MaxValue
                || !memory.IsMapped(chunk.Address, chunk.MemorySize))
                throw new VmmConfigurationException(
                    $"{name}: segment at 0x{chunk.Address:x} (+{chunk.MemorySize} bytes) does not fit in guest RAM");
            memory.Write(chunk.Address, file.AsSpan((int)chunk.FileOffset, (int)chunk.FileSize));
            if (chunk.MemorySize > chunk.FileSize)
                memory.Fill(chunk.Address + chunk.FileSize, chunk.MemorySize - chunk.FileSize, 0);
        }

        var infoAddress = (kernel.End + 0xfff) & ~0xfffUL;
        var info = MultibootInfo.Build(infoAddress, MemoryLayout.MemoryMap(memoryBytes), commandLine);
        if (!memory.IsMapped(infoAddress, (ulong)info.Length) || infoAddress + (ulong)info.Length > uint.MaxValue)
            throw new VmmConfigurationException($"{name}: no room for boot information after the kernel");
        memory.Write(infoAddress, info);
        return new BootEntry(kernel.Entry, MultibootKernel.BootloaderMagic, (uint)infoAddress);
    }
}
