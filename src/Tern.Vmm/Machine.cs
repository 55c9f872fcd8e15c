using Tern.Kvm;
using Tern.Kvm.Abi;
using Tern.Memory;
using Tern.Vmm.Boot;
using Tern.Vmm.Bus;
using Tern.Vmm.Cpu;
using Tern.Vmm.Devices.I8042;
using Tern.Vmm.Devices.Serial;
using Tern.Vmm.State;

namespace Tern.Vmm;

/// <summary>
/// One virtual machine: KVM VM and vCPUs, guest RAM, the device buses and devices, and the vCPU
/// threads. <see cref="Run"/> blocks until the guest resets, powers off, fails, or the host stops it.
/// </summary>
public sealed class Machine : IDisposable
{
    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromSeconds(1);

    private readonly Kvm.Kvm _kvm;
    private readonly VcpuRunner[] _runners;
    private readonly ManualResetEventSlim _stopped = new(false);
    private readonly ManualResetEventSlim _resumeGate = new(true);
    private MachineExit? _exit;
    private volatile bool _pauseRequested;
    private readonly object _dirtyLogLock = new();
    private bool _dirtyLogging;
    private Timer? _throttleTimer;
    private long _throttleSleepTicks;
    private bool _started;
    private DateTime _startTime;

    private Machine(MachineConfig config, Kvm.Kvm kvm, VirtualMachine vm, GuestMemory memory, Stream console)
    {
        Config = config;
        _kvm = kvm;
        Vm = vm;
        Memory = memory;
        PortBus = new DeviceBus("port I/O");
        MmioBus = new DeviceBus("MMIO");
        Serial = new Uart16550(console, new KvmInterruptLine(vm, Uart16550.Com1Irq));
        Keyboard = new I8042Controller(() => RequestStop(new MachineExit(MachineExitKind.Reset, "guest reset")));
        PortBus.Register(Uart16550.Com1Port, 8, Serial);
        PortBus.Register(I8042Controller.DataPort, I8042Controller.CommandPort - I8042Controller.DataPort + 1u, Keyboard);
        // Every machine has the power-off register the ACPI tables name, so a restored or migrated
        // Linux guest can power off too; a guest that never wrote ACPI tables never touches it.
        PortBus.Register(Boot.Linux.AcpiTables.SleepControlPort, Devices.Acpi.AcpiSleepControl.Length,
            new Devices.Acpi.AcpiSleepControl(Boot.Linux.AcpiTables.S5SleepType,
                () => RequestStop(new MachineExit(MachineExitKind.PowerOff, "guest powered off"))));
        _runners = new VcpuRunner[config.VcpuCount];
    }

    public MachineConfig Config { get; }
    public VirtualMachine Vm { get; }
    public GuestMemory Memory { get; }
    public DeviceBus PortBus { get; }
    public DeviceBus MmioBus { get; }
    public Uart16550 Serial { get; }
    public I8042Controller Keyboard { get; }
    public int VcpuCount => _runners.Length;
    public bool IsStopping => _exit is not null;
    internal bool IsPauseRequested => _pauseRequested;
    public bool IsPaused => _pauseRequested && _runners.All(r => r.IsParked);
    public TimeSpan Uptime => _started ? DateTime.UtcNow - _startTime : TimeSpan.Zero;

    /// <summary>Builds the machine and loads its kernel; the boot CPU starts at the kernel's entry.</summary>
    public static Machine Create(MachineConfig config, Stream console, string kvmPath = Kvm.Kvm.DefaultPath)
    {
        var kernel = KernelLoader.ReadKernelFile(config.KernelPath);
        var machine = Prepare(config, console, memory: null, kvmPath);
        try
        {
            machine.CreateVcpus(savedCpuids: null);
            // Only the boot CPU gets an entry state; the others stay in KVM's wait-for-SIPI state until the guest starts them.
            var bsp = machine._runners[0].Vcpu;
            var regs = bsp.GetRegs();
            var sregs = bsp.GetSregs();
            if (KernelLoader.IsLinux(kernel))
            {
                var initrd = config.InitrdPath is null ? null : Boot.Linux.LinuxKernel.ReadInitrdFile(config.InitrdPath);
                var linux = Boot.Linux.LinuxKernel.Load(machine.Memory, config.MemoryBytes, config.VcpuCount, kernel, Path.GetFileName(config.KernelPath),
                    config.CommandLine, initrd, Path.GetFileName(config.InitrdPath ?? "initrd"));
                LongModeEntry.Apply(ref regs, ref sregs, linux.Entry, linux.BootParams, linux.Gdt, linux.PageTables, linux.Stack);
            }
            else
            {
                if (config.InitrdPath is not null)
                    throw new VmmConfigurationException($"--initrd needs a Linux kernel; {Path.GetFileName(config.KernelPath)} is not one");
                var boot = KernelLoader.Load(machine.Memory, config.MemoryBytes, kernel, Path.GetFileName(config.KernelPath), config.CommandLine);
                ProtectedModeEntry.Apply(ref regs, ref sregs, boot.Entry, boot.Eax, boot.Ebx);
            }
            bsp.SetSregs(sregs);
            bsp.SetRegs(regs);
            return machine;
        }
        catch
        {
            machine.Dispose();
            throw;
        }
    }

    /// <summary>Guest RAM laid out for <paramref name="memoryBytes"/>, anonymous with huge pages, not yet attached to any VM.</summary>
    public static GuestMemory AllocateMemory(ulong memoryBytes) =>
        new(MemoryLayout.RamRanges(memoryBytes)
            .Select((range, slot) => new MemoryRegion(slot, range.Start, MappedMemory.Anonymous(range.Size))));

    /// <summary>
    /// Builds everything but the vCPUs: the KVM VM with its in-kernel irqchip and PIT, guest RAM
    /// (<paramref name="memory"/>, or fresh), and the devices. An incoming migration does this as soon
    /// as it knows the machine, so that only vCPUs and state remain for the downtime; see
    /// <see cref="CreateVcpus"/>.
    /// Ordering requirements (KVM API documentation and arch/x86/kvm): the TSS and identity-map
    /// addresses and the in-kernel irqchip must exist before any vCPU; the PIT after the irqchip.
    /// </summary>
    public static Machine Prepare(MachineConfig config, Stream console, GuestMemory? memory = null, string kvmPath = Kvm.Kvm.DefaultPath)
    {
        var kvm = Kvm.Kvm.Open(kvmPath);
        VirtualMachine? vm = null;
        try
        {
            config.Validate(kvm.CheckExtension(KvmConstants.KVM_CAP_MAX_VCPUS) is > 0 and var max ? max : 1);
            vm = kvm.CreateVm();
            vm.SetTssAddress(MemoryLayout.TssAddress);
            vm.SetIdentityMapAddress(MemoryLayout.IdentityMapAddress);
            vm.CreateIrqchip();
            vm.CreatePit2();
            if (config.DirtyRingEntries > 0)
                vm.EnableDirtyRing(config.DirtyRingEntries);
            if (memory is not null && memory.TotalSize != config.MemoryBytes)
                throw new InvalidOperationException($"prepared memory of {memory.TotalSize} bytes does not fit a {config.MemoryBytes}-byte machine");
            memory ??= AllocateMemory(config.MemoryBytes);
            foreach (var region in memory.Regions)
                vm.SetUserMemoryRegion(region, logDirtyPages: false);
            return new Machine(config, kvm, vm, memory, console);
        }
        catch
        {
            memory?.Dispose();
            vm?.Dispose();
            kvm.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates the vCPUs of a prepared machine. CPUID is set first, before any other vCPU state: KVM
    /// sizes the XSAVE area, the LAPIC and the valid MSRs from it. With <paramref name="savedCpuids"/>
    /// each vCPU gets the CPUID it had when saved — a guest must never see its CPU change under it;
    /// without, the CPUID KVM supports here. The LAPIC is then put in virtual-wire mode, as firmware does.
    /// </summary>
    public void CreateVcpus(byte[][]? savedCpuids)
    {
        if (_runners.Any(r => r is not null))
            throw new InvalidOperationException("the vCPUs already exist");
        if (savedCpuids is not null && savedCpuids.Length != _runners.Length)
            throw new InvalidDataException($"saved CPUID for {savedCpuids.Length} vCPUs, the machine has {_runners.Length}");
        var supported = savedCpuids is null ? _kvm.GetSupportedCpuid() : null;
        for (var id = 0; id < _runners.Length; id++)
        {
            var vcpu = Vm.CreateVcpu(id);
            _runners[id] = new VcpuRunner(this, vcpu);
            vcpu.SetCpuid(savedCpuids is null
                ? CpuidTable.ForVcpu(supported!, id, _runners.Length)
                : MachineStateCapture.CpuidFromBytes(savedCpuids[id]));
            var lapic = vcpu.GetLapic();
            LapicSetup.ApplyVirtualWire(ref lapic);
            vcpu.SetLapic(lapic);
            _runners[id].Launch();
        }
    }

    /// <summary>
    /// Gives vCPUs that have never run the CPUID they were saved with. An incoming migration creates
    /// its vCPUs early (with this host's CPUID), before the saved state arrives; KVM accepts a new
    /// CPUID until a vCPU first runs, and the saved state is restored after it.
    /// </summary>
    public void UseSavedCpuids(byte[][] savedCpuids)
    {
        if (_started)
            throw new InvalidOperationException("cannot change the CPUID of a machine that has run");
        if (savedCpuids.Length != _runners.Length)
            throw new InvalidDataException($"saved CPUID for {savedCpuids.Length} vCPUs, the machine has {_runners.Length}");
        for (var id = 0; id < _runners.Length; id++)
            _runners[id].Vcpu.SetCpuid(MachineStateCapture.CpuidFromBytes(savedCpuids[id]));
    }

    /// <summary>Captures the complete machine state (all but RAM). The machine must be paused.</summary>
    public MachineState SaveState()
    {
        RequirePaused("save state");
        return MachineStateCapture.Save(this, _kvm);
    }

    /// <summary>Loads a saved state into a machine that has not run yet (prepared, with vCPUs from the saved CPUID).</summary>
    public void RestoreState(MachineState state)
    {
        if (_started)
            throw new InvalidOperationException("cannot restore into a machine that has already run");
        MachineStateCapture.Restore(this, state);
    }

    private void RequirePaused(string action)
    {
        if (_started && !_runners.All(r => r.IsParked))
            throw new InvalidOperationException($"cannot {action}: the machine is not paused");
    }

    /// <summary>Starts every vCPU and blocks until the machine stops.</summary>
    public MachineExit Run(CancellationToken cancellation = default)
    {
        Start();
        return WaitForExit(cancellation);
    }

    /// <summary>Starts the vCPU threads; the guest runs from its current state.</summary>
    public void Start()
    {
        if (_started)
            throw new InvalidOperationException("the machine has already been started");
        if (_runners.Any(r => r is null))
            throw new InvalidOperationException("the machine has no vCPUs yet");
        _started = true;
        _startTime = DateTime.UtcNow;
        foreach (var runner in _runners)
            runner.Start();
    }

    /// <summary>Blocks until the machine stops, watching for a guest that halted for good.</summary>
    public MachineExit WaitForExit(CancellationToken cancellation = default)
    {
        using var registration = cancellation.Register(() => RequestStop(new MachineExit(MachineExitKind.Stopped, "stopped by the host")));
        var halted = new HaltWatchdog(this);
        while (!_stopped.Wait(WatchdogPeriod))
            if (halted.AllRunningVcpusHaltedWithInterruptsOff(out var message))
                RequestStop(new MachineExit(MachineExitKind.GuestHalted, message));

        foreach (var runner in _runners)
            runner.Join();
        return _exit!;
    }

    /// <summary>Ends the machine with <paramref name="exit"/>; the first reason given wins.</summary>
    public void RequestStop(MachineExit exit)
    {
        if (Interlocked.CompareExchange(ref _exit, exit, null) is not null)
            return;
        _resumeGate.Set();
        foreach (var runner in _runners)
        {
            runner?.Kick();
            runner?.Start();
        }
        _stopped.Set();
    }

    /// <summary>Takes every vCPU out of the guest and holds it; returns once all are parked.</summary>
    public void Pause()
    {
        _resumeGate.Reset();
        _pauseRequested = true;
        foreach (var runner in _runners)
            runner.Kick();
        foreach (var runner in _runners)
            SpinWait.SpinUntil(() => runner.IsParked || IsStopping);
    }

    public void Resume()
    {
        _pauseRequested = false;
        _resumeGate.Set();
    }

    internal void WaitWhilePaused() => _resumeGate.Wait();

    /// <summary>How long a throttled vCPU sleeps per throttle period.</summary>
    internal TimeSpan ThrottleSleep => TimeSpan.FromTicks(Interlocked.Read(ref _throttleSleepTicks));

    private static readonly TimeSpan ThrottlePeriod = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Slows the guest to (100 − <paramref name="percent"/>)% of its CPU time, as QEMU's cpu-throttle does
    /// for auto-converge: each vCPU runs 10 ms, is kicked out of the guest and sleeps so that the sleep is
    /// percent% of each period. 0 turns throttling off.
    /// </summary>
    public void SetThrottle(int percent)
    {
        percent = Math.Clamp(percent, 0, 99);
        Interlocked.Exchange(ref _throttleSleepTicks, ThrottlePeriod.Ticks * percent / (100 - percent));
        lock (_dirtyLogLock)
        {
            if (percent == 0)
            {
                _throttleTimer?.Dispose();
                _throttleTimer = null;
            }
            else
            {
                // The vCPU runs 10 ms, then sleeps: the kick period is the run time plus the sleep.
                _throttleTimer ??= new Timer(_ =>
                {
                    foreach (var runner in _runners)
                        runner.Kick();
                });
                _throttleTimer.Change(ThrottlePeriod, ThrottlePeriod + ThrottleSleep);
            }
        }
    }

    /// <summary>
    /// Turns KVM's dirty-page logging on or off for all RAM. Turning it on write-protects every page,
    /// so the first write to each page afterwards is recorded (KVM API, KVM_MEM_LOG_DIRTY_PAGES).
    /// </summary>
    public void SetDirtyLogging(bool enabled)
    {
        lock (_dirtyLogLock)
        {
            if (_dirtyLogging == enabled)
                return;
            foreach (var region in Memory.Regions)
                Vm.SetUserMemoryRegion(region, logDirtyPages: enabled);
            _dirtyLogging = enabled;
            // Entries left in the rings would hold them full for the next migration.
            if (!enabled && Config.DirtyRingEntries > 0)
                CollectDirtyRingsLocked();
        }
    }

    /// <summary>
    /// ORs into <paramref name="bitmaps"/> (one per entry of <see cref="GuestMemory.Regions"/>) the pages
    /// written since the last call: by the guest (KVM's dirty bitmaps or dirty rings, which the call also
    /// clears and re-arms) and by the VMM itself (device emulation writes that KVM never sees).
    /// </summary>
    public void CollectDirtyPages(IReadOnlyList<DirtyBitmap> bitmaps)
    {
        var regions = Memory.Regions;
        lock (_dirtyLogLock)
        {
            if (!_dirtyLogging)
                throw new InvalidOperationException("dirty logging is off");
            if (Config.DirtyRingEntries > 0)
                CollectDirtyRingsLocked();
            else
                for (var i = 0; i < regions.Count; i++)
                {
                    var words = new ulong[(regions[i].PageCount + 63) / 64];
                    Vm.GetDirtyLog((uint)regions[i].Slot, words);
                    bitmaps[i].Merge(words);
                }
        }
        for (var i = 0; i < regions.Count; i++)
        {
            var words = new ulong[(regions[i].PageCount + 63) / 64];
            regions[i].Dirty.TakeInto(words);
            bitmaps[i].Merge(words);
        }
    }

    /// <summary>
    /// Moves every entry of every vCPU's dirty ring into its region's dirty bitmap (where the VMM's own
    /// writes go too) and hands the entries back to KVM, which re-arms write protection for those pages.
    /// Called when a migration collects dirty pages, and by a vCPU whose ring is full.
    /// </summary>
    internal void CollectDirtyRings()
    {
        lock (_dirtyLogLock)
            CollectDirtyRingsLocked();
    }

    private void CollectDirtyRingsLocked()
    {
        Span<KvmDirtyGfn> entries = stackalloc KvmDirtyGfn[256];
        var regions = Memory.Regions;
        foreach (var runner in _runners)
        {
            if (runner?.Vcpu.DirtyRing is not { } ring)
                continue;
            int count;
            do
            {
                count = ring.Collect(entries);
                foreach (var entry in entries[..count])
                {
                    // The slot's low 16 bits are its id; the high ones an address space, always 0 on x86 outside SMM.
                    var slot = (int)(entry.slot & 0xffff);
                    for (var i = 0; i < regions.Count; i++)
                        if (regions[i].Slot == slot && entry.offset < regions[i].PageCount)
                            regions[i].Dirty.Mark(entry.offset);
                }
            }
            while (count == entries.Length);
        }
        Vm.ResetDirtyRings();
    }

    internal IReadOnlyList<VcpuRunner> Runners => _runners;

    public void Dispose()
    {
        RequestStop(new MachineExit(MachineExitKind.Stopped, "disposed"));
        _throttleTimer?.Dispose();
        // A vCPU thread must be gone before its kvm_run mapping is.
        foreach (var runner in _runners)
            runner?.Join();
        foreach (var runner in _runners)
            runner?.Vcpu.Dispose();
        Memory.Dispose();
        Vm.Dispose();
        _kvm.Dispose();
    }
}
