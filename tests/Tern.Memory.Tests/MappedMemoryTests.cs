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
}
