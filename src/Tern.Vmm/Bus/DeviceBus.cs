namespace Tern.Vmm.Bus;

/// <summary>
/// Address ranges mapped to devices: the port-I/O space and the MMIO space each have one. Ranges are
/// registered while the machine is built and looked up with a binary search on every exit, without
/// allocating. Accesses nobody claims read as all ones and are otherwise ignored, as on a real ISA bus.
/// </summary>
public sealed class DeviceBus(string name)
{
    private readonly record struct Range(ulong Start, ulong Length, IBusDevice Device);

    private Range[] _ranges = [];

    public string Name { get; } = name;

    public long UnclaimedAccesses => Interlocked.Read(ref _unclaimed);
    private long _unclaimed;

    public void Register(ulong start, ulong length, IBusDevice device)
    {
        if (length == 0)
            throw new ArgumentOutOfRangeException(nameof(length));
        foreach (var r in _ranges)
            if (start < r.Start + r.Length && r.Start < start + length)
                throw new InvalidOperationException($"{Name} range 0x{start:x}+{length} overlaps 0x{r.Start:x}+{r.Length}");
        _ranges = [.. _ranges.Append(new Range(start, length, device)).OrderBy(r => r.Start)];
    }

    public void Read(ulong address, Span<byte> data)
    {
        if (TryFind(address, out var range))
            range.Device.Read(address - range.Start, data);
        else
        {
            Interlocked.Increment(ref _unclaimed);
            data.Fill(0xff);
        }
    }

    public void Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (TryFind(address, out var range))
            range.Device.Write(address - range.Start, data);
        else
            Interlocked.Increment(ref _unclaimed);
    }

    private bool TryFind(ulong address, out Range found)
    {
        var ranges = _ranges;
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var r = ranges[mid];
            if (address < r.Start)
                hi = mid - 1;
            else if (address >= r.Start + r.Length)
                lo = mid + 1;
            else
            {
                found = r;
                return true;
            }
        }
        found = default;
        return false;
    }
}
