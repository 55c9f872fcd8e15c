using BenchmarkDotNet.Attributes;
using Tern.Vmm.Bus;
using Tern.Vmm.Devices;
using Tern.Vmm.Devices.Serial;

namespace Tern.Bench;

/// <summary>
/// Port-I/O dispatch as a vCPU exit does it: a one-byte access looked up among the ranges a PC
/// machine registers, then handed to the device. A trivial register device isolates the bus; the
/// real 16550A (scratch register, writes to a null stream) shows what one serial access costs.
/// </summary>
[MemoryDiagnoser]
public class DeviceBusBenchmarks
{
    private const int AccessesPerInvoke = 1024;
    private const ulong RegisterPort = 0x510;
    private const ulong UnclaimedPort = 0x80;

    private readonly DeviceBus _bus = new("port I/O");
    private readonly byte[] _data = new byte[1];

    [GlobalSetup]
    public void Setup()
    {
        // The ranges of a small PC: i8042, CMOS, the four COM ports, a firmware config port pair.
        _bus.Register(0x60, 5, new RegisterDevice());
        _bus.Register(0x70, 2, new RegisterDevice());
        _bus.Register(0x2e8, 8, new RegisterDevice());
        _bus.Register(0x2f8, 8, new RegisterDevice());
        _bus.Register(0x3e8, 8, new RegisterDevice());
        _bus.Register(Uart16550.Com1Port, 8, new Uart16550(Stream.Null, new NoInterruptLine()));
        _bus.Register(RegisterPort, 2, new RegisterDevice());
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public byte ReadRegisterDevice()
    {
        var data = _data.AsSpan();
        for (var i = 0; i < AccessesPerInvoke; i++)
            _bus.Read(RegisterPort, data);
        return data[0];
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public void WriteRegisterDevice()
    {
        var data = _data.AsSpan();
        for (var i = 0; i < AccessesPerInvoke; i++)
            _bus.Write(RegisterPort, data);
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public byte ReadUnclaimed()
    {
        var data = _data.AsSpan();
        for (var i = 0; i < AccessesPerInvoke; i++)
            _bus.Read(UnclaimedPort, data);
        return data[0];
    }

    /// <summary>COM1 scratch register (offset 7): the bus plus the UART's lock and interrupt update.</summary>
    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public byte ReadUartScratch()
    {
        var data = _data.AsSpan();
        for (var i = 0; i < AccessesPerInvoke; i++)
            _bus.Read(Uart16550.Com1Port + 7, data);
        return data[0];
    }

    /// <summary>COM1 transmit register: one console byte, to a null stream.</summary>
    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public void WriteUartTransmit()
    {
        ReadOnlySpan<byte> data = "x"u8;
        for (var i = 0; i < AccessesPerInvoke; i++)
            _bus.Write(Uart16550.Com1Port, data);
    }

    private sealed class RegisterDevice : IBusDevice
    {
        private byte _value;

        public void Read(ulong offset, Span<byte> data)
        {
            data[0] = _value;
            data[1..].Clear();
        }

        public void Write(ulong offset, ReadOnlySpan<byte> data) => _value = data[0];
    }

    private sealed class NoInterruptLine : IInterruptLine
    {
        public void SetLevel(bool asserted)
        {
        }
    }
}
