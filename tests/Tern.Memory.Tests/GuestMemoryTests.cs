using FsCheck.Xunit;

namespace Tern.Memory.Tests;

public class GuestMemoryTests
{
    private const ulong Page = TestRam.Page;

    [Fact]
    public void Needs_at_least_one_region() =>
        Should.Throw<MemoryException>(() => new GuestMemory([]));

    [Fact]
    public void Overlapping_regions_are_refused()
    {
        using var low = TestRam.Region(0, 0, 2 * Page);
        using var high = TestRam.Region(1, Page, 2 * Page);
        Should.Throw<MemoryException>(() => new GuestMemory([low, high]));
    }

    [Fact]
    public void Keeps_regions_ordered_by_address_whatever_the_order_given()
    {
        using var memory = new GuestMemory([TestRam.Region(1, 0x10_0000, Page), TestRam.Region(0, 0, Page)]);
        memory.Regions.Select(r => r.Start.Value).ShouldBe([0UL, 0x10_0000]);
    }

    [Fact]
    public void Total_size_is_the_sum_of_the_regions()
    {
        using var memory = TestRam.Memory((0, 4 * Page), (0x10_0000, 2 * Page));
        memory.TotalSize.ShouldBe(6 * Page);
    }

    [Fact]
    public void FindRegion_returns_the_region_holding_an_address_or_null_in_a_hole()
    {
        using var memory = TestRam.Memory((0, Page), (0x10_0000, Page));
        memory.FindRegion(0x10_0fff)!.Slot.ShouldBe(1);
        memory.FindRegion(Page).ShouldBeNull();
    }

    [Fact]
    public void IsMapped_is_true_for_a_range_spanning_adjacent_regions()
    {
        using var memory = TestRam.Memory((0, Page), (Page, Page));
        memory.IsMapped(0x800, Page).ShouldBeTrue();
    }

    [Fact]
    public void IsMapped_is_false_for_a_range_running_into_a_hole()
    {
        using var memory = TestRam.Memory((0, Page), (2 * Page, Page));
        memory.IsMapped(0x800, Page).ShouldBeFalse();
        memory.IsMapped(3 * Page - 1, 2).ShouldBeFalse();
    }

    [Fact]
    public void Write_then_Read_returns_the_bytes()
    {
        using var memory = TestRam.Memory((0, 4 * Page));
        var data = TestRam.Pattern(300);
        memory.Write(0x123, data);

        var back = new byte[300];
        memory.Read(0x123, back);
        back.ShouldBe(data);
    }

    [Fact]
    public void A_write_spanning_two_adjacent_regions_lands_in_both()
    {
        using var memory = TestRam.Memory((0, Page), (Page, Page));
        var data = TestRam.Pattern(16);
        memory.Write(Page - 8, data);

        var back = new byte[16];
        memory.Read(Page - 8, back);
        back.ShouldBe(data);
        memory.Read<byte>(Page).ShouldBe(data[8]);
    }

    [Fact]
    public void A_write_marks_every_page_it_touches_dirty_and_no_other()
    {
        using var memory = TestRam.Memory((0, 8 * Page));
        memory.Write(Page + 0xff0, new byte[0x20]);
        TestRam.DirtyPages(memory.Regions[0]).ShouldBe([1UL, 2]);
    }

    [Fact]
    public void A_write_across_regions_marks_pages_in_each_region_relative_to_its_start()
    {
        using var memory = TestRam.Memory((0, 2 * Page), (2 * Page, 2 * Page));
        memory.Write(2 * Page - 1, new byte[2]);
        TestRam.DirtyPages(memory.Regions[0]).ShouldBe([1UL]);
        TestRam.DirtyPages(memory.Regions[1]).ShouldBe([0UL]);
    }

    [Fact]
    public void An_empty_write_marks_nothing()
    {
        using var memory = TestRam.Memory((0, Page));
        memory.Write(0x10, ReadOnlySpan<byte>.Empty);
        memory.Regions[0].Dirty.CountDirty().ShouldBe(0UL);
    }

    [Fact]
    public void Reads_do_not_mark_pages_dirty()
    {
        using var memory = TestRam.Memory((0, Page));
        memory.Read(0, new byte[Page]);
        memory.Read<ulong>(8);
        memory.Regions[0].Dirty.CountDirty().ShouldBe(0UL);
    }

    [Fact]
    public void Reading_from_a_hole_throws()
    {
        using var memory = TestRam.Memory((0, Page));
        Should.Throw<MemoryException>(() => memory.Read(Page, new byte[1]));
    }

    [Fact]
    public void Reading_across_the_end_of_ram_throws()
    {
        using var memory = TestRam.Memory((0, Page));
        Should.Throw<MemoryException>(() => memory.Read(Page - 2, new byte[4]));
    }

    [Fact]
    public void Writing_to_a_hole_throws()
    {
        using var memory = TestRam.Memory((0, Page), (3 * Page, Page));
        Should.Throw<MemoryException>(() => memory.Write(2 * Page, new byte[1]));
    }

    [Fact]
    public void Writing_across_the_end_of_ram_throws()
    {
        using var memory = TestRam.Memory((0, Page));
        Should.Throw<MemoryException>(() => memory.Write(Page - 2, new byte[4]));
    }

    [Fact]
    public void Typed_values_are_stored_little_endian()
    {
        using var memory = TestRam.Memory((0, Page));
        memory.Write<uint>(0x40, 0x1122_3344);

        var bytes = new byte[4];
        memory.Read(0x40, bytes);
        bytes.ShouldBe([0x44, 0x33, 0x22, 0x11]);
        memory.Read<uint>(0x40).ShouldBe(0x1122_3344u);
    }

    [Fact]
    public void A_typed_write_spanning_two_regions_reads_back_whole()
    {
        using var memory = TestRam.Memory((0, Page), (Page, Page));
        memory.Write<ulong>(Page - 3, 0x0102_0304_0506_0708);
        memory.Read<ulong>(Page - 3).ShouldBe(0x0102_0304_0506_0708UL);
    }

    [Fact]
    public void A_typed_write_marks_its_page_dirty()
    {
        using var memory = TestRam.Memory((0, 4 * Page));
        memory.Write<ushort>(3 * Page + 2, 7);
        TestRam.DirtyPages(memory.Regions[0]).ShouldBe([3UL]);
    }

    [Fact]
    public void Fill_sets_exactly_the_range_and_marks_it_dirty()
    {
        using var memory = TestRam.Memory((0, 4 * Page));
        memory.Fill(Page + 1, Page, 0x5a);

        memory.Read<byte>(Page).ShouldBe((byte)0);
        memory.Read<byte>(Page + 1).ShouldBe((byte)0x5a);
        memory.Read<byte>(2 * Page).ShouldBe((byte)0x5a);
        memory.Read<byte>(2 * Page + 1).ShouldBe((byte)0);
        TestRam.DirtyPages(memory.Regions[0]).ShouldBe([1UL, 2]);
    }

    [Fact]
    public void Fill_spans_adjacent_regions()
    {
        using var memory = TestRam.Memory((0, Page), (Page, Page));
        memory.Fill(0, 2 * Page, 0xff);
        memory.IsZeroPage(0).ShouldBeFalse();
        memory.Read<byte>(2 * Page - 1).ShouldBe((byte)0xff);
    }

    [Fact]
    public void Fill_into_a_hole_throws()
    {
        using var memory = TestRam.Memory((0, Page));
        Should.Throw<MemoryException>(() => memory.Fill(0, 2 * Page, 0));
    }

    [Fact]
    public void ReadPage_copies_one_whole_page()
    {
        using var memory = TestRam.Memory((0, 2 * Page), (0x10_0000, 2 * Page));
        var data = TestRam.Pattern((int)Page);
        memory.Write(0x10_1000, data);

        var page = new byte[Page];
        memory.ReadPage(0x101, page);
        page.ShouldBe(data);
    }

    [Fact]
    public void WritePageUntracked_stores_a_page_without_marking_it_dirty()
    {
        using var memory = TestRam.Memory((0, 2 * Page));
        var data = TestRam.Pattern((int)Page);

        memory.WritePageUntracked(1, data);

        var back = new byte[Page];
        memory.ReadPage(1, back);
        back.ShouldBe(data);
        memory.Regions[0].Dirty.CountDirty().ShouldBe(0UL);
    }

    [Fact]
    public void WritePageUntracked_refuses_a_source_shorter_than_a_page()
    {
        using var memory = TestRam.Memory((0, Page));
        Should.Throw<ArgumentOutOfRangeException>(() => memory.WritePageUntracked(0, new byte[100]));
    }

    [Fact]
    public void IsZeroPage_sees_a_single_nonzero_byte_at_the_end_of_the_page()
    {
        using var memory = TestRam.Memory((0, 2 * Page));
        memory.Write<byte>(2 * Page - 1, 1);
        memory.IsZeroPage(0).ShouldBeTrue();
        memory.IsZeroPage(1).ShouldBeFalse();
    }

    [Fact]
    public void Page_operations_on_a_hole_throw()
    {
        using var memory = TestRam.Memory((0, Page));
        Should.Throw<MemoryException>(() => memory.ReadPage(5, new byte[Page]));
        Should.Throw<MemoryException>(() => memory.WritePageUntracked(5, new byte[Page]));
        Should.Throw<MemoryException>(() => memory.IsZeroPage(5));
    }

    [Fact]
    public void Disposing_guest_memory_releases_every_region()
    {
        var memory = TestRam.Memory((0, Page), (Page, Page));
        memory.Dispose();
        memory.Regions.ShouldAllBe(r => r.Mapping.IsClosed);
    }

    [Fact]
    public void Shared_memfd_memory_works_as_guest_ram()
    {
        using var memory = new GuestMemory([new MemoryRegion(0, 0, MappedMemory.SharedMemfd("tern-test", 2 * Page))]);
        memory.Write<uint>(Page, 0xdead_beef);
        memory.Read<uint>(Page).ShouldBe(0xdead_beefu);
    }

    [Property(MaxTest = 200)]
    public bool Any_write_inside_two_adjacent_regions_reads_back_and_dirties_exactly_its_pages(ushort offset, byte[] data)
    {
        using var memory = TestRam.Memory((0, 8 * Page), (8 * Page, 8 * Page));
        var address = (ulong)offset;
        memory.Write(address, data);

        var back = new byte[data.Length];
        memory.Read(address, back);
        var expectedPages = data.Length == 0
            ? []
            : Enumerable.Range((int)(address / Page), (int)((address + (ulong)data.Length - 1) / Page - address / Page + 1)).Select(p => (ulong)p);
        var dirty = TestRam.DirtyPages(memory.Regions[0]).Concat(TestRam.DirtyPages(memory.Regions[1]).Select(p => p + 8));
        return back.AsSpan().SequenceEqual(data) && dirty.SequenceEqual(expectedPages);
    }
}
