using Tern.Vmm.Bus;

namespace Tern.Vmm.Devices.Acpi;

/// <summary>
/// The hardware-reduced ACPI sleep control and status registers (ACPI 6.x, 4.8.3.7–4.8.3.8), one byte
/// each at the ports the FADT names. Writing SLP_EN with SLP_TYP = the <c>\_S5</c> value is power-off
/// (Linux: acpi_power_off → acpi_hw_extended_sleep); other sleep states are not offered. The status
/// register reads 0: no wake event is ever pending. Holds no state worth saving.
/// </summary>
public sealed class AcpiSleepControl(byte powerOffSleepType, Action powerOff) : IBusDevice
{
    public const int Length = 2;
    public const byte SleepEnable = 1 << 5;
    public const int SleepTypeShift = 2;
    public const byte SleepTypeMask = 0b111 << SleepTypeShift;

    public void Read(ulong offset, Span<byte> data) => data.Clear();

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset != 0 || data.IsEmpty)
            return;
        var value = data[0];
        if ((value & SleepEnable) != 0 && (value & SleepTypeMask) >> SleepTypeShift == powerOffSleepType)
            powerOff();
    }
}
