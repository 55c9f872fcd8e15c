using System.Buffers.Binary;
using System.Text;

namespace Tern.Vmm.Boot.Linux;

/// <summary>
/// An Intel MultiProcessor Specification 1.4 table (chapter 4): the floating pointer structure, then
/// the configuration table with one processor entry per vCPU, an ISA bus, the IOAPIC, ISA IRQs 0–15
/// wired one to one to IOAPIC pins, and LINT0/LINT1 as ExtINT/NMI. A kernel booted with <c>acpi=off</c>
/// (or built without ACPI) finds its CPUs here; Linux scans the last KiB of base memory for it.
/// </summary>
public static class MpTable
{
    public const int FloatingPointerSize = 16;
    public const int HeaderSize = 44;
    public const int ProcessorEntrySize = 20;
    public const int OtherEntrySize = 8;
    public const int IsaIrqCount = 16;

    public static int SizeFor(int vcpuCount) =>
        FloatingPointerSize + HeaderSize + vcpuCount * ProcessorEntrySize + (2 + IsaIrqCount + 2) * OtherEntrySize;

    public static byte[] Build(ulong address, int vcpuCount)
    {
        var table = new byte[SizeFor(vcpuCount)];
        var t = table.AsSpan();
        var config = t[FloatingPointerSize..];

        Encoding.ASCII.GetBytes("_MP_").CopyTo(t);
        BinaryPrimitives.WriteUInt32LittleEndian(t[4..], (uint)(address + FloatingPointerSize));
        t[8] = 1;   // length in 16-byte units
        t[9] = 4;   // specification revision 1.4
        t[10] = AcpiTables.Checksum(t[..FloatingPointerSize]);

        Encoding.ASCII.GetBytes("PCMP").CopyTo(config);
        config[6] = 4;
        Encoding.ASCII.GetBytes("TERN    ").CopyTo(config[8..]);
        Encoding.ASCII.GetBytes("TERNVMM     ").CopyTo(config[16..]);
        BinaryPrimitives.WriteUInt32LittleEndian(config[36..], (uint)AcpiTables.LocalApicAddress);

        var at = HeaderSize;
        var ioapicId = (byte)vcpuCount;
        for (var id = 0; id < vcpuCount; id++, at += ProcessorEntrySize)
        {
            var e = config[at..];
            e[0] = 0;                                  // processor
            e[1] = (byte)id;                           // local APIC id
            e[2] = 0x14;                               // local APIC version
            e[3] = (byte)(1 | (id == 0 ? 2 : 0));      // enabled, BSP
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], 0x600);   // CPU signature: family 6
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], 0x201);   // features: FPU, APIC
        }
        config[at] = 1;                                // bus 0: ISA
        Encoding.ASCII.GetBytes("ISA   ").CopyTo(config[(at + 2)..]);
        at += OtherEntrySize;
        config[at] = 2;                                // IOAPIC, version 0x11, enabled
        config[at + 1] = ioapicId;
        config[at + 2] = 0x11;
        config[at + 3] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(config[(at + 4)..], (uint)AcpiTables.IoApicAddress);
        at += OtherEntrySize;
        for (var irq = 0; irq < IsaIrqCount; irq++, at += OtherEntrySize)
        {
            config[at] = 3;                            // I/O interrupt: INT, conforming polarity and trigger
            config[at + 4] = 0;                        // source bus
            config[at + 5] = (byte)irq;
            config[at + 6] = ioapicId;
            config[at + 7] = (byte)irq;                // IOAPIC pin, as KVM's default GSI routing wires it
        }
        LocalInterrupt(config[at..], type: 3, lint: 0); // ExtINT → LINT0 of every CPU
        at += OtherEntrySize;
        LocalInterrupt(config[at..], type: 1, lint: 1); // NMI → LINT1
        at += OtherEntrySize;

        BinaryPrimitives.WriteUInt16LittleEndian(config[4..], (ushort)at);
        BinaryPrimitives.WriteUInt16LittleEndian(config[34..], (ushort)(vcpuCount + 2 + IsaIrqCount + 2));
        config[7] = AcpiTables.Checksum(config[..at]);
        return table;
    }

    private static void LocalInterrupt(Span<byte> entry, byte type, byte lint)
    {
        entry[0] = 4;
        entry[1] = type;
        entry[6] = 0xff;                               // all local APICs
        entry[7] = lint;
    }
}
