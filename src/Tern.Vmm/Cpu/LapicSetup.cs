using System.Buffers.Binary;
using Tern.Kvm.Abi;

namespace Tern.Vmm.Cpu;

/// <summary>
/// Puts each LAPIC in "virtual wire" mode as PC firmware does: LINT0 delivers the 8259 PIC's
/// interrupts (ExtINT) and LINT1 delivers NMIs. Without it KVM's in-kernel LAPIC (whose LVTs reset
/// masked) drops PIC interrupts for a guest that never programs its LAPIC (see kvm_apic_accept_pic_intr).
/// </summary>
public static class LapicSetup
{
    private const int LvtLint0 = 0x350, LvtLint1 = 0x360;
    private const uint DeliveryModeMask = 0x700, ExtInt = 0x700, Nmi = 0x400, Masked = 1 << 16;

    public static void ApplyVirtualWire(ref KvmLapicState lapic)
    {
        var bytes = KvmBlob.AsBytes(ref lapic);
        SetDeliveryMode(bytes, LvtLint0, ExtInt);
        SetDeliveryMode(bytes, LvtLint1, Nmi);
    }

    private static void SetDeliveryMode(Span<byte> registers, int offset, uint mode)
    {
        var value = BinaryPrimitives.ReadUInt32LittleEndian(registers[offset..]);
        value = (value & ~(DeliveryModeMask | Masked)) | mode;
        BinaryPrimitives.WriteUInt32LittleEndian(registers[offset..], value);
    }
}
