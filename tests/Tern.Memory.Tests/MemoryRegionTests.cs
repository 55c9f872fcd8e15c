namespace Tern.Memory.Tests;

public class MemoryRegionTests
{
    [Fact]
    public void Describes_its_guest_physical_range()
    {
        using var region = TestRam.Region(3, 0x10_0000, 0x4000);
        region.Slot.ShouldBe(3);
        region.Start.ShouldBe(new GuestAddress(0x10_0000));
        region.Size.ShouldBe(0x4000UL);
        region.End.ShouldBe(new GuestAddress(0x10_4000));
        region.PageCount.ShouldBe(4UL);
        region.FirstPage.ShouldBe(0x100UL);
    }

    [Fact]
    public void Has_one_dirty_bit_per_page()
    {
        using var region = TestRam.Region(0, 0, 0x4000);
        region.Dirty.PageCount.ShouldBe(4UL);
    }

    [Fact]
    public void Contains_its_start_but_not_its_end()
    {
        using var region = TestRam.Region(0, 0x1000, 0x1000);
        region.Contains(0x0fff).ShouldBeFalse();
        region.Contains(0x1000).ShouldBeTrue();
        region.Contains(0x1fff).ShouldBeTrue();
        region.Contains(0x2000).ShouldBeFalse();
    }

    [Fact]
    public void Exposes_the_host_address_of_its_mapping()
    {
        using var region = TestRam.Region(0, 0, 0x1000);
        region.HostAddress.ShouldBe(region.Mapping.Address);
        region.HostAddress.ShouldNotBe(0);
    }

    [Fact]
    public void A_start_that_is_not_page_aligned_is_refused()
    {
        using var mapping = MappedMemory.Anonymous(0x1000);
        Should.Throw<MemoryException>(() => new MemoryRegion(0, 0x800, mapping));
    }

    [Fact]
    public void A_length_that_is_not_page_aligned_is_refused()
    {
        using var mapping = MappedMemory.Anonymous(0x1800);
        Should.Throw<MemoryException>(() => new MemoryRegion(0, 0, mapping));
    }

    [Fact]
    public void Slice_outside_the_region_throws()
    {
        using var region = TestRam.Region(0, 0, 0x1000);
        Should.Throw<ArgumentOutOfRangeException>(() => region.Slice(0xfff, 2));
        Should.Throw<ArgumentOutOfRangeException>(() => region.Slice(0x1001, 0));
    }

    [Fact]
    public void Disposing_the_region_releases_its_mapping()
    {
        var region = TestRam.Region(0, 0, 0x1000);
        region.Dispose();
        region.Mapping.IsClosed.ShouldBeTrue();
    }
}
