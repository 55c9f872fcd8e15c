using Tern.Memory;

namespace Tern.Vmm.Boot;

/// <summary>
/// Where guest RAM goes in guest-physical space. RAM fills the bottom up to the 32-bit PCI hole
/// (3 GiB to 4 GiB, which holds the LAPIC/IOAPIC windows and KVM's TSS and identity-map pages); what
/// is left goes above 4 GiB, as on PC hardware.
/// </summary>
public static class MemoryLayout
{
    public const ulong MiB = 1UL << 20;
    public const ulong GiB = 1UL << 30;
    public const ulong PciHoleStart = 3 * GiB;
    public const ulong HighMemoryStart = 4 * GiB;
    public const ulong MinimumMemory = 128 * MiB;
    public const ulong MaximumMemory = 4 * GiB;

    /// <summary>KVM's three-page TSS and the identity-map page must be out of RAM; the top of the PCI hole is free.</summary>
    public const ulong TssAddress = 0xfffb_d000;
    public const ulong IdentityMapAddress = 0xfffb_c000;

    /// <summary>The end of conventional memory: the EBDA and BIOS area above it are reserved on every PC.</summary>
    public const ulong LowMemoryEnd = 0x9_fc00;
    public const ulong HighMemoryBase = 1 * MiB;

    public readonly record struct RamRange(GuestAddress Start, ulong Size)
    {
        public GuestAddress End => Start.Offset(Size);
    }

    public static IReadOnlyList<RamRange> RamRanges(ulong memoryBytes)
    {
        Validate(memoryBytes);
        var low = Math.Min(memoryBytes, PciHoleStart);
        var ranges = new List<RamRange> { new(new GuestAddress(0), low) };
        if (memoryBytes > low)
            ranges.Add(new RamRange(new GuestAddress(HighMemoryStart), memoryBytes - low));
        return ranges;
    }

    public static void Validate(ulong memoryBytes)
    {
        if (memoryBytes < MinimumMemory)
            throw new VmmConfigurationException($"memory {FormatSize(memoryBytes)} is below the minimum of {FormatSize(MinimumMemory)}");
        if (memoryBytes > MaximumMemory)
            throw new VmmConfigurationException($"memory {FormatSize(memoryBytes)} is above the maximum of {FormatSize(MaximumMemory)}");
        if (memoryBytes % GuestAddress.PageSize != 0)
            throw new VmmConfigurationException($"memory {memoryBytes} bytes is not a multiple of 4 KiB");
    }

    /// <summary>The guest-visible memory map (as e820 or a Multiboot mmap): usable RAM and the legacy holes.</summary>
    public static IReadOnlyList<MemoryMapEntry> MemoryMap(ulong memoryBytes)
    {
        var ranges = RamRanges(memoryBytes);
        var map = new List<MemoryMapEntry>
        {
            new(0, LowMemoryEnd, MemoryMapEntry.Kind.Usable),
            new(LowMemoryEnd, 0xa_0000 - LowMemoryEnd, MemoryMapEntry.Kind.Reserved),
            new(0xf_0000, 0x1_0000, MemoryMapEntry.Kind.Reserved),
            new(HighMemoryBase, ranges[0].End.Value - HighMemoryBase, MemoryMapEntry.Kind.Usable),
        };
        if (ranges.Count > 1)
            map.Add(new MemoryMapEntry(ranges[1].Start.Value, ranges[1].Size, MemoryMapEntry.Kind.Usable));
        return map;
    }

    public static string FormatSize(ulong bytes) =>
        bytes % GiB == 0 ? $"{bytes / GiB} GiB" : bytes % MiB == 0 ? $"{bytes / MiB} MiB" : $"{bytes} bytes";

    /// <summary>Parses sizes such as 512M, 2G, 1048576, 256MiB.</summary>
    public static ulong ParseSize(string text)
    {
        var s = text.Trim();
        ulong multiplier = 1;
        var suffixes = new (string Suffix, ulong Multiplier)[]
        {
            ("GiB", GiB), ("MiB", MiB), ("KiB", 1024), ("G", GiB), ("M", MiB), ("K", 1024),
        };
        foreach (var (suffix, value) in suffixes)
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                multiplier = value;
                s = s[..^suffix.Length];
                break;
            }
        if (!ulong.TryParse(s, out var number) || number == 0 || number > ulong.MaxValue / multiplier)
            throw new VmmConfigurationException($"'{text}' is not a size (examples: 512M, 2G)");
        return number * multiplier;
    }
}

public readonly record struct MemoryMapEntry(ulong Base, ulong Length, MemoryMapEntry.Kind Type)
{
    /// <summary>Values as in e820 and the Multiboot memory map.</summary>
    public enum Kind : uint
    {
        Usable = 1,
        Reserved = 2,
        Acpi = 3,
    }
}
