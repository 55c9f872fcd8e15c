namespace Tern.Memory.Tests;

public class MappedMemoryTests
{
    [Fact]
    public void Anonymous_memory_has_the_requested_length_and_no_memfd()
    {
        using var mapping = MappedMemory.Anonymous(64 * TestRam.Page);
        mapping.Length.ShouldBe(64 * TestRam.Page);
        mapping.Memfd.ShouldBe(-1);
        mapping.IsInvalid.ShouldBeFalse();
    }

    [Fact]
    public void Anonymous_memory_starts_zeroed()
    {
        using var memory = new GuestMemory([new MemoryRegion(0, 0, MappedMemory.Anonymous(4 * TestRam.Page))]);
        for (ulong page = 0; page < 4; page++)
            memory.IsZeroPage(page).ShouldBeTrue();
    }

    [Fact]
    public void Shared_memfd_memory_has_a_memfd()
    {
        using var mapping = MappedMemory.SharedMemfd("tern-test", 16 * TestRam.Page);
        mapping.Memfd.ShouldBeGreaterThanOrEqualTo(0);
        mapping.Length.ShouldBe(16 * TestRam.Page);
    }

    [Fact]
    public void Disposing_releases_the_mapping()
    {
        var mapping = MappedMemory.Anonymous(TestRam.Page);
        mapping.Dispose();
        mapping.IsClosed.ShouldBeTrue();
    }

    [Fact]
    public void Discarded_anonymous_pages_read_as_zero()
    {
        using var memory = new GuestMemory([TestRam.Region(0, 0, 4 * TestRam.Page)]);
        memory.Fill(0, 4 * TestRam.Page, 0xaa);

        memory.Regions[0].Mapping.Discard(TestRam.Page, 2 * TestRam.Page);

        memory.IsZeroPage(0).ShouldBeFalse();
        memory.IsZeroPage(1).ShouldBeTrue();
        memory.IsZeroPage(2).ShouldBeTrue();
        memory.IsZeroPage(3).ShouldBeFalse();
    }

    [Fact]
    public void Populated_pages_are_present_before_any_write_and_read_as_zero()
    {
        const ulong size = 4 * MappedMemory.HugePageSize;
        using var memory = new GuestMemory([new MemoryRegion(0, 0, MappedMemory.Anonymous(size))]);
        var region = memory.Regions[0];
        var first = MappedMemory.HugePageSize / TestRam.Page;

        region.Populate(first, 3).ShouldBeTrue();

        region.Mapping.DataRanges().ShouldContain(r => r.Offset <= first * TestRam.Page && (first + 3) * TestRam.Page <= r.Offset + r.Length);
        region.Mapping.DataRanges().ShouldNotContain(r => r.Offset < MappedMemory.HugePageSize, "nothing below the populated huge page was touched");
        memory.IsZeroPage(first + 1).ShouldBeTrue();
        Should.Throw<ArgumentOutOfRangeException>(() => region.Populate(size / TestRam.Page - 1, 2));
    }

    [Fact]
    public void Discard_past_the_end_of_the_mapping_throws()
    {
        using var mapping = MappedMemory.Anonymous(4 * TestRam.Page);
        Should.Throw<ArgumentOutOfRangeException>(() => mapping.Discard(3 * TestRam.Page, 2 * TestRam.Page));
    }

    [Fact]
    public void A_mapping_the_host_cannot_provide_is_a_memory_exception_with_its_errno()
    {
        // No address space holds 2^62 bytes, even with MAP_NORESERVE.
        var ex = Should.Throw<MemoryException>(() => MappedMemory.Anonymous(1UL << 62));
        ex.Errno.ShouldBe(Errno.ENOMEM);
        ex.Message.ShouldEndWith(": ENOMEM");
    }

    [Fact]
    public void Anonymous_memory_is_aligned_for_huge_pages()
    {
        using var mapping = MappedMemory.Anonymous(3 * MappedMemory.HugePageSize + TestRam.Page);
        ((ulong)mapping.Address % MappedMemory.HugePageSize).ShouldBe(0UL);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Data_ranges_hold_every_written_page_and_skip_untouched_huge_page_ranges(bool memfd)
    {
        const ulong size = 8 * MappedMemory.HugePageSize;
        using var memory = new GuestMemory([new MemoryRegion(0, 0, memfd ? MappedMemory.SharedMemfd("tern-test", size) : MappedMemory.Anonymous(size))]);
        ulong[] written = [0, 4 * MappedMemory.HugePageSize / TestRam.Page + 5, size / TestRam.Page - 1];
        foreach (var page in written)
            memory.Fill(new GuestAddress(page * TestRam.Page), 1, 0x5a);

        var ranges = memory.Regions[0].Mapping.DataRanges();

        foreach (var page in written)
            ranges.ShouldContain(r => r.Offset <= page * TestRam.Page && page * TestRam.Page < r.Offset + r.Length);
        var untouched = 2 * MappedMemory.HugePageSize + 7 * TestRam.Page;
        ranges.ShouldNotContain(r => r.Offset <= untouched && untouched < r.Offset + r.Length);
        ranges.ShouldAllBe(r => r.Offset % TestRam.Page == 0 && r.Length % TestRam.Page == 0 && r.Offset + r.Length <= size);
    }
}
