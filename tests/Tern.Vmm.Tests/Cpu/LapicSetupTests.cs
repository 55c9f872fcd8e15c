using System.Buffers.Binary;
using Tern.Kvm.Abi;
using Tern.Vmm.Cpu;

namespace Tern.Vmm.Tests.Cpu;

/// <summary>LVT registers per the Intel SDM vol. 3, 11.5.1: delivery mode in bits 10:8, mask in bit 16.</summary>
public class LapicSetupTests
{
    private const int LvtLint0 = 0x350, LvtLint1 = 0x360, LvtTimer = 0x320;
    private const uint Masked = 1u << 16;

    [Fact]
    public void Lint0_becomes_an_unmasked_extint_input()
    {
        var lapic = WithRegisters((LvtLint0, Masked));
        LapicSetup.ApplyVirtualWire(ref lapic);
        Register(lapic, LvtLint0).ShouldBe(0x700u);
    }

    [Fact]
    public void Lint1_becomes_an_unmasked_nmi_input()
    {
        var lapic = WithRegisters((LvtLint1, Masked));
        LapicSetup.ApplyVirtualWire(ref lapic);
        Register(lapic, LvtLint1).ShouldBe(0x400u);
    }

    [Fact]
    public void The_old_delivery_mode_is_replaced_not_ored()
    {
        // Fixed mode 000 is 0x000; SMI 010 (0x200) would turn into an invalid 0x600 if it were ORed with NMI.
        var lapic = WithRegisters((LvtLint1, Masked | 0x200));
        LapicSetup.ApplyVirtualWire(ref lapic);
        Register(lapic, LvtLint1).ShouldBe(0x400u);
    }

    [Fact]
    public void Other_bits_of_the_lvt_entries_are_kept()
    {
        // Vector 0x30 and level-triggered (bit 15) stay as the guest or KVM left them.
        var lapic = WithRegisters((LvtLint0, Masked | 0x8000 | 0x30));
        LapicSetup.ApplyVirtualWire(ref lapic);
        Register(lapic, LvtLint0).ShouldBe(0x8730u);
    }

    [Fact]
    public void Other_registers_are_untouched()
    {
        var lapic = WithRegisters((LvtTimer, Masked | 0xef), (0x20, 0x0300_0000));
        var before = KvmBlob.ToArray(lapic);

        LapicSetup.ApplyVirtualWire(ref lapic);

        var after = KvmBlob.ToArray(lapic);
        var lintBytes = Enumerable.Range(LvtLint0, 4).Concat(Enumerable.Range(LvtLint1, 4)).ToHashSet();
        for (var i = 0; i < before.Length; i++)
            if (!lintBytes.Contains(i))
                after[i].ShouldBe(before[i], $"byte 0x{i:x}");
    }

    private static KvmLapicState WithRegisters(params (int Offset, uint Value)[] registers)
    {
        var bytes = new byte[1024];
        foreach (var (offset, value) in registers)
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), value);
        return KvmBlob.FromBytes<KvmLapicState>(bytes);
    }

    private static uint Register(KvmLapicState lapic, int offset) =>
        BinaryPrimitives.ReadUInt32LittleEndian(KvmBlob.ToArray(lapic).AsSpan(offset));
}
