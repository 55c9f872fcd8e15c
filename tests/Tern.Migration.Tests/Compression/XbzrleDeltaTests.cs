using FsCheck.Xunit;
using Tern.Migration.Compression;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests.Compression;

public sealed class XbzrleDeltaTests
{
    private const int Page = PageBatchWriter.PageSize;

    private static byte[] RandomPage(Random random)
    {
        var page = new byte[Page];
        random.NextBytes(page);
        return page;
    }

    /// <summary>A page, then the same page with <paramref name="edits"/> runs of 1–64 bytes rewritten.</summary>
    private static (byte[] Previous, byte[] Current) Edited(int seed, int edits)
    {
        var random = new Random(seed);
        var previous = random.Next(3) == 0 ? new byte[Page] : RandomPage(random);
        var current = (byte[])previous.Clone();
        for (var i = 0; i < edits; i++)
        {
            var at = random.Next(Page);
            var run = Math.Min(random.Next(1, 65), Page - at);
            for (var j = 0; j < run; j++)
                current[at + j] = (byte)random.Next(256);
        }
        return (previous, current);
    }

    [Property(MaxTest = 300)]
    public bool Applying_the_delta_to_the_previous_page_gives_the_current_page(int seed, byte edits)
    {
        var (previous, current) = Edited(seed, edits % 80);
        var delta = new byte[Page];
        var length = XbzrleDelta.Encode(previous, current, delta);
        length.ShouldBeGreaterThanOrEqualTo(0);
        var page = (byte[])previous.Clone();
        XbzrleDelta.Apply(delta.AsSpan(0, length), page);
        return page.AsSpan().SequenceEqual(current);
    }

    [Property(MaxTest = 200)]
    public bool A_delta_that_does_not_fit_is_refused_rather_than_cut(int seed, byte edits)
    {
        var (previous, current) = Edited(seed, edits % 120);
        var output = new byte[PageBatchWriter.MaxDeltaLength];
        var length = XbzrleDelta.Encode(previous, current, output);
        if (length < 0)
            return true;
        var page = (byte[])previous.Clone();
        XbzrleDelta.Apply(output.AsSpan(0, length), page);
        return page.AsSpan().SequenceEqual(current);
    }

    [Fact]
    public void Equal_pages_encode_to_nothing_and_one_changed_word_to_a_few_bytes()
    {
        var previous = RandomPage(new Random(7));
        var output = new byte[Page];
        XbzrleDelta.Encode(previous, previous, output).ShouldBe(0);

        var current = (byte[])previous.Clone();
        current[1000] ^= 0xff;
        current[1003] ^= 0x01;
        // (1000 unchanged: 2 bytes, 4 changed: 1 byte, 4 literal bytes)
        XbzrleDelta.Encode(previous, current, output).ShouldBe(7);
    }

    [Fact]
    public void A_wholly_different_page_does_not_fit_half_a_page()
    {
        var random = new Random(3);
        XbzrleDelta.Encode(RandomPage(random), RandomPage(random), new byte[PageBatchWriter.MaxDeltaLength]).ShouldBe(-1);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 }, "truncated")]                       // a length with its continuation bit and nothing after
    [InlineData(new byte[] { 0x00 }, "truncated")]                       // an unchanged run without its changed run
    [InlineData(new byte[] { 0x00, 0x00 }, "empty run")]                 // a changed run of no bytes
    [InlineData(new byte[] { 0x00, 0x05, 1, 2 }, "past the end")]        // 5 literal bytes announced, 2 present
    [InlineData(new byte[] { 0x81, 0x20, 0x01, 9 }, "past the end")]     // unchanged run of 4097
    [InlineData(new byte[] { 0xff, 0x1f, 0x02, 1, 2 }, "past the end")] // 4095 unchanged, then 2 changed
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x01 }, "overlong")]      // a length of more than three bytes
    public void A_malformed_delta_is_a_stream_error(byte[] delta, string reason)
    {
        var page = new byte[Page];
        var ex = Should.Throw<MigrationStreamException>(() => XbzrleDelta.Apply(delta, page));
        ex.Message.ShouldContain(reason);
    }
}
