using Tern.Vmm.Boot.Linux;
using Tern.Vmm.Devices.Acpi;

namespace Tern.Vmm.Tests.Boot.Linux;

public sealed class AcpiSleepControlTests
{
    [Fact]
    public void Slp_en_with_the_S5_type_powers_off()
    {
        var offs = 0;
        var device = new AcpiSleepControl(AcpiTables.S5SleepType, () => offs++);
        device.Write(0, [(byte)(AcpiTables.S5SleepType << 2 | 0x20)]);
        offs.ShouldBe(1);
    }

    [Theory]
    [InlineData(0x14)] // S5 type without SLP_EN
    [InlineData(0x2c)] // SLP_EN with type 3
    public void Anything_else_is_ignored(byte value)
    {
        var offs = 0;
        var device = new AcpiSleepControl(AcpiTables.S5SleepType, () => offs++);
        device.Write(0, [value]);
        device.Write(1, [0x80]); // WAK_STS clear, to the status register
        offs.ShouldBe(0);
    }

    [Fact]
    public void The_status_register_reads_zero()
    {
        var data = new byte[] { 0xff };
        new AcpiSleepControl(5, () => { }).Read(1, data);
        data[0].ShouldBe((byte)0);
    }
}
