using System.Runtime.InteropServices;
using Tern.Kvm.Abi;
using Tern.Kvm.Interop;
using Tern.Memory;

namespace Tern.Kvm;

/// <summary>A KVM virtual machine: memory slots, in-kernel interrupt controllers and timer, clock, dirty log, vCPUs.</summary>
public sealed unsafe class VirtualMachine : IDisposable
{
    private readonly VmFd _fd;
    private readonly int _vcpuMmapSize;
    private uint _dirtyRingEntries;

    internal VirtualMachine(VmFd fd, int vcpuMmapSize)
    {
        _fd = fd;
        _vcpuMmapSize = vcpuMmapSize;
    }

    public int CheckExtension(uint capability) =>
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_CHECK_EXTENSION, capability), $"KVM_CHECK_EXTENSION({capability}) on the VM");

    public void SetTssAddress(ulong address) =>
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_SET_TSS_ADDR, (nuint)address), "KVM_SET_TSS_ADDR");

    public void SetIdentityMapAddress(ulong address) =>
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR, &address), "KVM_SET_IDENTITY_MAP_ADDR");

    /// <summary>Creates the in-kernel PICs, IOAPIC and per-vCPU LAPICs; must come before any vCPU exists.</summary>
    public void CreateIrqchip() => Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");

    public void CreatePit2(uint flags = KvmConstants.KVM_PIT_SPEAKER_DUMMY)
    {
        var config = new KvmPitConfig { flags = flags };
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_CREATE_PIT2, &config), "KVM_CREATE_PIT2");
    }

    public void EnableCap(uint capability, ulong arg0 = 0)
    {
        var cap = new KvmEnableCap { cap = capability };
        cap.args[0] = arg0;
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_ENABLE_CAP, &cap), $"KVM_ENABLE_CAP({capability})");
    }

    public void SetUserMemoryRegion(uint slot, uint flags, ulong guestPhysicalAddress, ulong size, nint hostAddress)
    {
        var region = new KvmUserspaceMemoryRegion
        {
            slot = slot, flags = flags, guest_phys_addr = guestPhysicalAddress, memory_size = size, userspace_addr = (ulong)hostAddress,
        };
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_SET_USER_MEMORY_REGION, &region), $"KVM_SET_USER_MEMORY_REGION(slot {slot})");
    }

    /// <summary>Registers a memory region, optionally with dirty-page logging.</summary>
    public void SetUserMemoryRegion(MemoryRegion region, bool logDirtyPages) =>
        SetUserMemoryRegion((uint)region.Slot, logDirtyPages ? KvmConstants.KVM_MEM_LOG_DIRTY_PAGES : 0, region.Start.Value, region.Size, region.HostAddress);

    public void SetIrqLine(uint irq, bool level)
    {
        var line = new KvmIrqLevel { irq = irq, level = level ? 1u : 0u };
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_IRQ_LINE, &line), $"KVM_IRQ_LINE({irq})");
    }

    public KvmIrqchip GetIrqchip(uint chipId)
    {
        KvmIrqchip chip = default;
        *(uint*)&chip = chipId;
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_IRQCHIP, &chip), $"KVM_GET_IRQCHIP({chipId})");
        return chip;
    }

    public void SetIrqchip(in KvmIrqchip chip)
    {
        fixed (KvmIrqchip* p = &chip)
            Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_SET_IRQCHIP, p), $"KVM_SET_IRQCHIP({*(uint*)p})");
    }

    public KvmPitState2 GetPit2()
    {
        KvmPitState2 state = default;
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_PIT2, &state), "KVM_GET_PIT2");
        return state;
    }

    public void SetPit2(in KvmPitState2 state)
    {
        fixed (KvmPitState2* p = &state)
            Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_SET_PIT2, p), "KVM_SET_PIT2");
    }

    public KvmClockData GetClock()
    {
        KvmClockData clock = default;
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_CLOCK, &clock), "KVM_GET_CLOCK");
        return clock;
    }

    public void SetClock(in KvmClockData clock)
    {
        fixed (KvmClockData* p = &clock)
            Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_SET_CLOCK, p), "KVM_SET_CLOCK");
    }

    /// <summary>
    /// Copies the slot's dirty bitmap into <paramref name="bitmap"/> (one bit per page, as many words as the slot
    /// needs). Without manual protection the kernel also clears and re-protects the pages it reports.
    /// </summary>
    public void GetDirtyLog(uint slot, Span<ulong> bitmap)
    {
        fixed (ulong* p = bitmap)
        {
            var log = new KvmDirtyLog { slot = slot, dirty_bitmap = (ulong)p };
            Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_DIRTY_LOG, &log), $"KVM_GET_DIRTY_LOG(slot {slot})");
        }
    }

    /// <summary>Re-arms write protection for the pages set in <paramref name="bitmap"/>; <paramref name="firstPage"/> must be a multiple of 64.</summary>
    public void ClearDirtyLog(uint slot, ulong firstPage, uint pageCount, ReadOnlySpan<ulong> bitmap)
    {
        fixed (ulong* p = bitmap)
        {
            var clear = new KvmClearDirtyLog { slot = slot, first_page = firstPage, num_pages = pageCount, dirty_bitmap = (ulong)p };
            Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_CLEAR_DIRTY_LOG, &clear), $"KVM_CLEAR_DIRTY_LOG(slot {slot})");
        }
    }

    /// <summary>
    /// Switches dirty-page tracking from per-slot bitmaps to per-vCPU rings of <paramref name="entries"/>
    /// entries (KVM_CAP_DIRTY_LOG_RING): KVM then appends each page a vCPU dirties to that vCPU's ring, and
    /// KVM_GET_DIRTY_LOG is no longer available. Must come before any vCPU exists.
    /// </summary>
    public void EnableDirtyRing(uint entries)
    {
        var maxBytes = CheckExtension(KvmConstants.KVM_CAP_DIRTY_LOG_RING);
        if (maxBytes <= 0)
            throw new KvmException("this host's KVM has no dirty ring (KVM_CAP_DIRTY_LOG_RING); track dirty pages with the bitmap instead");
        var bytes = (ulong)entries * (ulong)sizeof(KvmDirtyGfn);
        if (bytes > (ulong)maxBytes)
            throw new KvmException($"a dirty ring of {entries} entries exceeds this host's KVM limit of {maxBytes / sizeof(KvmDirtyGfn)}");
        EnableCap(KvmConstants.KVM_CAP_DIRTY_LOG_RING, bytes);
        _dirtyRingEntries = entries;
    }

    /// <summary>
    /// Re-arms write protection for every ring entry the VMM has marked collected, on all vCPUs, and
    /// frees those entries (KVM_RESET_DIRTY_RINGS). Returns how many were reset.
    /// </summary>
    public int ResetDirtyRings() => Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_RESET_DIRTY_RINGS, 0), "KVM_RESET_DIRTY_RINGS");

    public Vcpu CreateVcpu(int id)
    {
        var raw = Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_CREATE_VCPU, (nuint)id), $"KVM_CREATE_VCPU({id})");
        var fd = new VcpuFd(raw);
        KvmRunMapping? run = null;
        try
        {
            run = Map(raw, 0, _vcpuMmapSize, $"kvm_run for vCPU {id}");
            var ring = _dirtyRingEntries == 0
                ? null
                : new DirtyRing(Map(raw, KvmConstants.KVM_DIRTY_LOG_PAGE_OFFSET * Environment.SystemPageSize,
                    (int)_dirtyRingEntries * sizeof(KvmDirtyGfn), $"the dirty ring of vCPU {id}"), _dirtyRingEntries);
            return new Vcpu(id, fd, run, ring);
        }
        catch
        {
            run?.Dispose();
            fd.Dispose();
            throw;
        }
    }

    private static KvmRunMapping Map(int fd, long offset, int length, string what)
    {
        var address = Libc.Mmap(0, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, offset);
        if (address == Libc.MAP_FAILED)
            Check.Throw($"mmap of {what}", Marshal.GetLastPInvokeError());
        return new KvmRunMapping(address, length);
    }

    public void Dispose() => _fd.Dispose();
}
