using System.Buffers.Binary;
using System.Text;
using Tern.Vmm.Devices.Serial;

namespace Tern.Vmm.Boot.Linux;

/// <summary>
/// The ACPI tables of a hardware-reduced microVM, as Firecracker provides them (ACPI 6.x, sections
/// 5.2.5–5.2.12): RSDP → XSDT → FADT (→ DSDT) and MADT. The FADT sets HW_REDUCED_ACPI, so the guest
/// needs no PM1/GPE blocks, SCI or PM timer; it powers off by writing SLP_TYP|SLP_EN to the sleep
/// control register (<see cref="SleepControlPort"/>) with the S5 type from the DSDT's <c>\_S5</c>
/// package, and resets through the FADT reset register (the i8042 command port, 0xFE). The MADT lists
/// one local APIC per vCPU and the IOAPIC; the DSDT describes COM1, the one device with an interrupt.
/// </summary>
public static class AcpiTables
{
    public const int HeaderSize = 36;
    public const int RsdpSize = 36;
    public const int FadtSize = 276;
    public const ushort SleepControlPort = 0x600;
    public const ushort SleepStatusPort = SleepControlPort + 1;
    /// <summary>The SLP_TYP value <c>\_S5</c> announces, and that the sleep control register must see for power-off.</summary>
    public const byte S5SleepType = 5;
    public const ulong LocalApicAddress = 0xfee0_0000;
    public const ulong IoApicAddress = 0xfec0_0000;

    public const int FadtDsdtOffset = 40, FadtFlagsOffset = 112, FadtResetRegOffset = 116, FadtResetValueOffset = 128,
        FadtIapcBootArchOffset = 109, FadtMinorVersionOffset = 131, FadtXDsdtOffset = 140,
        FadtSleepControlOffset = 244, FadtSleepStatusOffset = 256, FadtHypervisorIdOffset = 268;
    public const uint FadtHwReducedAcpi = 1 << 20, FadtResetRegSupported = 1 << 10;
    public const ushort IapcVgaNotPresent = 1 << 2, IapcCmosRtcNotPresent = 1 << 5;

    private const string OemId = "TERN  ";
    private const string OemTableId = "TERNVMM ";

    /// <summary>All tables, laid out from <paramref name="baseAddress"/> (RSDP first, every table 16-byte aligned).</summary>
    public static byte[] Build(ulong baseAddress, int vcpuCount)
    {
        var dsdt = Table("DSDT", 2, DsdtAml());
        var fadt = Fadt();
        var madt = Madt(vcpuCount);

        var rsdpAt = 0;
        var xsdtAt = Align(rsdpAt + RsdpSize);
        var xsdtSize = HeaderSize + 2 * 8;
        var fadtAt = Align(xsdtAt + xsdtSize);
        var madtAt = Align(fadtAt + fadt.Length);
        var dsdtAt = Align(madtAt + madt.Length);
        var image = new byte[Align(dsdtAt + dsdt.Length)];

        BinaryPrimitives.WriteUInt32LittleEndian(fadt.AsSpan(FadtDsdtOffset), (uint)(baseAddress + (ulong)dsdtAt));
        BinaryPrimitives.WriteUInt64LittleEndian(fadt.AsSpan(FadtXDsdtOffset), baseAddress + (ulong)dsdtAt);
        SetChecksum(fadt, 9);

        var xsdtBody = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(xsdtBody, baseAddress + (ulong)fadtAt);
        BinaryPrimitives.WriteUInt64LittleEndian(xsdtBody.AsSpan(8), baseAddress + (ulong)madtAt);
        var xsdt = Table("XSDT", 1, xsdtBody);

        Rsdp(baseAddress + (ulong)xsdtAt).CopyTo(image, rsdpAt);
        xsdt.CopyTo(image, xsdtAt);
        fadt.CopyTo(image, fadtAt);
        madt.CopyTo(image, madtAt);
        dsdt.CopyTo(image, dsdtAt);
        return image;
    }

    /// <summary>The byte that makes <paramref name="data"/> sum to zero, given that it is zero now.</summary>
    public static byte Checksum(ReadOnlySpan<byte> data)
    {
        byte sum = 0;
        foreach (var b in data)
            sum += b;
        return (byte)-sum;
    }

    /// <summary>
    /// The DSDT's definition block: <c>\_S5</c> (the S5 sleep type values) and COM1 as a PNP0501 device with
    /// its ports and IRQ. Hardware-reduced ACPI has no legacy PIC, so Linux maps none of the ISA IRQs 0–15
    /// to IOAPIC pins on its own (arch/x86/kernel/acpi/boot.c: <c>acpi_reduced_hw_init</c> installs the
    /// null legacy PIC, and <c>mp_config_acpi_legacy_irqs</c> then maps <c>nr_legacy_irqs()</c> = 0 of
    /// them); the legacy 8250 port's <c>request_irq(4)</c> fails and the tty never opens. Described here,
    /// the UART's IRQ reaches the IOAPIC through <c>acpi_register_gsi</c> like any ACPI device's.
    /// </summary>
    private static byte[] DsdtAml() =>
    [
        .. Aml.Name("_S5_", Aml.IntegerPackage(S5SleepType, S5SleepType, 0, 0)),
        .. Aml.Scope("\\_SB_",
            Aml.Device("COM1",
                Aml.Name("_HID", Aml.EisaId("PNP0501")),
                Aml.Name("_UID", Aml.Integer(0)),
                Aml.Name("_CRS", Aml.ResourceTemplate(
                    Aml.IoPort(Uart16550.Com1Port, Uart16550.PortCount),
                    Aml.IsaIrq((int)Uart16550.Com1Irq))))),
    ];

    private static byte[] Rsdp(ulong xsdtAddress)
    {
        var rsdp = new byte[RsdpSize];
        Encoding.ASCII.GetBytes("RSD PTR ").CopyTo(rsdp, 0);
        Encoding.ASCII.GetBytes(OemId).CopyTo(rsdp, 9);
        rsdp[15] = 2; // revision: ACPI 2.0+ (XSDT)
        BinaryPrimitives.WriteUInt32LittleEndian(rsdp.AsSpan(20), RsdpSize);
        BinaryPrimitives.WriteUInt64LittleEndian(rsdp.AsSpan(24), xsdtAddress);
        rsdp[8] = Checksum(rsdp.AsSpan(0, 20));   // ACPI 1.0 checksum: first 20 bytes
        rsdp[32] = Checksum(rsdp);                // extended checksum: all 36
        return rsdp;
    }

    private static byte[] Fadt()
    {
        var body = new byte[FadtSize - HeaderSize];
        var fadt = Table("FACP", 6, body);
        var f = fadt.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(f[FadtIapcBootArchOffset..], IapcVgaNotPresent | IapcCmosRtcNotPresent);
        BinaryPrimitives.WriteUInt32LittleEndian(f[FadtFlagsOffset..], FadtHwReducedAcpi | FadtResetRegSupported);
        GenericAddress(f[FadtResetRegOffset..], 0x64);
        f[FadtResetValueOffset] = 0xfe;
        f[FadtMinorVersionOffset] = 0;
        GenericAddress(f[FadtSleepControlOffset..], SleepControlPort);
        GenericAddress(f[FadtSleepStatusOffset..], SleepStatusPort);
        Encoding.ASCII.GetBytes("TERNVMM\0").CopyTo(f[FadtHypervisorIdOffset..]);
        return fadt; // the caller fills in the DSDT address and sets the checksum
    }

    private static byte[] Madt(int vcpuCount)
    {
        var body = new List<byte>();
        var head = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)LocalApicAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), 1); // PCAT_COMPAT: dual 8259s present
        body.AddRange(head);
        for (var id = 0; id < vcpuCount; id++)
            body.AddRange(new byte[] { 0, 8, (byte)id, (byte)id, 1, 0, 0, 0 }); // Processor Local APIC, enabled
        var ioapic = new byte[12];
        ioapic[0] = 1;
        ioapic[1] = 12;
        ioapic[2] = (byte)vcpuCount; // IOAPIC id after the local APIC ids
        BinaryPrimitives.WriteUInt32LittleEndian(ioapic.AsSpan(4), (uint)IoApicAddress);
        body.AddRange(ioapic); // global system interrupt base 0
        return Table("APIC", 5, body.ToArray());
    }

    /// <summary>A System I/O Generic Address Structure (ACPI 5.2.3.2) for a byte register at <paramref name="port"/>.</summary>
    private static void GenericAddress(Span<byte> gas, ushort port)
    {
        gas[0] = 1; // address space: System I/O
        gas[1] = 8; // register bit width
        gas[2] = 0; // bit offset
        gas[3] = 1; // access size: byte
        BinaryPrimitives.WriteUInt64LittleEndian(gas[4..], port);
    }

    private static byte[] Table(string signature, byte revision, ReadOnlySpan<byte> body)
    {
        var table = new byte[HeaderSize + body.Length];
        Encoding.ASCII.GetBytes(signature).CopyTo(table, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(4), (uint)table.Length);
        table[8] = revision;
        Encoding.ASCII.GetBytes(OemId).CopyTo(table, 10);
        Encoding.ASCII.GetBytes(OemTableId).CopyTo(table, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(24), 1);
        Encoding.ASCII.GetBytes("TERN").CopyTo(table, 28);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(32), 1);
        body.CopyTo(table.AsSpan(HeaderSize));
        SetChecksum(table, 9);
        return table;
    }

    private static void SetChecksum(byte[] table, int offset)
    {
        table[offset] = 0;
        table[offset] = Checksum(table);
    }

    private static int Align(int offset) => (offset + 15) & ~15;
}
