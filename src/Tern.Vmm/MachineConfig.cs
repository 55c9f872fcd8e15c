namespace Tern.Vmm;

/// <summary>What to build: memory, vCPUs, the kernel and its command line, and (Linux only) an initrd.</summary>
public sealed record MachineConfig(ulong MemoryBytes, int VcpuCount, string KernelPath, string CommandLine, string? InitrdPath = null)
{
    public const int MaxVcpus = 2;

    public void Validate(int hostVcpuLimit)
    {
        Boot.MemoryLayout.Validate(MemoryBytes);
        var limit = Math.Min(MaxVcpus, hostVcpuLimit);
        if (VcpuCount < 1 || VcpuCount > limit)
            throw new VmmConfigurationException($"--cpus {VcpuCount} is out of range: this host allows 1 to {limit}");
        var available = HostMemory.TotalBytes();
        if (available > 0 && MemoryBytes > available)
            throw new VmmConfigurationException(
                $"memory {Boot.MemoryLayout.FormatSize(MemoryBytes)} exceeds this host's RAM ({available >> 20} MiB)");
    }
}

internal static class HostMemory
{
    /// <summary>MemTotal from /proc/meminfo, or 0 when it cannot be read.</summary>
    public static ulong TotalBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    return ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
