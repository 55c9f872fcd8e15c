using Tern.Migration.Protocol;
using Tern.Migration.Strategies;
using Tern.Migration.Tests.Fakes;

namespace Tern.Migration.Tests.Strategies;

/// <summary>
/// Pre-copy with XBZRLE between a guest that keeps writing and a destination that keeps what it
/// receives: whatever mix of deltas, whole pages, zero markers and cache evictions the rounds produce,
/// the destination ends with exactly the source's memory.
/// </summary>
public sealed class XbzrlePreCopyRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1, 64L << 20)]   // every page fits the cache
    [InlineData(2, 64L * 4096)]  // a cache of 64 slots for 512 pages: evictions all the time
    [InlineData(3, 0L)]          // XBZRLE off: the same run, whole pages only
    public void The_destination_ends_with_exactly_the_sources_memory(int seed, long cacheBytes)
    {
        var source = new MutatingMigrationSource(seed, pageCount: 512, writesPerRound: 150, busyRounds: 100);
        source.Start();
        var target = new FakeMigrationTarget();
        var options = new MigrationOptions(MigrationMode.PreCopy, "fake-source")
        {
            ResumeReportTimeout = Patience,
            StepTimeout = Patience,
            // A target no round can meet: the migration runs its 6 rounds, then switches over.
            PreCopy = new PreCopyOptions { DowntimeTarget = TimeSpan.FromTicks(1), MaxRounds = 6, XbzrleCacheBytes = cacheBytes },
        };

        var outcome = MigrationRun.Both(source, target, options, Patience);

        outcome.SenderError.ShouldBeNull();
        outcome.ReceiverError.ShouldBeNull();
        if (cacheBytes > 0)
            outcome.Report!.XbzrlePages.ShouldBeGreaterThan(0UL);
        else
            outcome.Report!.XbzrlePages.ShouldBe(0UL);
        target.DeltaPages.ShouldBe(outcome.Report.XbzrlePages);
        for (ulong pfn = 0; pfn < 512; pfn++)
        {
            var expected = source.Pages.TryGetValue(pfn, out var data) ? data : new byte[PageBatchWriter.PageSize];
            var actual = target.Pages.TryGetValue(pfn, out var received) ? received : new byte[PageBatchWriter.PageSize];
            actual.ShouldBe(expected, $"page 0x{pfn:x}");
        }
    }
}
