namespace Tern.Kvm.Abi;

#pragma warning disable CA1707 // kernel names

/// <summary>Capability numbers (KVM_CAP_*), exit reasons and flags, with the kernel's names.</summary>
public static class KvmConstants
{
    public const int KVM_API_VERSION = 12;

    public const uint KVM_CAP_IRQCHIP = 0;
    public const uint KVM_CAP_HLT = 1;
    public const uint KVM_CAP_USER_MEMORY = 3;
    public const uint KVM_CAP_SET_TSS_ADDR = 4;
    public const uint KVM_CAP_EXT_CPUID = 7;
    public const uint KVM_CAP_NR_VCPUS = 9;
    public const uint KVM_CAP_NR_MEMSLOTS = 10;
    public const uint KVM_CAP_PIT2 = 33;
    public const uint KVM_CAP_SET_IDENTITY_MAP_ADDR = 37;
    public const uint KVM_CAP_ADJUST_CLOCK = 39;
    public const uint KVM_CAP_VCPU_EVENTS = 41;
    public const uint KVM_CAP_DEBUGREGS = 50;
    public const uint KVM_CAP_XSAVE = 55;
    public const uint KVM_CAP_XCRS = 56;
    public const uint KVM_CAP_TSC_CONTROL = 60;
    public const uint KVM_CAP_MAX_VCPUS = 66;
    public const uint KVM_CAP_IMMEDIATE_EXIT = 136;
    public const uint KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 = 168;
    public const uint KVM_CAP_DIRTY_LOG_RING = 192;

    public const uint KVM_MEM_LOG_DIRTY_PAGES = 1;

    /// <summary>Page offset of a vCPU's dirty ring in its file's mapping, and the flags of a ring entry.</summary>
    public const int KVM_DIRTY_LOG_PAGE_OFFSET = 64;
    public const uint KVM_DIRTY_GFN_F_DIRTY = 1;
    public const uint KVM_DIRTY_GFN_F_RESET = 2;
    public const uint KVM_PIT_SPEAKER_DUMMY = 1;

    public const uint KVM_EXIT_UNKNOWN = 0;
    public const uint KVM_EXIT_EXCEPTION = 1;
    public const uint KVM_EXIT_IO = 2;
    public const uint KVM_EXIT_HYPERCALL = 3;
    public const uint KVM_EXIT_DEBUG = 4;
    public const uint KVM_EXIT_HLT = 5;
    public const uint KVM_EXIT_MMIO = 6;
    public const uint KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    public const uint KVM_EXIT_SHUTDOWN = 8;
    public const uint KVM_EXIT_FAIL_ENTRY = 9;
    public const uint KVM_EXIT_INTR = 10;
    public const uint KVM_EXIT_INTERNAL_ERROR = 17;
    public const uint KVM_EXIT_SYSTEM_EVENT = 24;
    public const uint KVM_EXIT_DIRTY_RING_FULL = 31;

    public const byte KVM_EXIT_IO_IN = 0;
    public const byte KVM_EXIT_IO_OUT = 1;

    public const uint KVM_SYSTEM_EVENT_SHUTDOWN = 1;
    public const uint KVM_SYSTEM_EVENT_RESET = 2;
    public const uint KVM_SYSTEM_EVENT_CRASH = 3;

    public const uint KVM_MP_STATE_RUNNABLE = 0;
    public const uint KVM_MP_STATE_UNINITIALIZED = 1;
    public const uint KVM_MP_STATE_INIT_RECEIVED = 2;
    public const uint KVM_MP_STATE_HALTED = 3;
    public const uint KVM_MP_STATE_SIPI_RECEIVED = 4;

    public const uint KVM_IRQCHIP_PIC_MASTER = 0;
    public const uint KVM_IRQCHIP_PIC_SLAVE = 1;
    public const uint KVM_IRQCHIP_IOAPIC = 2;

    /// <summary>kvm_run field offsets (include/uapi/linux/kvm.h), asserted by a test.</summary>
    public const int KVM_RUN_IMMEDIATE_EXIT = 1;
    public const int KVM_RUN_EXIT_REASON = 8;
    public const int KVM_RUN_IF_FLAG = 13;
    public const int KVM_RUN_EXIT_UNION = 32;
}
