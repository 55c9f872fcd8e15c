using Tern.Migration.Compression;

namespace Tern.Migration.Tests.Compression;

public sealed class XbzrleCacheTests
{
    private static byte[] Filled(byte value) => Enumerable.Repeat(value, 4096).ToArray();

    [Fact]
    public void A_stored_page_is_a_hit_until_a_page_sharing_its_slot_replaces_it_once_it_is_no_longer_fresh()
    {
        var cache = new XbzrleCache(4 * 4096);
        cache.Lookup(5, out var hit);
        hit.ShouldBeFalse();

        cache.Store(5, Filled(1), round: 1).ShouldBeTrue();
        cache.Lookup(5, out hit).ToArray().ShouldBe(Filled(1));
        hit.ShouldBeTrue();

        // 9 % 4 == 5 % 4. Page 5 was stored in round 1: fresh in rounds 1 and 2, so it keeps its slot.
        cache.Store(9, Filled(2), round: 2).ShouldBeFalse();
        cache.Lookup(9, out hit);
        hit.ShouldBeFalse();
        cache.Lookup(5, out hit).ToArray().ShouldBe(Filled(1));
        hit.ShouldBeTrue();

        // The page itself is always updated, fresh or not.
        cache.Store(5, Filled(3), round: 2).ShouldBeTrue();
        cache.Lookup(5, out _).ToArray().ShouldBe(Filled(3));

        cache.Store(9, Filled(2), round: 4).ShouldBeTrue();
        cache.Lookup(5, out hit);
        hit.ShouldBeFalse();
        cache.Lookup(9, out hit).ToArray().ShouldBe(Filled(2));
        hit.ShouldBeTrue();
    }

    [Fact]
    public void A_forgotten_page_misses_and_forgetting_another_page_of_the_slot_changes_nothing()
    {
        var cache = new XbzrleCache(4 * 4096);
        cache.Store(2, Filled(3), round: 1);
        cache.Forget(6);
        cache.Lookup(2, out var hit);
        hit.ShouldBeTrue();
        cache.Forget(2);
        cache.Lookup(2, out hit);
        hit.ShouldBeFalse();
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(4095L)]
    [InlineData((1L << 30) + 1)]
    public void A_cache_size_out_of_range_is_refused(long bytes) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new XbzrleCache(bytes));
}
