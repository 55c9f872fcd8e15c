using Tern.Vmm.Bus;

namespace Tern.Vmm.Devices.I8042;

/// <summary>
/// The PC keyboard controller, reduced to what guests use on a VM without a keyboard: its self-tests,
/// the command byte, and the CPU reset line (command 0xFE, or output-port bit 0 cleared through
/// 0xD1), which is how both Linux and Tern's test guest reboot. Registered as one range 0x60-0x64:
/// 0x60 is data, 0x64 status/command, and 0x61 between them never exits (the in-kernel PIT owns it).
/// </summary>
public sealed class I8042Controller : IBusDevice
{
    public const ushort DataPort = 0x60;
    public const ushort CommandPort = 0x64;

    private const byte StatusOutputFull = 0x01, StatusSystem = 0x04, StatusCommand = 0x08;
    private const byte ReadCommandByte = 0x20, WriteCommandByte = 0x60, SelfTest = 0xaa, InterfaceTest = 0xab,
        WriteOutputPort = 0xd1, ReadOutputPort = 0xd0, PulseResetLine = 0xfe;

    private const int MaxOutput = 16;
    private readonly object _lock = new();
    private readonly Action _resetRequested;
    private readonly Queue<byte> _output = new();
    private byte _status = StatusSystem, _commandByte = 0x45, _pendingCommand;

    public I8042Controller(Action resetRequested) => _resetRequested = resetRequested;

    public void Read(ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            data.Clear();
            if (offset == CommandPort - DataPort)
                data[0] = (byte)(_status | (_output.Count > 0 ? StatusOutputFull : 0));
            else if (offset == 0)
                data[0] = _output.Count > 0 ? _output.Dequeue() : (byte)0;
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        var reset = false;
        lock (_lock)
        {
            if (offset == CommandPort - DataPort)
                reset = Command(data[0]);
            else if (offset == 0)
                reset = Data(data[0]);
        }
        if (reset)
            _resetRequested();
    }

    private bool Command(byte command)
    {
        _status |= StatusCommand;
        _pendingCommand = 0;
        switch (command)
        {
            case ReadCommandByte: Output(_commandByte); break;
            case WriteCommandByte or WriteOutputPort: _pendingCommand = command; break;
            case SelfTest: Output(0x55); break;
            case InterfaceTest: Output(0x00); break;
            case ReadOutputPort: Output(0x01); break;
            case PulseResetLine: return true;
        }
        return false;
    }

    private bool Data(byte value)
    {
        _status &= unchecked((byte)~StatusCommand);
        var command = _pendingCommand;
        _pendingCommand = 0;
        switch (command)
        {
            case WriteCommandByte:
                _commandByte = value;
                return false;
            case WriteOutputPort:
                return (value & 0x01) == 0; // bit 0 low holds the CPU in reset
            default:
                // A byte for the (absent) keyboard: answer "resend" so drivers give up quickly.
                Output(0xfe);
                return false;
        }
    }

    /// <summary>A real controller has a one-byte buffer; a guest that never reads must not grow this one without bound.</summary>
    private void Output(byte value)
    {
        if (_output.Count < MaxOutput)
            _output.Enqueue(value);
    }

    public I8042State SaveState()
    {
        lock (_lock)
            return new I8042State(I8042State.CurrentVersion, _status, _commandByte, _pendingCommand, [.. _output]);
    }

    public void RestoreState(I8042State state)
    {
        if (state.Version != I8042State.CurrentVersion)
            throw new InvalidDataException($"i8042 state version {state.Version} is not supported");
        if (state.Output.Length > MaxOutput)
            throw new InvalidDataException("i8042 output queue too long");
        lock (_lock)
        {
            (_status, _commandByte, _pendingCommand) = (state.Status, state.CommandByte, state.PendingCommand);
            _output.Clear();
            foreach (var b in state.Output)
                _output.Enqueue(b);
        }
    }
}
