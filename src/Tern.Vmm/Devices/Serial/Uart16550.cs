using Tern.Vmm.Bus;

namespace Tern.Vmm.Devices.Serial;

/// <summary>
/// A 16550A UART (National Semiconductor PC16550D data sheet) at 8 consecutive ports. Output goes
/// straight to the host stream; input is queued by the host and moved into the 16-byte receive FIFO as
/// the guest drains it, so pasted text is never dropped. The interrupt line follows IIR: raised while
/// any enabled condition is pending, as QEMU's model does (OUT2 does not gate it).
/// </summary>
public sealed class Uart16550 : IBusDevice
{
    public const ushort Com1Port = 0x3f8;
    public const uint Com1Irq = 4;
    public const byte PortCount = 8;
    private const int FifoSize = 16;

    /// <summary>Typed-ahead input kept for the guest; more than this is dropped rather than grow without bound.</summary>
    public const int MaxPendingInput = 64 * 1024;

    // Register offsets and bits (data sheet, table 2).
    private const int RbrThr = 0, Ier = 1, IirFcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;
    private const byte IerRxData = 0x01, IerThrEmpty = 0x02, IerLineStatus = 0x04, IerModemStatus = 0x08;
    private const byte IirNoInterrupt = 0x01, IirLineStatus = 0x06, IirRxData = 0x04, IirThrEmpty = 0x02, IirModemStatus = 0x00;
    private const byte IirFifoEnabled = 0xc0;
    private const byte LcrDlab = 0x80;
    private const byte LsrDataReady = 0x01, LsrOverrun = 0x02, LsrThrEmpty = 0x20, LsrTransmitterEmpty = 0x40;
    private const byte LsrErrors = 0x1e;
    private const byte McrLoopback = 0x10;
    private const byte FcrEnable = 0x01, FcrClearRx = 0x02;

    private readonly object _lock = new();
    private readonly Stream _output;
    private readonly IInterruptLine _irq;
    private readonly Queue<byte> _receiveFifo = new();
    private readonly Queue<byte> _hostInput = new();
    private byte _ier, _lcr = 0x03, _mcr = 0x08, _lsr = LsrThrEmpty | LsrTransmitterEmpty, _msr, _scr, _dll = 0x0c, _dlm, _fcr;
    private bool _thrEmptyPending;
    private bool _irqLevel;
    private byte _lastMsrSource;

    public Uart16550(Stream output, IInterruptLine irq)
    {
        _output = output;
        _irq = irq;
        _msr = ModemStatusFromLines();
        _lastMsrSource = _msr;
    }

    /// <summary>Queues bytes typed on the host for the guest to read.</summary>
    public void EnqueueInput(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            foreach (var b in bytes)
                if (_hostInput.Count < MaxPendingInput)
                    _hostInput.Enqueue(b);
            RefillReceiveFifo();
            UpdateInterrupt();
        }
    }

    public void Read(ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            data[0] = ReadRegister((int)offset);
            data[1..].Clear();
            UpdateInterrupt();
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            WriteRegister((int)offset, data[0]);
            UpdateInterrupt();
        }
    }

    private byte ReadRegister(int register)
    {
        switch (register)
        {
            case RbrThr when (_lcr & LcrDlab) != 0:
                return _dll;
            case RbrThr:
                var value = _receiveFifo.Count > 0 ? _receiveFifo.Dequeue() : (byte)0;
                RefillReceiveFifo();
                return value;
            case Ier when (_lcr & LcrDlab) != 0:
                return _dlm;
            case Ier:
                return _ier;
            case IirFcr:
                var iir = InterruptIdentification();
                // Reading IIR while it reports THR empty acknowledges that interrupt (data sheet, table 4).
                if (iir == IirThrEmpty)
                    _thrEmptyPending = false;
                return (byte)(iir | ((_fcr & FcrEnable) != 0 ? IirFifoEnabled : 0));
            case Lcr:
                return _lcr;
            case Mcr:
                return _mcr;
            case Lsr:
                var lsr = _lsr;
                _lsr &= unchecked((byte)~LsrErrors);
                return lsr;
            case Msr:
                var msr = _msr;
                _msr &= 0xf0; // reading clears the delta bits
                return msr;
            default:
                return _scr;
        }
    }

    private void WriteRegister(int register, byte value)
    {
        switch (register)
        {
            case RbrThr when (_lcr & LcrDlab) != 0:
                _dll = value;
                break;
            case RbrThr:
                Transmit(value);
                break;
            case Ier when (_lcr & LcrDlab) != 0:
                _dlm = value;
                break;
            case Ier:
                var enablingThr = (value & IerThrEmpty) != 0 && (_ier & IerThrEmpty) == 0;
                _ier = (byte)(value & 0x0f);
                // Enabling the THR-empty interrupt while THR is empty raises it at once; Linux's 8250 driver relies on this.
                if (enablingThr && (_lsr & LsrThrEmpty) != 0)
                    _thrEmptyPending = true;
                break;
            case IirFcr:
                _fcr = (byte)(value & 0xc9);
                if ((value & FcrClearRx) != 0)
                {
                    _receiveFifo.Clear();
                    _lsr &= unchecked((byte)~LsrDataReady);
                    RefillReceiveFifo();
                }
                break;
            case Lcr:
                _lcr = value;
                break;
            case Mcr:
                _mcr = (byte)(value & 0x1f);
                UpdateModemStatus();
                RefillReceiveFifo(); // leaving loopback lets queued host input through
                break;
            case Lsr:
                break; // read-only on a real part
            case Msr:
                break;
            default:
                _scr = value;
                break;
        }
    }

    private void Transmit(byte value)
    {
        if ((_mcr & McrLoopback) != 0)
        {
            if (_receiveFifo.Count < FifoSize)
                _receiveFifo.Enqueue(value);
            else
                _lsr |= LsrOverrun;
            _lsr |= LsrDataReady;
        }
        else
        {
            _output.WriteByte(value);
            _output.Flush();
        }
        // Transmission is instant: THR is empty again and, if enabled, says so.
        _lsr |= LsrThrEmpty | LsrTransmitterEmpty;
        _thrEmptyPending = (_ier & IerThrEmpty) != 0;
    }

    private void RefillReceiveFifo()
    {
        if ((_mcr & McrLoopback) == 0)
            while (_receiveFifo.Count < FifoSize && _hostInput.Count > 0)
                _receiveFifo.Enqueue(_hostInput.Dequeue());
        if (_receiveFifo.Count > 0)
            _lsr |= LsrDataReady;
        else
            _lsr &= unchecked((byte)~LsrDataReady);
    }

    private byte InterruptIdentification()
    {
        if ((_ier & IerLineStatus) != 0 && (_lsr & LsrErrors) != 0)
            return IirLineStatus;
        if ((_ier & IerRxData) != 0 && (_lsr & LsrDataReady) != 0)
            return IirRxData;
        if ((_ier & IerThrEmpty) != 0 && _thrEmptyPending)
            return IirThrEmpty;
        if ((_ier & IerModemStatus) != 0 && (_msr & 0x0f) != 0)
            return IirModemStatus;
        return IirNoInterrupt;
    }

    private void UpdateModemStatus()
    {
        var lines = ModemStatusFromLines();
        var changed = (byte)((lines ^ _lastMsrSource) & 0xf0);
        var delta = (byte)(((changed & 0x10) != 0 ? 0x01 : 0) | ((changed & 0x20) != 0 ? 0x02 : 0)
            | ((_lastMsrSource & 0x40) != 0 && (lines & 0x40) == 0 ? 0x04 : 0) | ((changed & 0x80) != 0 ? 0x08 : 0));
        _msr = (byte)(lines | (_msr & 0x0f) | delta);
        _lastMsrSource = lines;
    }

    /// <summary>Modem inputs: in loopback they mirror MCR (RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD); otherwise a cable that is always ready.</summary>
    private byte ModemStatusFromLines()
    {
        if ((_mcr & McrLoopback) == 0)
            return 0xb0; // DCD, DSR, CTS
        return (byte)(((_mcr & 0x02) << 3) | ((_mcr & 0x01) << 5) | ((_mcr & 0x04) << 4) | ((_mcr & 0x08) << 4));
    }

    private void UpdateInterrupt()
    {
        var level = InterruptIdentification() != IirNoInterrupt;
        if (level == _irqLevel)
            return;
        _irqLevel = level;
        _irq.SetLevel(level);
    }

    public UartState SaveState()
    {
        lock (_lock)
            return new UartState(UartState.CurrentVersion, _ier, _lcr, _mcr, _lsr, _msr, _scr, _dll, _dlm, _fcr, _thrEmptyPending,
                [.. _receiveFifo], [.. _hostInput]);
    }

    public void RestoreState(UartState state)
    {
        if (state.Version != UartState.CurrentVersion)
            throw new InvalidDataException($"UART state version {state.Version} is not supported (this Tern reads {UartState.CurrentVersion})");
        if (state.ReceiveFifo.Length > FifoSize)
            throw new InvalidDataException($"UART receive FIFO of {state.ReceiveFifo.Length} bytes exceeds {FifoSize}");
        if (state.PendingInput.Length > MaxPendingInput)
            throw new InvalidDataException($"UART pending input of {state.PendingInput.Length} bytes exceeds {MaxPendingInput}");
        lock (_lock)
        {
            (_ier, _lcr, _mcr, _lsr, _msr, _scr, _dll, _dlm, _fcr) =
                (state.Ier, state.Lcr, state.Mcr, state.Lsr, state.Msr, state.Scr, state.Dll, state.Dlm, state.Fcr);
            _thrEmptyPending = state.ThrEmptyInterruptPending;
            _lastMsrSource = (byte)(_msr & 0xf0);
            _receiveFifo.Clear();
            foreach (var b in state.ReceiveFifo)
                _receiveFifo.Enqueue(b);
            _hostInput.Clear();
            foreach (var b in state.PendingInput)
                _hostInput.Enqueue(b);
            UpdateInterrupt();
        }
    }
}
