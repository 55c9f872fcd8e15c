namespace Tern.Kvm.Interop;

/// <summary>
/// KVM ioctl request numbers from the kernel's _IOC formula (include/uapi/asm-generic/ioctl.h):
/// direction in bits 30-31, argument size in 16-29, type 0xAE in 8-15, number in 0-7. Names are the
/// kernel's; a test compiles /usr/include/linux/kvm.h and compares every one.
/// </summary>
internal static class KvmIoctls
{
    private const uint None = 0, Write = 1, Read = 2;
    private const uint Type = 0xAE;

    private static nuint Ioc(uint direction, uint nr, uint size) => (nuint)((direction << 30) | (size << 16) | (Type << 8) | nr);
    private static nuint Io(uint nr) => Ioc(None, nr, 0);
    private static nuint Ior(uint nr, int size) => Ioc(Read, nr, (uint)size);
    private static nuint Iow(uint nr, int size) => Ioc(Write, nr, (uint)size);
    private static nuint Iowr(uint nr, int size) => Ioc(Read | Write, nr, (uint)size);

    // /dev/kvm
    public static readonly nuint KVM_GET_API_VERSION = Io(0x00);
    public static readonly nuint KVM_CREATE_VM = Io(0x01);
    public static readonly nuint KVM_GET_MSR_INDEX_LIST = Iowr(0x02, 4);
    public static readonly nuint KVM_CHECK_EXTENSION = Io(0x03);
    public static readonly nuint KVM_GET_VCPU_MMAP_SIZE = Io(0x04);
    public static readonly nuint KVM_GET_SUPPORTED_CPUID = Iowr(0x05, 8);
    public static readonly nuint KVM_GET_MSR_FEATURE_INDEX_LIST = Iowr(0x0a, 4);

    // VM
    public static readonly nuint KVM_CREATE_VCPU = Io(0x41);
    public static readonly nuint KVM_GET_DIRTY_LOG = Iow(0x42, 16);
    public static readonly nuint KVM_SET_USER_MEMORY_REGION = Iow(0x46, 32);
    public static readonly nuint KVM_SET_TSS_ADDR = Io(0x47);
    public static readonly nuint KVM_SET_IDENTITY_MAP_ADDR = Iow(0x48, 8);
    public static readonly nuint KVM_CREATE_IRQCHIP = Io(0x60);
    public static readonly nuint KVM_IRQ_LINE = Iow(0x61, 8);
    public static readonly nuint KVM_GET_IRQCHIP = Iowr(0x62, 520);
    public static readonly nuint KVM_SET_IRQCHIP = Ior(0x63, 520);
    public static readonly nuint KVM_IRQ_LINE_STATUS = Iowr(0x67, 8);
    public static readonly nuint KVM_CREATE_PIT2 = Iow(0x77, 64);
    public static readonly nuint KVM_SET_CLOCK = Iow(0x7b, 48);
    public static readonly nuint KVM_GET_CLOCK = Ior(0x7c, 48);
    public static readonly nuint KVM_GET_PIT2 = Ior(0x9f, 112);
    public static readonly nuint KVM_SET_PIT2 = Iow(0xa0, 112);
    public static readonly nuint KVM_ENABLE_CAP = Iow(0xa3, 104);
    public static readonly nuint KVM_CLEAR_DIRTY_LOG = Iowr(0xc0, 24);
    public static readonly nuint KVM_RESET_DIRTY_RINGS = Io(0xc7);

    // vCPU
    public static readonly nuint KVM_RUN = Io(0x80);
    public static readonly nuint KVM_GET_REGS = Ior(0x81, 144);
    public static readonly nuint KVM_SET_REGS = Iow(0x82, 144);
    public static readonly nuint KVM_GET_SREGS = Ior(0x83, 312);
    public static readonly nuint KVM_SET_SREGS = Iow(0x84, 312);
    public static readonly nuint KVM_INTERRUPT = Iow(0x86, 4);
    public static readonly nuint KVM_GET_MSRS = Iowr(0x88, 8);
    public static readonly nuint KVM_SET_MSRS = Iow(0x89, 8);
    public static readonly nuint KVM_GET_FPU = Ior(0x8c, 416);
    public static readonly nuint KVM_SET_FPU = Iow(0x8d, 416);
    public static readonly nuint KVM_GET_LAPIC = Ior(0x8e, 1024);
    public static readonly nuint KVM_SET_LAPIC = Iow(0x8f, 1024);
    public static readonly nuint KVM_SET_CPUID2 = Iow(0x90, 8);
    public static readonly nuint KVM_GET_CPUID2 = Iowr(0x91, 8);
    public static readonly nuint KVM_GET_MP_STATE = Ior(0x98, 4);
    public static readonly nuint KVM_SET_MP_STATE = Iow(0x99, 4);
    public static readonly nuint KVM_GET_VCPU_EVENTS = Ior(0x9f, 64);
    public static readonly nuint KVM_SET_VCPU_EVENTS = Iow(0xa0, 64);
    public static readonly nuint KVM_GET_DEBUGREGS = Ior(0xa1, 128);
    public static readonly nuint KVM_SET_DEBUGREGS = Iow(0xa2, 128);
    public static readonly nuint KVM_SET_TSC_KHZ = Io(0xa2);
    public static readonly nuint KVM_GET_TSC_KHZ = Io(0xa3);
    public static readonly nuint KVM_GET_XSAVE = Ior(0xa4, 4096);
    public static readonly nuint KVM_SET_XSAVE = Iow(0xa5, 4096);
    public static readonly nuint KVM_GET_XCRS = Ior(0xa6, 392);
    public static readonly nuint KVM_SET_XCRS = Iow(0xa7, 392);
    public static readonly nuint KVM_KVMCLOCK_CTRL = Io(0xad);
}
