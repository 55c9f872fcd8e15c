using System.Buffers.Binary;
using System.Text;
using Tern.Vmm.Boot.Linux;

namespace Tern.Vmm.Tests.Boot.Linux;

/// <summary>RSDP → XSDT → FADT (→ DSDT), MADT: ACPI 6.x sections 5.2.5–5.2.12.</summary>
public sealed class AcpiTablesTests
{
    private const ulong Base = 0xf_0000;

    private static ReadOnlySpan<byte> At(byte[] image, ulong address) => image.AsSpan((int)(address - Base));

    private static ReadOnlySpan<byte> Table(byte[] image, ulong address) =>
        At(image, address)[..(int)BinaryPrimitives.ReadUInt32LittleEndian(At(image, address)[4..])];

    private static byte Sum(ReadOnlySpan<byte> data)
    {
        byte sum = 0;
        foreach (var b in data)
            sum += b;
        return sum;
    }

    private static (ulong Fadt, ulong Madt) XsdtEntries(byte[] image)
    {
        var xsdt = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(24));
        var t = Table(image, xsdt);
        return (BinaryPrimitives.ReadUInt64LittleEndian(t[36..]), BinaryPrimitives.ReadUInt64LittleEndian(t[44..]));
    }

    [Fact]
    public void The_rsdp_has_both_checksums_and_points_at_the_xsdt()
    {
        var image = AcpiTables.Build(Base, 1);
        Encoding.ASCII.GetString(image, 0, 8).ShouldBe("RSD PTR ");
        image[15].ShouldBe((byte)2);
        Sum(image.AsSpan(0, 20)).ShouldBe((byte)0);
        Sum(image.AsSpan(0, 36)).ShouldBe((byte)0);
        var xsdt = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(24));
        Encoding.ASCII.GetString(Table(image, xsdt)[..4]).ShouldBe("XSDT");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_table_sums_to_zero(int vcpus)
    {
        var image = AcpiTables.Build(Base, vcpus);
        var (fadt, madt) = XsdtEntries(image);
        var dsdt = BinaryPrimitives.ReadUInt64LittleEndian(Table(image, fadt)[140..]);
        foreach (var address in new[] { BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(24)), fadt, madt, dsdt })
        {
            Sum(Table(image, address)).ShouldBe((byte)0);
            (address % 16).ShouldBe(0ul);
        }
    }

    [Fact]
    public void The_fadt_is_hardware_reduced_with_sleep_and_reset_registers()
    {
        var image = AcpiTables.Build(Base, 1);
        var fadt = Table(image, XsdtEntries(image).Fadt);
        Encoding.ASCII.GetString(fadt[..4]).ShouldBe("FACP");
        fadt.Length.ShouldBe(276);
        fadt[8].ShouldBe((byte)6);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(fadt[112..]);
        (flags & (1u << 20)).ShouldNotBe(0u); // HW_REDUCED_ACPI
        (flags & (1u << 10)).ShouldNotBe(0u); // RESET_REG_SUP
        fadt[116].ShouldBe((byte)1);           // reset register in System I/O space
        BinaryPrimitives.ReadUInt64LittleEndian(fadt[120..]).ShouldBe(0x64ul);
        fadt[128].ShouldBe((byte)0xfe);
        fadt[244].ShouldBe((byte)1);           // sleep control register: System I/O, 8 bits
        fadt[245].ShouldBe((byte)8);
        BinaryPrimitives.ReadUInt64LittleEndian(fadt[248..]).ShouldBe((ulong)AcpiTables.SleepControlPort);
        BinaryPrimitives.ReadUInt64LittleEndian(fadt[260..]).ShouldBe((ulong)AcpiTables.SleepStatusPort);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt[40..]).ShouldBe((uint)BinaryPrimitives.ReadUInt64LittleEndian(fadt[140..]));
    }

    [Fact]
    public void The_dsdt_defines_S5_with_the_sleep_type_the_vmm_expects()
    {
        var image = AcpiTables.Build(Base, 1);
        var dsdt = Table(image, BinaryPrimitives.ReadUInt64LittleEndian(Table(image, XsdtEntries(image).Fadt)[140..]));
        Encoding.ASCII.GetString(dsdt[..4]).ShouldBe("DSDT");
        var aml = dsdt[36..].ToArray();
        aml[..5].ShouldBe(new byte[] { 0x08, (byte)'_', (byte)'S', (byte)'5', (byte)'_' });
        aml[9].ShouldBe(AcpiTables.S5SleepType);
    }

    [Fact]
    public void The_dsdt_describes_com1_with_its_ports_and_isa_irq_4()
    {
        // Without it a hardware-reduced Linux maps no ISA IRQ and the 8250 driver cannot request IRQ 4.
        var image = AcpiTables.Build(Base, 1);
        var aml = Table(image, BinaryPrimitives.ReadUInt64LittleEndian(Table(image, XsdtEntries(image).Fadt)[140..]))[36..].ToArray();
        var com1 = Aml.Scope("\\_SB_",
            Aml.Device("COM1",
                Aml.Name("_HID", Aml.EisaId("PNP0501")),
                Aml.Name("_UID", Aml.Integer(0)),
                Aml.Name("_CRS", Aml.ResourceTemplate(Aml.IoPort(0x3f8, 8), Aml.IsaIrq(4)))));
        aml.AsSpan().IndexOf(com1).ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_madt_lists_a_local_apic_per_vcpu_and_the_ioapic(int vcpus)
    {
        var image = AcpiTables.Build(Base, vcpus);
        var madt = Table(image, XsdtEntries(image).Madt);
        Encoding.ASCII.GetString(madt[..4]).ShouldBe("APIC");
        BinaryPrimitives.ReadUInt32LittleEndian(madt[36..]).ShouldBe(0xfee0_0000u);
        var entries = new List<(byte Type, byte[] Bytes)>();
        for (var at = 44; at < madt.Length; at += madt[at + 1])
            entries.Add((madt[at], madt.Slice(at, madt[at + 1]).ToArray()));
        entries.Count(e => e.Type == 0).ShouldBe(vcpus);
        entries.Where(e => e.Type == 0).Select(e => e.Bytes[3]).ShouldBe(Enumerable.Range(0, vcpus).Select(i => (byte)i));
        entries.Where(e => e.Type == 0).ShouldAllBe(e => (e.Bytes[4] & 1) == 1);
        var ioapic = entries.Single(e => e.Type == 1).Bytes;
        BinaryPrimitives.ReadUInt32LittleEndian(ioapic.AsSpan(4)).ShouldBe(0xfec0_0000u);
    }
}
