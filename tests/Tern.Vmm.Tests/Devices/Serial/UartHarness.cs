using Tern.Vmm.Devices.Serial;

namespace Tern.Vmm.Tests.Devices.Serial;

/// <summary>A 16550A with its output captured and its interrupt line recorded, accessed one register at a time as a guest would.</summary>
internal sealed class UartHarness
{
    // Register offsets (PC16550D data sheet, table 2).
    public const int Rbr = 0, Thr = 0, Dll = 0, Ier = 1, Dlm = 1, Iir = 2, Fcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;

    public MemoryStream Output { get; } = new();
    public RecordingInterruptLine Irq { get; } = new();
    public Uart16550 Uart { get; }

    public UartHarness() => Uart = new Uart16550(Output, Irq);

    public byte Read(int register)
    {
        var data = new byte[1];
        Uart.Read((ulong)register, data);
        return data[0];
    }

    public void Write(int register, byte value) => Uart.Write((ulong)register, [value]);

    public void Type(params byte[] bytes) => Uart.EnqueueInput(bytes);

    public List<byte> Drain()
    {
        var bytes = new List<byte>();
        while ((Read(Lsr) & 0x01) != 0)
            bytes.Add(Read(Rbr));
        return bytes;
    }
}
