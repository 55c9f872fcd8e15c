namespace Tern.Memory.Tests;

public class GuestAddressTests
{
    [Fact]
    public void Pages_are_4_KiB()
    {
        GuestAddress.PageSize.ShouldBe(4096UL);
        GuestAddress.PageShift.ShouldBe(12);
    }

    [Theory]
    [InlineData(0x0UL, 0x0UL)]
    [InlineData(0xfffUL, 0x0UL)]
    [InlineData(0x1000UL, 0x1UL)]
    [InlineData(0x1234_5678UL, 0x1_2345UL)]
    public void Page_number_is_the_address_shifted_by_the_page_shift(ulong address, ulong page) =>
        new GuestAddress(address).PageNumber.ShouldBe(page);

    [Fact]
    public void Offset_adds_bytes() =>
        new GuestAddress(0x1000).Offset(0x234).ShouldBe(new GuestAddress(0x1234));

    [Fact]
    public void Offset_past_the_top_of_the_address_space_throws_instead_of_wrapping() =>
        Should.Throw<OverflowException>(() => new GuestAddress(ulong.MaxValue - 1).Offset(2));

    [Fact]
    public void Formats_as_lowercase_hex() =>
        new GuestAddress(0xFEE0_0000).ToString().ShouldBe("0xfee00000");

    [Fact]
    public void Converts_implicitly_from_ulong()
    {
        GuestAddress address = 0x10_0000UL;
        address.Value.ShouldBe(0x10_0000UL);
    }

    [Fact]
    public void Orders_by_value()
    {
        new GuestAddress(1).CompareTo(new GuestAddress(2)).ShouldBeLessThan(0);
        new GuestAddress(2).CompareTo(new GuestAddress(2)).ShouldBe(0);
        new GuestAddress(3).CompareTo(new GuestAddress(2)).ShouldBeGreaterThan(0);
    }
}
