namespace Tern.Vmm;

/// <summary>What to build: memory, vCPUs, the kernel and its command line, and (Linux only) an initrd.</summary>
public sealed record MachineConfig(ulong MemoryBytes, int VcpuCount, string KernelPath, string CommandLine, string? InitrdPath = null)
{
    public const int MaxVcpus = 2;

    /// <summary>KVM's bounds on a dirty ring: at least a page of 16-byte entries, at most 64k entries.</summary>
    public const uint MinDirtyRingEntries = 256, MaxDirtyRingEntries = 65536;

    /// <summary>
    /// Entries per vCPU dirty ring, a power of two; 0 = track dirty pages with KVM's per-slot bitmaps.
    /// A host choice, not guest state: it does not travel with a migration.
    /// </summary>
    public uint DirtyRingEntries { get; init; }

    /// <summary>Why <paramref name="entries"/> cannot be a dirty ring size, or null when it can (0 = no ring).</summary>
    public static string? DirtyRingProblem(uint entries) =>
        entries == 0 || (entries >= MinDirtyRingEntries && entries <= MaxDirtyRingEntries && (entries & (entries - 1)) == 0)
            ? null
            : $"--dirty-ring {entries} is not a power of two from {MinDirtyRingEntries} to {MaxDirtyRingEntries}";

    public void Validate(int hostVcpuLimit)
    {
        if (DirtyRingProblem(DirtyRingEntries) is { } problem)
            throw new VmmConfigurationException(problem);
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
