using System.Buffers.Binary;
using System.Text;
using Tern.Vmm.Boot.Linux;

namespace Tern.Vmm.Tests.Boot.Linux;

/// <summary>Intel MultiProcessor Specification 1.4, chapter 4.</summary>
public sealed class MpTableTests
{
    private const ulong Address = 0x9_fc00;

    private static byte Sum(ReadOnlySpan<byte> data)
    {
        byte sum = 0;
        foreach (var b in data)
            sum += b;
        return sum;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_floating_pointer_and_the_table_sum_to_zero(int vcpus)
    {
        var table = MpTable.Build(Address, vcpus);
        Encoding.ASCII.GetString(table, 0, 4).ShouldBe("_MP_");
        Sum(table.AsSpan(0, 16)).ShouldBe((byte)0);
        BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(4)).ShouldBe((uint)Address + 16);
        var config = table.AsSpan(16);
        Encoding.ASCII.GetString(config[..4]).ShouldBe("PCMP");
        var length = BinaryPrimitives.ReadUInt16LittleEndian(config[4..]);
        length.ShouldBe((ushort)(table.Length - 16));
        Sum(config[..length]).ShouldBe((byte)0);
    }

    [Fact]
    public void The_table_fits_the_last_KiB_of_base_memory()
    {
        (MpTable.SizeFor(2) <= 0x400).ShouldBeTrue();
    }

    [Fact]
    public void Each_vcpu_is_a_processor_entry_and_the_first_is_the_bsp()
    {
        var config = MpTable.Build(Address, 2).AsSpan(16);
        BinaryPrimitives.ReadUInt16LittleEndian(config[34..]).ShouldBe((ushort)(2 + 2 + 16 + 2));
        var first = config[44..];
        var second = config[64..];
        (first[0], first[1], first[3]).ShouldBe(((byte)0, (byte)0, (byte)3));
        (second[0], second[1], second[3]).ShouldBe(((byte)0, (byte)1, (byte)1));
    }

    [Fact]
    public void Isa_irqs_go_to_the_ioapic_pin_of_the_same_number()
    {
        var config = MpTable.Build(Address, 1).AsSpan(16);
        var at = 44 + 20 + 8;
        config[at].ShouldBe((byte)2); // IOAPIC
        var ioapicId = config[at + 1];
        at += 8;
        for (var irq = 0; irq < 16; irq++, at += 8)
        {
            config[at].ShouldBe((byte)3);
            config[at + 5].ShouldBe((byte)irq);
            config[at + 6].ShouldBe(ioapicId);
            config[at + 7].ShouldBe((byte)irq);
        }
    }
}
