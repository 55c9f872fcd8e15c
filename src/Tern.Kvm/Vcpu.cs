using System.Runtime.InteropServices;
using Tern.Kvm.Abi;
using Tern.Kvm.Interop;
using Tern.Memory;

namespace Tern.Kvm;

/// <summary>
/// One virtual CPU. All calls except <see cref="Kick"/> belong on the vCPU's own thread: the kernel
/// makes other threads wait while the vCPU is inside KVM_RUN.
/// </summary>
public sealed unsafe class Vcpu : IDisposable
{
    private readonly VcpuFd _fd;
    private readonly KvmRunMapping _run;
    private nuint _thread;

    internal Vcpu(int id, VcpuFd fd, KvmRunMapping run, DirtyRing? dirtyRing)
    {
        Id = id;
        _fd = fd;
        _run = run;
        DirtyRing = dirtyRing;
    }

    public int Id { get; }

    /// <summary>This vCPU's dirty ring, when the VM tracks dirty pages with rings rather than bitmaps.</summary>
    public DirtyRing? DirtyRing { get; }

    private byte* Run => (byte*)_run.Address;

    /// <summary>Records the calling thread as this vCPU's runner, the one <see cref="Kick"/> signals.</summary>
    public void BindToCurrentThread() => Volatile.Write(ref _thread, Signals.PthreadSelf());

    /// <summary>
    /// Makes the current or next KVM_RUN return <see cref="VcpuExitReason.Interrupted"/>. Safe from any thread;
    /// stays in force until the vCPU thread calls <see cref="ClearKick"/>.
    /// </summary>
    public void Kick()
    {
        Volatile.Write(ref Run[KvmConstants.KVM_RUN_IMMEDIATE_EXIT], (byte)1);
        var thread = Volatile.Read(ref _thread);
        if (thread != 0)
            Signals.PthreadKill(thread, VcpuKick.Signal);
    }

    public void ClearKick() => Volatile.Write(ref Run[KvmConstants.KVM_RUN_IMMEDIATE_EXIT], (byte)0);

    public VcpuExitReason RunOnce()
    {
        if (Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_RUN, 0) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Errno.EINTR or Errno.EAGAIN)
                return VcpuExitReason.Interrupted;
            Check.Throw($"KVM_RUN on vCPU {Id}", errno);
        }
        return (VcpuExitReason)Volatile.Read(ref *(uint*)(Run + KvmConstants.KVM_RUN_EXIT_REASON));
    }

    public IoExit GetIoExit()
    {
        var u = Run + KvmConstants.KVM_RUN_EXIT_UNION;
        var isWrite = u[0] == KvmConstants.KVM_EXIT_IO_OUT;
        int size = u[1];
        var port = *(ushort*)(u + 2);
        var count = (int)*(uint*)(u + 4);
        var offset = *(ulong*)(u + 8);
        var length = (ulong)size * (ulong)count;
        if (offset > (ulong)_run.Length || length > (ulong)_run.Length - offset)
            throw new KvmException($"vCPU {Id}: I/O exit data [{offset}, +{length}) lies outside kvm_run");
        // Safe: bounds checked against the kvm_run mapping, which outlives the exit.
        return new IoExit(isWrite, port, size, count, new Span<byte>(Run + offset, (int)length));
    }

    public MmioExit GetMmioExit()
    {
        var u = Run + KvmConstants.KVM_RUN_EXIT_UNION;
        var address = *(ulong*)u;
        var length = Math.Min(*(uint*)(u + 16), 8u);
        var isWrite = u[20] != 0;
        return new MmioExit(address, isWrite, new Span<byte>(u + 8, (int)length));
    }

    public InternalErrorExit GetInternalError()
    {
        var u = Run + KvmConstants.KVM_RUN_EXIT_UNION;
        var count = Math.Min(*(uint*)(u + 4), 16u);
        var data = new ulong[count];
        for (var i = 0; i < count; i++)
            data[i] = *(ulong*)(u + 8 + 8 * i);
        return new InternalErrorExit(*(uint*)u, data);
    }

    /// <summary>KVM_EXIT_SYSTEM_EVENT type (shutdown, reset, crash).</summary>
    public uint GetSystemEventType() => *(uint*)(Run + KvmConstants.KVM_RUN_EXIT_UNION);

    /// <summary>Hardware entry failure reason of a KVM_EXIT_FAIL_ENTRY.</summary>
    public ulong GetFailEntryReason() => *(ulong*)(Run + KvmConstants.KVM_RUN_EXIT_UNION);

    public KvmRegs GetRegs() => Get<KvmRegs>(KvmIoctls.KVM_GET_REGS, "KVM_GET_REGS");
    public void SetRegs(in KvmRegs regs) => Set(KvmIoctls.KVM_SET_REGS, regs, "KVM_SET_REGS");
    public KvmSregs GetSregs() => Get<KvmSregs>(KvmIoctls.KVM_GET_SREGS, "KVM_GET_SREGS");
    public void SetSregs(in KvmSregs sregs) => Set(KvmIoctls.KVM_SET_SREGS, sregs, "KVM_SET_SREGS");
    public KvmFpu GetFpu() => Get<KvmFpu>(KvmIoctls.KVM_GET_FPU, "KVM_GET_FPU");
    public void SetFpu(in KvmFpu fpu) => Set(KvmIoctls.KVM_SET_FPU, fpu, "KVM_SET_FPU");
    public KvmXsave GetXsave() => Get<KvmXsave>(KvmIoctls.KVM_GET_XSAVE, "KVM_GET_XSAVE");
    public void SetXsave(in KvmXsave xsave) => Set(KvmIoctls.KVM_SET_XSAVE, xsave, "KVM_SET_XSAVE");
    public KvmXcrs GetXcrs() => Get<KvmXcrs>(KvmIoctls.KVM_GET_XCRS, "KVM_GET_XCRS");
    public void SetXcrs(in KvmXcrs xcrs) => Set(KvmIoctls.KVM_SET_XCRS, xcrs, "KVM_SET_XCRS");
    public KvmLapicState GetLapic() => Get<KvmLapicState>(KvmIoctls.KVM_GET_LAPIC, "KVM_GET_LAPIC");
    public void SetLapic(in KvmLapicState lapic) => Set(KvmIoctls.KVM_SET_LAPIC, lapic, "KVM_SET_LAPIC");
    public KvmMpState GetMpState() => Get<KvmMpState>(KvmIoctls.KVM_GET_MP_STATE, "KVM_GET_MP_STATE");
    public void SetMpState(in KvmMpState state) => Set(KvmIoctls.KVM_SET_MP_STATE, state, "KVM_SET_MP_STATE");
    public KvmVcpuEvents GetVcpuEvents() => Get<KvmVcpuEvents>(KvmIoctls.KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS");
    public void SetVcpuEvents(in KvmVcpuEvents events) => Set(KvmIoctls.KVM_SET_VCPU_EVENTS, events, "KVM_SET_VCPU_EVENTS");
    public KvmDebugRegs GetDebugRegs() => Get<KvmDebugRegs>(KvmIoctls.KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS");
    public void SetDebugRegs(in KvmDebugRegs regs) => Set(KvmIoctls.KVM_SET_DEBUGREGS, regs, "KVM_SET_DEBUGREGS");

    public int GetTscKhz() => Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_TSC_KHZ, 0), Name("KVM_GET_TSC_KHZ"));

    public void SetCpuid(ReadOnlySpan<KvmCpuidEntry2> entries)
    {
        var buffer = new byte[8 + entries.Length * sizeof(KvmCpuidEntry2)];
        MemoryMarshal.Write(buffer, (uint)entries.Length);
        MemoryMarshal.AsBytes(entries).CopyTo(buffer.AsSpan(8));
        fixed (byte* p = buffer)
            Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_SET_CPUID2, p), Name("KVM_SET_CPUID2"));
    }

    /// <summary>The CPUID entries this vCPU was given (KVM_GET_CPUID2).</summary>
    public KvmCpuidEntry2[] GetCpuid()
    {
        for (var capacity = 128; ; capacity *= 2)
        {
            var buffer = new byte[8 + capacity * sizeof(KvmCpuidEntry2)];
            MemoryMarshal.Write(buffer, (uint)capacity);
            fixed (byte* p = buffer)
            {
                if (Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_CPUID2, p) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.E2BIG && capacity < 4096)
                        continue;
                    Check.Throw(Name("KVM_GET_CPUID2"), errno);
                }
            }
            var count = (int)MemoryMarshal.Read<uint>(buffer);
            return MemoryMarshal.Cast<byte, KvmCpuidEntry2>(buffer.AsSpan(8, count * sizeof(KvmCpuidEntry2))).ToArray();
        }
    }

    /// <summary>Reads the MSRs named by each entry's index into its data. Returns how many the kernel read, which may be fewer.</summary>
    public int GetMsrs(Span<KvmMsrEntry> entries) => MsrCall(KvmIoctls.KVM_GET_MSRS, entries, "KVM_GET_MSRS", copyBack: true);

    /// <summary>Writes the MSRs. Returns how many the kernel accepted; it stops at the first it refuses.</summary>
    public int SetMsrs(ReadOnlySpan<KvmMsrEntry> entries)
    {
        var copy = entries.ToArray();
        return MsrCall(KvmIoctls.KVM_SET_MSRS, copy, "KVM_SET_MSRS", copyBack: false);
    }

    private int MsrCall(nuint request, Span<KvmMsrEntry> entries, string name, bool copyBack)
    {
        var buffer = new byte[8 + entries.Length * sizeof(KvmMsrEntry)];
        MemoryMarshal.Write(buffer, (uint)entries.Length);
        MemoryMarshal.AsBytes(entries).CopyTo(buffer.AsSpan(8));
        int done;
        fixed (byte* p = buffer)
            done = Check.Result(Libc.Ioctl(_fd.Fd, request, p), Name(name));
        if (copyBack)
            MemoryMarshal.Cast<byte, KvmMsrEntry>(buffer.AsSpan(8)).CopyTo(entries);
        return done;
    }

    private T Get<T>(nuint request, string name) where T : unmanaged
    {
        T value = default;
        Check.Result(Libc.Ioctl(_fd.Fd, request, &value), Name(name));
        return value;
    }

    private void Set<T>(nuint request, in T value, string name) where T : unmanaged
    {
        fixed (T* p = &value)
            Check.Result(Libc.Ioctl(_fd.Fd, request, p), Name(name));
    }

    private string Name(string ioctl) => $"{ioctl} on vCPU {Id}";

    public void Dispose()
    {
        DirtyRing?.Dispose();
        _run.Dispose();
        _fd.Dispose();
    }
}
