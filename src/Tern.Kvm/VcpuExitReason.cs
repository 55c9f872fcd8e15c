using Tern.Kvm.Abi;

namespace Tern.Kvm;

/// <summary>Why KVM_RUN returned. Kernel exit reasons keep their numbers; <see cref="Interrupted"/> is EINTR (a kick).</summary>
public enum VcpuExitReason : uint
{
    Unknown = KvmConstants.KVM_EXIT_UNKNOWN,
    Exception = KvmConstants.KVM_EXIT_EXCEPTION,
    Io = KvmConstants.KVM_EXIT_IO,
    Hypercall = KvmConstants.KVM_EXIT_HYPERCALL,
    Debug = KvmConstants.KVM_EXIT_DEBUG,
    Hlt = KvmConstants.KVM_EXIT_HLT,
    Mmio = KvmConstants.KVM_EXIT_MMIO,
    IrqWindowOpen = KvmConstants.KVM_EXIT_IRQ_WINDOW_OPEN,
    Shutdown = KvmConstants.KVM_EXIT_SHUTDOWN,
    FailEntry = KvmConstants.KVM_EXIT_FAIL_ENTRY,
    Intr = KvmConstants.KVM_EXIT_INTR,
    InternalError = KvmConstants.KVM_EXIT_INTERNAL_ERROR,
    SystemEvent = KvmConstants.KVM_EXIT_SYSTEM_EVENT,
    DirtyRingFull = KvmConstants.KVM_EXIT_DIRTY_RING_FULL,
    Interrupted = uint.MaxValue,
}

/// <summary>A port I/O exit: the data lives in the kvm_run page and is written back on the next KVM_RUN.</summary>
public readonly ref struct IoExit(bool isWrite, ushort port, int size, int count, Span<byte> data)
{
    public bool IsWrite { get; } = isWrite;
    public ushort Port { get; } = port;
    public int Size { get; } = size;
    public int Count { get; } = count;

    /// <summary>Size × Count bytes: for a write, what the guest wrote; for a read, where to put the answer.</summary>
    public Span<byte> Data { get; } = data;
}

/// <summary>An MMIO exit.</summary>
public readonly ref struct MmioExit(ulong address, bool isWrite, Span<byte> data)
{
    public ulong Address { get; } = address;
    public bool IsWrite { get; } = isWrite;
    public Span<byte> Data { get; } = data;
}

/// <summary>KVM_EXIT_INTERNAL_ERROR details: suberror 1 is "emulation failure".</summary>
public readonly record struct InternalErrorExit(uint Suberror, ulong[] Data);
