using BenchmarkDotNet.Attributes;
using Tern.Memory;

namespace Tern.Bench;

/// <summary>
/// The dirty bitmap of a 512 MiB guest (131072 pages, 2048 words) at two densities: 1% of pages
/// dirty, as in a late pre-copy round, and 50%, as in an early one. Pages are chosen with a fixed
/// seed so every run scans the same bitmap.
/// </summary>
[MemoryDiagnoser]
public class DirtyBitmapBenchmarks
{
    private const ulong GuestBytes = 512UL << 20;
    private const ulong PageCount = GuestBytes / 4096;
    private const int MarksPerInvoke = 4096;

    private DirtyBitmap _bitmap = null!;
    private ulong[] _kvmLog = null!;
    private ulong[] _taken = null!;
    private ulong[] _markPages = null!;

    [Params(1, 50)]
    public int DensityPercent { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _bitmap = new DirtyBitmap(PageCount);
        _kvmLog = new ulong[(PageCount + 63) / 64];
        _taken = new ulong[_kvmLog.Length];
        for (ulong page = 0; page < PageCount; page++)
            if (random.Next(100) < DensityPercent)
                _kvmLog[page >> 6] |= 1UL << (int)(page & 63);
        _markPages = new ulong[MarksPerInvoke];
        for (var i = 0; i < _markPages.Length; i++)
            _markPages[i] = (ulong)random.NextInt64((long)PageCount);
    }

    /// <summary>One VMM-side write's mark (interlocked OR), per page; random pages over the whole guest.</summary>
    [Benchmark(OperationsPerInvoke = MarksPerInvoke)]
    public void Mark()
    {
        foreach (var page in _markPages)
            _bitmap.Mark(page);
    }

    /// <summary>ORing KVM's dirty log for the whole slot into the VMM's bitmap.</summary>
    [Benchmark]
    public void Merge() => _bitmap.Merge(_kvmLog);

    /// <summary>A round's harvest: merge KVM's log, then take (swap out and clear) every word.</summary>
    [Benchmark]
    public void MergeThenTakeInto()
    {
        _bitmap.Merge(_kvmLog);
        _bitmap.TakeInto(_taken);
    }

    /// <summary>Taking an already clean bitmap: the scan alone, no interlocked exchange.</summary>
    [Benchmark]
    public void TakeIntoClean()
    {
        _bitmap.Clear();
        _bitmap.TakeInto(_taken);
    }

    /// <summary>Walking the dirty page numbers of the KVM log in order, as the sender does each round.</summary>
    [Benchmark]
    public ulong EnumerateSet()
    {
        ulong sum = 0;
        foreach (var page in DirtyBitmap.EnumerateSet(_kvmLog))
            sum += page;
        return sum;
    }

    [Benchmark]
    public ulong CountDirty()
    {
        _bitmap.Clear();
        _bitmap.Merge(_kvmLog);
        return _bitmap.CountDirty();
    }
}
