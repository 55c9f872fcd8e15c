using System.Diagnostics;
using Tern.Memory;
using Tern.Migration.Ports;

namespace Tern.Migration.Strategies;

/// <summary>
/// The two page sets of a pre-copy round: the pages it sends (those dirtied during the previous round)
/// and the pages the guest has dirtied since it began. The second set is refreshed from the dirty log
/// while the round copies, at most once per refresh interval. A page found in it is stale already and
/// must travel again next round, so this round skips it (Xen's pre-copy does the same): a guest that
/// writes ahead of the copy no longer makes the link carry the same page twice.
/// </summary>
internal sealed class PreCopyPageSets
{
    private readonly IMigrationSource _source;
    private readonly IReadOnlyList<(ulong FirstPage, ulong PageCount)> _ranges;
    private readonly TimeSpan _refreshInterval;
    private List<DirtyBitmap> _toSend;
    private List<DirtyBitmap> _dirtiedSinceStart;
    private long _lastRefresh;

    /// <param name="refreshInterval">
    /// How often a round looks at the dirty log. Each look re-arms write protection for the pages it
    /// reports, so a guest that keeps rewriting the same pages faults once more per look; the interval
    /// bounds that cost.
    /// </param>
    public PreCopyPageSets(IMigrationSource source, TimeSpan refreshInterval)
    {
        _source = source;
        _ranges = source.PageRanges;
        _refreshInterval = refreshInterval;
        _toSend = _ranges.Select(r => new DirtyBitmap(r.PageCount)).ToList();
        _dirtiedSinceStart = _ranges.Select(r => new DirtyBitmap(r.PageCount)).ToList();
    }

    /// <summary>The pages the current round sends, one bitmap per entry of the source's page ranges.</summary>
    public IReadOnlyList<DirtyBitmap> ToSend => _toSend;

    /// <summary>The pages dirtied since the current round began, as of the last refresh.</summary>
    public IReadOnlyList<DirtyBitmap> DirtiedSinceStart => _dirtiedSinceStart;

    /// <summary>Pages left out of their round because the guest had dirtied them again, over all rounds.</summary>
    public ulong Skipped { get; private set; }

    /// <summary>Reads the dirty log into <see cref="DirtiedSinceStart"/>.</summary>
    public void Refresh()
    {
        _source.CollectDirtyPages(_dirtiedSinceStart);
        _lastRefresh = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts tracking: whatever the log held from before is forgotten, the first round copies everything.</summary>
    public void StartTracking()
    {
        Refresh();
        foreach (var bitmap in _dirtiedSinceStart)
            bitmap.Clear();
    }

    /// <summary>Ends a round: what the guest dirtied during it is what the next round sends.</summary>
    public void NextRound()
    {
        (_toSend, _dirtiedSinceStart) = (_dirtiedSinceStart, _toSend);
        foreach (var bitmap in _dirtiedSinceStart)
            bitmap.Clear();
    }

    /// <summary>
    /// Whether the page at <paramref name="offset"/> of range <paramref name="range"/> was dirtied since
    /// the round began, and so is not worth sending in it. Refreshes the set first when that is due.
    /// </summary>
    public bool IsStale(int range, ulong offset)
    {
        if (Stopwatch.GetElapsedTime(_lastRefresh) >= _refreshInterval)
            Refresh();
        if (!_dirtiedSinceStart[range].IsDirty(offset))
            return false;
        Skipped++;
        return true;
    }

    /// <summary>As <see cref="IsStale(int, ulong)"/>, for a guest page number.</summary>
    public bool IsStale(ulong pageNumber)
    {
        for (var i = 0; i < _ranges.Count; i++)
            if (pageNumber - _ranges[i].FirstPage < _ranges[i].PageCount)
                return IsStale(i, pageNumber - _ranges[i].FirstPage);
        return false;
    }
}
