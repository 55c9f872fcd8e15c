using Tern.Vmm.Boot.Linux;

namespace Tern.Vmm.Tests.Boot.Linux;

/// <summary>AML encodings (ACPI 6.x chapter 20, resource descriptors in 6.4); expected bytes are what iasl 20200925 emits for the same ASL.</summary>
public sealed class AmlTests
{
    [Theory]
    [InlineData(0ul, new byte[] { 0x00 })]
    [InlineData(1ul, new byte[] { 0x01 })]
    [InlineData(5ul, new byte[] { 0x0a, 0x05 })]
    [InlineData(0x3f8ul, new byte[] { 0x0b, 0xf8, 0x03 })]
    [InlineData(0x0105d041ul, new byte[] { 0x0c, 0x41, 0xd0, 0x05, 0x01 })]
    [InlineData(0x1_0000_0000ul, new byte[] { 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 })]
    public void Integers_take_their_shortest_encoding(ulong value, byte[] expected) =>
        Aml.Integer(value).ShouldBe(expected);

    [Fact]
    public void EisaId_packs_the_vendor_letters_and_product_digits() =>
        Aml.EisaId("PNP0501").ShouldBe(new byte[] { 0x0c, 0x41, 0xd0, 0x05, 0x01 });

    [Theory]
    [InlineData("pnp0501")]
    [InlineData("PNP050")]
    [InlineData("PNP05G1")]
    public void EisaId_refuses_what_is_not_one(string id) =>
        Should.Throw<ArgumentException>(() => Aml.EisaId(id));

    [Fact]
    public void A_short_package_has_a_one_byte_length_that_counts_itself() =>
        Aml.Name("_S5_", Aml.IntegerPackage(5, 5, 0, 0)).ShouldBe(new byte[]
            { 0x08, (byte)'_', (byte)'S', (byte)'5', (byte)'_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 });

    [Fact]
    public void A_package_over_63_bytes_has_a_two_byte_length()
    {
        var body = new byte[100];
        var device = Aml.Device("BIG0", body);
        // ExtOp, DeviceOp, PkgLength (2 bytes: 100 + 4 name bytes + 2 = 106 = 0x6a), name, body.
        device[..4].ShouldBe(new byte[] { 0x5b, 0x82, 0x40 | 0x0a, 0x06 });
        device.Length.ShouldBe(2 + 106);
    }

    [Fact]
    public void The_com1_device_encodes_as_iasl_compiles_it()
    {
        var scope = Aml.Scope("\\_SB_",
            Aml.Device("COM1",
                Aml.Name("_HID", Aml.EisaId("PNP0501")),
                Aml.Name("_UID", Aml.Integer(0)),
                Aml.Name("_CRS", Aml.ResourceTemplate(Aml.IoPort(0x3f8, 8), Aml.IsaIrq(4)))));
        scope.ShouldBe(new byte[]
        {
            0x10, 0x33, 0x5c, 0x5f, 0x53, 0x42, 0x5f,
            0x5b, 0x82, 0x2b, 0x43, 0x4f, 0x4d, 0x31,
            0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41, 0xd0, 0x05, 0x01,
            0x08, 0x5f, 0x55, 0x49, 0x44, 0x00,
            0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x10, 0x0a, 0x0d,
            0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
            0x22, 0x10, 0x00,
            0x79, 0x00,
        });
    }

    [Theory]
    [InlineData("com1")]
    [InlineData("TOOLONG")]
    [InlineData("\\_SB_.PCI0.COM1")]
    public void Names_that_are_not_acpi_name_segments_are_refused(string name) =>
        Should.Throw<ArgumentException>(() => Aml.Device(name));

    [Fact]
    public void Only_isa_irqs_have_a_2_byte_irq_descriptor() =>
        Should.Throw<ArgumentOutOfRangeException>(() => Aml.IsaIrq(16));
}
