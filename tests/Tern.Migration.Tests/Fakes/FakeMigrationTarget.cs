using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests.Fakes;

/// <summary>A destination that keeps what it receives in memory and records which steps were taken.</summary>
internal sealed class FakeMigrationTarget : IMigrationTarget
{
    private readonly Dictionary<ulong, byte[]> _pages = [];
    private readonly HashSet<ulong> _zeroPages = [];

    public Hello? Hello { get; private set; }
    public ulong PageLimit { get; private set; }
    public IReadOnlyDictionary<ulong, byte[]> Pages => _pages;
    public IReadOnlySet<ulong> ZeroPages => _zeroPages;
    public IReadOnlyList<StateSection>? Restored { get; private set; }
    public StateSection? Booted { get; private set; }
    public bool Begun { get; private set; }
    public bool Started { get; private set; }
    public bool Aborted { get; private set; }
    public GuestProgressMonitor Progress { get; } = new(TimeProvider.System);

    /// <summary>When set, <see cref="Begin"/> throws this.</summary>
    public Exception? BeginFailure { get; init; }

    /// <summary>When set, <see cref="Restore"/> throws this.</summary>
    public Exception? RestoreFailure { get; init; }

    public StateSection? Description { get; private set; }

    public void Begin(Hello hello, StateSection description)
    {
        Description = description;
        if (BeginFailure is not null)
            throw BeginFailure;
        Begun = true;
        Hello = hello;
        PageLimit = hello.MemoryBytes / PageBatchWriter.PageSize;
    }

    /// <summary>Every range <see cref="Populate"/> was given, in order.</summary>
    public List<(ulong FirstPage, ulong PageCount)> Populated { get; } = [];

    public void Populate(IReadOnlyList<(ulong FirstPage, ulong PageCount)> ranges) => Populated.AddRange(ranges);

    public void WritePage(ulong pageNumber, ReadOnlySpan<byte> data) => _pages[pageNumber] = data.ToArray();

    public void WriteZeroPage(ulong pageNumber)
    {
        _zeroPages.Add(pageNumber);
        _pages.Remove(pageNumber);
    }

    public void ApplyPageDelta(ulong pageNumber, ReadOnlySpan<byte> delta)
    {
        var page = _pages.TryGetValue(pageNumber, out var held) ? held : new byte[PageBatchWriter.PageSize];
        Tern.Migration.Compression.XbzrleDelta.Apply(delta, page);
        _pages[pageNumber] = page;
        DeltaPages++;
    }

    /// <summary>Pages that arrived as XBZRLE deltas.</summary>
    public ulong DeltaPages { get; private set; }

    public void Restore(IReadOnlyList<StateSection> sections)
    {
        if (RestoreFailure is not null)
            throw RestoreFailure;
        Restored = sections;
    }

    public void Boot(StateSection description) => Booted = description;

    public void Start() => Started = true;

    public void Abort() => Aborted = true;
}
