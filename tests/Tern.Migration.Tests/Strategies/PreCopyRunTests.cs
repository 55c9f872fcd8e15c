using Tern.Migration.Protocol;
using Tern.Migration.Strategies;
using Tern.Migration.Tests.Fakes;

namespace Tern.Migration.Tests.Strategies;

/// <summary>
/// Pre-copy between a guest that keeps writing and a destination that keeps what it receives: whatever
/// mix of deltas, whole pages, zero markers, cache evictions and pages left to the next round (because
/// the guest dirtied them again first) the rounds produce, the destination ends with exactly the
/// source's memory.
/// </summary>
public sealed class PreCopyRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1, 64L << 20, false)]   // XBZRLE, every page fits the cache
    [InlineData(2, 64L * 4096, false)]  // a cache of 64 slots for 512 pages: evictions all the time
    [InlineData(3, 0L, false)]          // XBZRLE off: whole pages only
    [InlineData(4, 0L, true)]           // the dirty log re-read before every page: many pages wait for the next round
    [InlineData(5, 64L << 20, true)]    // the same with XBZRLE
    public void The_destination_ends_with_exactly_the_sources_memory(int seed, long cacheBytes, bool refreshBeforeEveryPage)
    {
        var source = new MutatingMigrationSource(seed, pageCount: 512, writesPerRound: 150, busyRounds: 100);
        source.Start();
        var target = new FakeMigrationTarget();
        var options = new MigrationOptions(MigrationMode.PreCopy, "fake-source")
        {
            ResumeReportTimeout = Patience,
            StepTimeout = Patience,
            // A target no round can meet: the migration runs its 6 rounds, then switches over.
            PreCopy = new PreCopyOptions
            {
                DowntimeTarget = TimeSpan.FromTicks(1),
                MaxRounds = 6,
                XbzrleCacheBytes = cacheBytes,
                DirtyRefreshInterval = refreshBeforeEveryPage ? TimeSpan.Zero : TimeSpan.FromHours(1),
            },
        };

        var outcome = MigrationRun.Both(source, target, options, Patience);

        outcome.SenderError.ShouldBeNull();
        outcome.ReceiverError.ShouldBeNull();
        if (cacheBytes > 0)
            outcome.Report!.XbzrlePages.ShouldBeGreaterThan(0UL);
        else
            outcome.Report!.XbzrlePages.ShouldBe(0UL);
        target.DeltaPages.ShouldBe(outcome.Report.XbzrlePages);
        target.Populated.ShouldBe(source.PopulatedPageRanges(), "the destination is told up front which pages will arrive");
        var skipped = outcome.Report.RoundDetails.Aggregate(0UL, (sum, r) => sum + r.SkippedPages);
        if (refreshBeforeEveryPage)
            skipped.ShouldBeGreaterThan(0UL);
        else
            skipped.ShouldBe(0UL);
        for (ulong pfn = 0; pfn < 512; pfn++)
        {
            var expected = source.Pages.TryGetValue(pfn, out var data) ? data : new byte[PageBatchWriter.PageSize];
            var actual = target.Pages.TryGetValue(pfn, out var received) ? received : new byte[PageBatchWriter.PageSize];
            actual.ShouldBe(expected, $"page 0x{pfn:x}");
        }
    }
}
