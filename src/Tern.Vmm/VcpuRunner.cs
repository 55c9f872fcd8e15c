using System.Collections.Concurrent;
using Tern.Kvm;
using Tern.Kvm.Abi;
using Tern.Vmm.Cpu;

namespace Tern.Vmm;

/// <summary>
/// The thread that owns one vCPU: it runs KVM_RUN, dispatches exits to the buses, and is the only
/// thread that makes vCPU ioctls. Other threads get work done on it with <see cref="Invoke{T}"/>,
/// which kicks the vCPU out of KVM_RUN and waits for the answer.
/// </summary>
internal sealed class VcpuRunner
{
    private readonly Machine _machine;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<Action> _requests = new();
    private readonly ManualResetEventSlim _parked = new(false);
    private readonly ManualResetEventSlim _go = new(false);
    private volatile bool _exited;
    private long _exits;

    public VcpuRunner(Machine machine, Vcpu vcpu)
    {
        _machine = machine;
        Vcpu = vcpu;
        _thread = new Thread(Loop) { Name = $"vcpu{vcpu.Id}", IsBackground = true };
    }

    public Vcpu Vcpu { get; }

    /// <summary>Exits handled so far; a watchdog compares two readings to see a vCPU that sits in the kernel.</summary>
    public long Exits => Interlocked.Read(ref _exits);

    public bool IsParked => _parked.IsSet;

    /// <summary>
    /// Creates the thread, which binds itself to the vCPU and waits for <see cref="Start"/>. Done when
    /// the vCPU is created, so that starting a restored or migrated guest costs no thread creation
    /// inside its downtime (as QEMU's vCPU threads exist before an incoming migration completes).
    /// </summary>
    public void Launch() => _thread.Start();

    /// <summary>Lets the thread enter the guest; also releases a thread whose machine stops before it ever ran.</summary>
    public void Start() => _go.Set();

    public void Join()
    {
        if (_thread.ThreadState != ThreadState.Unstarted)
            _thread.Join();
    }

    public void Kick() => Vcpu.Kick();

    /// <summary>Runs <paramref name="work"/> on the vCPU thread between two KVM_RUNs.</summary>
    public T Invoke<T>(Func<Vcpu, T> work)
    {
        if (Thread.CurrentThread == _thread)
            return work(Vcpu);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Enqueue(() =>
        {
            try
            {
                done.SetResult(work(Vcpu));
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        if (_exited)
            DrainRequests();
        Vcpu.Kick();
        return done.Task.GetAwaiter().GetResult();
    }

    private void Loop()
    {
        Vcpu.BindToCurrentThread();
        _go.Wait();
        try
        {
            while (!_machine.IsStopping)
            {
                var reason = Vcpu.RunOnce();
                Interlocked.Increment(ref _exits);
                if (reason == VcpuExitReason.Interrupted)
                    HandleKick();
                else
                    HandleExit(reason);
            }
        }
        catch (Exception ex)
        {
            _machine.RequestStop(new MachineExit(MachineExitKind.EntryFailure, $"vCPU {Vcpu.Id}: {ex.Message}"));
        }
        finally
        {
            _exited = true;
            _parked.Set();
            DrainRequests();
        }
    }

    private void HandleKick()
    {
        // Clear first: a kick that lands after this point still makes the next KVM_RUN return at once.
        Vcpu.ClearKick();
        DrainRequests();
        while (_machine.IsPauseRequested && !_machine.IsStopping)
        {
            _parked.Set();
            _machine.WaitWhilePaused();
            DrainRequests();
        }
        _parked.Reset();
        // Auto-converge: each throttle kick costs this vCPU its share of the period, slept here, outside the guest.
        var sleep = _machine.ThrottleSleep;
        if (sleep > TimeSpan.Zero && !_machine.IsStopping)
            Thread.Sleep(sleep);
    }

    private void DrainRequests()
    {
        while (_requests.TryDequeue(out var request))
            request();
    }

    private void HandleExit(VcpuExitReason reason)
    {
        switch (reason)
        {
            case VcpuExitReason.Io:
                var io = Vcpu.GetIoExit();
                for (var i = 0; i < io.Count; i++)
                {
                    var data = io.Data.Slice(i * io.Size, io.Size);
                    if (io.IsWrite)
                        _machine.PortBus.Write(io.Port, data);
                    else
                        _machine.PortBus.Read(io.Port, data);
                }
                break;
            case VcpuExitReason.Mmio:
                var mmio = Vcpu.GetMmioExit();
                if (mmio.IsWrite)
                    _machine.MmioBus.Write(mmio.Address, mmio.Data);
                else
                    _machine.MmioBus.Read(mmio.Address, mmio.Data);
                break;
            case VcpuExitReason.Shutdown:
                _machine.RequestStop(new MachineExit(MachineExitKind.TripleFault,
                    $"guest triple fault on vCPU {Vcpu.Id} (rip 0x{Vcpu.GetRegs().rip:x}): the machine shut down"));
                break;
            case VcpuExitReason.SystemEvent:
                _machine.RequestStop(Vcpu.GetSystemEventType() switch
                {
                    KvmConstants.KVM_SYSTEM_EVENT_RESET => new MachineExit(MachineExitKind.Reset, "guest reset"),
                    KvmConstants.KVM_SYSTEM_EVENT_SHUTDOWN => new MachineExit(MachineExitKind.PowerOff, "guest powered off"),
                    var type => new MachineExit(MachineExitKind.TripleFault, $"guest crashed (system event {type})"),
                });
                break;
            case VcpuExitReason.Hlt:
                _machine.RequestStop(new MachineExit(MachineExitKind.GuestHalted, $"vCPU {Vcpu.Id} halted"));
                break;
            case VcpuExitReason.InternalError:
                _machine.RequestStop(new MachineExit(MachineExitKind.EmulationFailure, DescribeInternalError()));
                break;
            case VcpuExitReason.FailEntry:
                _machine.RequestStop(new MachineExit(MachineExitKind.EntryFailure,
                    $"vCPU {Vcpu.Id}: KVM could not enter the guest (hardware reason 0x{Vcpu.GetFailEntryReason():x})"));
                break;
            case VcpuExitReason.Intr or VcpuExitReason.IrqWindowOpen:
                break;
            case VcpuExitReason.DirtyRingFull:
                // The vCPU cannot dirty another page until its ring has room: collect all rings now.
                _machine.CollectDirtyRings();
                break;
            default:
                _machine.RequestStop(new MachineExit(MachineExitKind.EntryFailure, $"vCPU {Vcpu.Id}: unexpected KVM exit {reason}"));
                break;
        }
    }

    /// <summary>Names the instruction KVM's emulator gave up on: its address and bytes, which say what to work around.</summary>
    private string DescribeInternalError()
    {
        var error = Vcpu.GetInternalError();
        var regs = Vcpu.GetRegs();
        var sregs = Vcpu.GetSregs();
        var linear = (sregs.efer & (1 << 10)) != 0 && sregs.cs.l == 1 ? regs.rip : sregs.cs.@base + regs.rip;
        var bytes = "unreadable";
        if (GuestPageWalker.TryTranslate(_machine.Memory, sregs, linear, out var physical) && _machine.Memory.IsMapped(physical, 15))
        {
            Span<byte> code = stackalloc byte[15];
            _machine.Memory.Read(physical, code);
            bytes = Convert.ToHexString(code).ToLowerInvariant();
            bytes = string.Join(' ', Enumerable.Range(0, 15).Select(i => bytes.Substring(i * 2, 2)));
        }
        var kind = error.Suberror == 1 ? "could not emulate the instruction" : $"reported internal error {error.Suberror}";
        return $"vCPU {Vcpu.Id}: KVM {kind} at rip 0x{regs.rip:x} (cs 0x{sregs.cs.selector:x}, cpl {sregs.cs.dpl}); bytes: {bytes}";
    }
}
