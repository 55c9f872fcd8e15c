using FsCheck.Xunit;

namespace Tern.Memory.Tests;

public class DirtyBitmapTests
{
    [Fact]
    public void A_new_bitmap_is_clean()
    {
        var bitmap = new DirtyBitmap(100);
        bitmap.CountDirty().ShouldBe(0UL);
        bitmap.IsDirty(0).ShouldBeFalse();
    }

    [Theory]
    [InlineData(0UL, 0)]
    [InlineData(1UL, 1)]
    [InlineData(64UL, 1)]
    [InlineData(65UL, 2)]
    public void Holds_one_64_bit_word_per_64_pages_rounded_up(ulong pages, int words) =>
        new DirtyBitmap(pages).Words.Length.ShouldBe(words);

    [Fact]
    public void Mark_sets_the_bit_of_that_page_in_kvm_layout()
    {
        var bitmap = new DirtyBitmap(128);
        bitmap.Mark(65);
        bitmap.IsDirty(65).ShouldBeTrue();
        bitmap.Words[1].ShouldBe(1UL << 1);
        bitmap.Words[0].ShouldBe(0UL);
    }

    [Fact]
    public void Marking_a_page_twice_counts_once()
    {
        var bitmap = new DirtyBitmap(10);
        bitmap.Mark(3);
        bitmap.Mark(3);
        bitmap.CountDirty().ShouldBe(1UL);
    }

    [Fact]
    public void Mark_beyond_the_last_page_throws()
    {
        var bitmap = new DirtyBitmap(10);
        Should.Throw<ArgumentOutOfRangeException>(() => bitmap.Mark(10));
    }

    [Fact]
    public void IsDirty_beyond_the_last_page_is_false_rather_than_an_error() =>
        new DirtyBitmap(10).IsDirty(1_000).ShouldBeFalse();

    [Fact]
    public void MarkRange_marks_exactly_the_pages_in_the_range()
    {
        var bitmap = new DirtyBitmap(200);
        bitmap.MarkRange(62, 5);
        Pages(bitmap).ShouldBe([62UL, 63, 64, 65, 66]);
    }

    [Fact]
    public void MarkRange_of_zero_pages_marks_nothing()
    {
        var bitmap = new DirtyBitmap(10);
        bitmap.MarkRange(4, 0);
        bitmap.CountDirty().ShouldBe(0UL);
    }

    [Fact]
    public void MarkRange_running_past_the_end_throws()
    {
        var bitmap = new DirtyBitmap(10);
        Should.Throw<ArgumentOutOfRangeException>(() => bitmap.MarkRange(8, 3));
    }

    [Fact]
    public void Merge_ors_another_bitmap_into_this_one()
    {
        var bitmap = new DirtyBitmap(128);
        bitmap.Mark(0);
        bitmap.Merge([0b110UL, 1UL << 63]);
        Pages(bitmap).ShouldBe([0UL, 1, 2, 127]);
    }

    [Fact]
    public void Merge_of_a_shorter_bitmap_leaves_the_remaining_words_alone()
    {
        var bitmap = new DirtyBitmap(128);
        bitmap.Mark(100);
        bitmap.Merge([1UL]);
        Pages(bitmap).ShouldBe([0UL, 100]);
    }

    [Fact]
    public void Merge_of_a_longer_bitmap_throws()
    {
        var bitmap = new DirtyBitmap(64);
        Should.Throw<ArgumentException>(() => bitmap.Merge([0UL, 0UL]));
    }

    [Fact]
    public void TakeInto_moves_the_set_bits_out_and_leaves_the_bitmap_clean()
    {
        var bitmap = new DirtyBitmap(128);
        bitmap.Mark(5);
        bitmap.Mark(70);
        var taken = new ulong[2];

        bitmap.TakeInto(taken);

        taken.ShouldBe([1UL << 5, 1UL << 6]);
        bitmap.CountDirty().ShouldBe(0UL);
    }

    [Fact]
    public void TakeInto_overwrites_stale_bits_in_the_destination()
    {
        var bitmap = new DirtyBitmap(64);
        var taken = new[] { ulong.MaxValue };
        bitmap.TakeInto(taken);
        taken[0].ShouldBe(0UL);
    }

    [Fact]
    public void TakeInto_a_destination_too_small_throws()
    {
        var bitmap = new DirtyBitmap(65);
        Should.Throw<ArgumentException>(() => bitmap.TakeInto(new ulong[1]));
    }

    [Theory]
    [InlineData(64UL)]
    [InlineData(100UL)]
    [InlineData(1UL)]
    public void SetAll_marks_every_page_and_no_bit_beyond_the_last(ulong pages)
    {
        var bitmap = new DirtyBitmap(pages);
        bitmap.SetAll();
        bitmap.CountDirty().ShouldBe(pages);
        bitmap.IsDirty(pages - 1).ShouldBeTrue();
    }

    [Fact]
    public void Clear_cleans_every_page()
    {
        var bitmap = new DirtyBitmap(100);
        bitmap.SetAll();
        bitmap.Clear();
        bitmap.CountDirty().ShouldBe(0UL);
    }

    [Fact]
    public void EnumerateSet_yields_dirty_pages_in_ascending_order()
    {
        ulong[] words = [(1UL << 63) | 1, 0, 1UL << 2];
        var pages = new List<ulong>();
        foreach (var page in DirtyBitmap.EnumerateSet(words))
            pages.Add(page);
        pages.ShouldBe([0UL, 63, 130]);
    }

    [Fact]
    public void EnumerateSet_of_a_clean_bitmap_yields_nothing()
    {
        var count = 0;
        foreach (var _ in DirtyBitmap.EnumerateSet([0UL, 0UL]))
            count++;
        count.ShouldBe(0);
    }

    [Property]
    public bool EnumerateSet_yields_exactly_the_marked_pages(ushort[] marks)
    {
        var bitmap = new DirtyBitmap(70_000);
        foreach (var m in marks)
            bitmap.Mark(m);
        var expected = marks.Select(m => (ulong)m).Distinct().Order().ToList();
        return Pages(bitmap).SequenceEqual(expected) && bitmap.CountDirty() == (ulong)expected.Count;
    }

    [Fact]
    public void Concurrent_marks_from_several_threads_are_all_kept()
    {
        var bitmap = new DirtyBitmap(64 * 8);
        Parallel.For(0, 8, thread =>
        {
            // Every thread hits the same words, so a lost update would leave a bit clear.
            for (var i = 0; i < 64; i++)
                bitmap.Mark((ulong)(i * 8 + thread));
        });
        bitmap.CountDirty().ShouldBe(64UL * 8);
    }

    private static List<ulong> Pages(DirtyBitmap bitmap)
    {
        var pages = new List<ulong>();
        foreach (var page in DirtyBitmap.EnumerateSet(bitmap.Words))
            pages.Add(page);
        return pages;
    }
}
