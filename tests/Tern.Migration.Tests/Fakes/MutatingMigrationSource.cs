using Tern.Memory;
using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests.Fakes;

/// <summary>
/// A running guest for pre-copy: every time the migration collects dirty pages, the guest has
/// written some pages since — a few bytes of some (a delta's case), all of others, zeros to a few —
/// and they are reported dirty. Writes stop after <paramref name="busyRounds"/> collections, so
/// pre-copy converges; the pause itself still sees one last batch of writes.
/// </summary>
internal sealed class MutatingMigrationSource(int seed, ulong pageCount, int writesPerRound, int busyRounds) : IMigrationSource
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<ulong, byte[]> _pages = [];
    private readonly List<ulong> _written = [];
    private int _collections;
    private bool _paused;

    public ulong MemoryBytes => pageCount * PageBatchWriter.PageSize;
    public int VcpuCount => 1;
    public IReadOnlyList<(ulong FirstPage, ulong PageCount)> PageRanges => [(0, pageCount)];
    public IReadOnlyList<(ulong FirstPage, ulong PageCount)> PopulatedPageRanges() => [(0, pageCount)];
    public GuestProgressMonitor Progress { get; } = new(TimeProvider.System);
    public IReadOnlyDictionary<ulong, byte[]> Pages => _pages;

    public void Start()
    {
        for (ulong pfn = 0; pfn < pageCount; pfn++)
            if (_random.Next(4) != 0)
                _pages[pfn] = RandomPage();
    }

    public void Pause()
    {
        // What the guest wrote between the last round and the pause: sent in the stop-and-copy.
        Write();
        _paused = true;
    }

    public void Resume() => _paused = false;
    public void Stop(string reason) { }

    public void ReadPage(ulong pageNumber, Span<byte> destination)
    {
        if (_pages.TryGetValue(pageNumber, out var data))
            data.CopyTo(destination);
        else
            destination.Clear();
    }

    public void SetDirtyLogging(bool enabled) { }
    public void SetThrottle(int percent) { }

    public void CollectDirtyPages(IReadOnlyList<DirtyBitmap> dirty)
    {
        if (!_paused && _collections++ < busyRounds)
            Write();
        foreach (var pfn in _written)
            dirty[0].Mark(pfn);
        _written.Clear();
    }

    private void Write()
    {
        for (var i = 0; i < writesPerRound; i++)
        {
            var pfn = (ulong)_random.NextInt64((long)pageCount);
            _written.Add(pfn);
            switch (_random.Next(10))
            {
                case 0:
                    _pages.Remove(pfn);
                    break;
                case 1:
                    _pages[pfn] = RandomPage();
                    break;
                default:
                    var page = _pages.TryGetValue(pfn, out var held) ? held : _pages[pfn] = new byte[PageBatchWriter.PageSize];
                    for (var n = _random.Next(1, 6); n > 0; n--)
                        page[_random.Next(page.Length)] = (byte)_random.Next(256);
                    break;
            }
        }
    }

    private byte[] RandomPage()
    {
        var page = new byte[PageBatchWriter.PageSize];
        _random.NextBytes(page);
        return page;
    }

    public IReadOnlyList<StateSection> SaveState() => [new StateSection("device/fake", [1, 2, 3])];

    public StateSection Describe() => new(Tern.Migration.Strategies.MigrationReceiver.MachineDescriptionId, [4, 5, 6]);
}
