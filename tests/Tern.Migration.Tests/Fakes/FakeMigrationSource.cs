using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests.Fakes;

/// <summary>
/// A machine that exists only as a page dictionary and a list of state sections, recording what the
/// migration asked of it.
/// </summary>
internal sealed class FakeMigrationSource(
    ulong pageCount,
    IReadOnlyDictionary<ulong, byte[]> pages,
    IReadOnlyList<(ulong FirstPage, ulong PageCount)> populated,
    IReadOnlyList<StateSection> sections,
    int vcpuCount = 1) : IMigrationSource
{
    private readonly object _lock = new();
    private readonly List<string> _calls = [];

    public ulong MemoryBytes => pageCount * PageBatchWriter.PageSize;
    public int VcpuCount => vcpuCount;
    public IReadOnlyList<(ulong FirstPage, ulong PageCount)> PageRanges => [(0, pageCount)];
    public IReadOnlyList<(ulong FirstPage, ulong PageCount)> PopulatedPageRanges() => populated;
    public GuestProgressMonitor Progress { get; } = new(TimeProvider.System);

    /// <summary>Every page the guest holds, zero pages included.</summary>
    public IReadOnlyDictionary<ulong, byte[]> Pages => pages;

    public IReadOnlyList<StateSection> Sections => sections;

    /// <summary>Pause, Resume and Stop, in the order they were called.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_lock)
                return [.. _calls];
        }
    }

    public void Pause() => Record("pause");
    public void Resume() => Record("resume");
    public void Stop(string reason) => Record("stop");

    public void ReadPage(ulong pageNumber, Span<byte> destination)
    {
        if (pages.TryGetValue(pageNumber, out var data))
            data.CopyTo(destination);
        else
            destination.Clear();
    }

    // Dirty logging and throttling serve pre-copy only, which these fakes do not take part in.
    public void SetDirtyLogging(bool enabled) => Record(enabled ? "dirty-logging on" : "dirty-logging off");

    public void CollectDirtyPages(IReadOnlyList<Tern.Memory.DirtyBitmap> dirty) => Record("collect-dirty");

    public void SetThrottle(int percent) => Record($"throttle {percent}");

    public IReadOnlyList<StateSection> SaveState() => sections.Skip(1).ToList();

    public StateSection Describe() => sections[0];

    private void Record(string call)
    {
        lock (_lock)
            _calls.Add(call);
    }

    /// <summary>
    /// A machine of <paramref name="pageCount"/> pages, of which about <paramref name="nonZeroPages"/>
    /// hold random data. The populated ranges also cover pages that were touched but are zero again.
    /// </summary>
    public static FakeMigrationSource Random(int seed, ulong pageCount = 2048, int nonZeroPages = 300, int sectionCount = 4)
    {
        var random = new Random(seed);
        var populated = new List<(ulong, ulong)> { (0, pageCount / 4), (pageCount / 2, pageCount / 8) };
        var candidates = populated.SelectMany(r => Enumerable.Range(0, (int)r.Item2).Select(i => r.Item1 + (ulong)i)).ToArray();
        random.Shuffle(candidates);
        var pages = new Dictionary<ulong, byte[]>();
        foreach (var pfn in candidates.Take(nonZeroPages))
            pages[pfn] = RandomPage(random);
        foreach (var pfn in candidates.Skip(nonZeroPages).Take(nonZeroPages / 4))
            pages[pfn] = new byte[PageBatchWriter.PageSize]; // touched, but zero again
        var sections = Enumerable.Range(0, sectionCount)
            .Select(i => new StateSection(i == 0 ? "machine" : $"device/fake{i}", RandomBytes(random, random.Next(0, 3000))))
            .ToList();
        return new FakeMigrationSource(pageCount, pages, populated, sections);
    }

    private static byte[] RandomPage(Random random)
    {
        var page = RandomBytes(random, PageBatchWriter.PageSize);
        // Some pages are mostly zero with one byte set, as guest pages often are.
        if (random.Next(4) == 0)
        {
            Array.Clear(page);
            page[random.Next(page.Length)] = (byte)random.Next(1, 256);
        }
        return page;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
