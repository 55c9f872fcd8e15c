using System.Runtime.InteropServices;
using Tern.Kvm.Abi;
using Tern.Kvm.Interop;
using Tern.Memory;

namespace Tern.Kvm;

/// <summary>The KVM subsystem (/dev/kvm): capabilities, host-wide CPUID and MSR lists, and VM creation.</summary>
public sealed unsafe class Kvm : IDisposable
{
    public const string DefaultPath = "/dev/kvm";
    private readonly KvmSystemFd _fd;

    private Kvm(KvmSystemFd fd, int vcpuMmapSize)
    {
        _fd = fd;
        VcpuMmapSize = vcpuMmapSize;
    }

    public int VcpuMmapSize { get; }

    public static Kvm Open(string path = DefaultPath)
    {
        var raw = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (raw < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var hint = errno switch
            {
                Errno.ENOENT => " (this host has no KVM: load kvm_intel/kvm_amd or enable virtualization)",
                Errno.EACCES or Errno.EPERM => " (add yourself to the 'kvm' group or run as root)",
                _ => "",
            };
            throw new KvmException($"cannot open {path}: {Errno.Name(errno)}{hint}") ;
        }
        var fd = new KvmSystemFd(raw);
        try
        {
            var version = Check.Result(Libc.Ioctl(fd.Fd, KvmIoctls.KVM_GET_API_VERSION, 0), "KVM_GET_API_VERSION");
            if (version != KvmConstants.KVM_API_VERSION)
                throw new KvmException($"{path} speaks KVM API {version}, Tern needs {KvmConstants.KVM_API_VERSION}");
            var mmapSize = Check.Result(Libc.Ioctl(fd.Fd, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
            VcpuKick.InstallSignalHandler();
            return new Kvm(fd, mmapSize);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public int ApiVersion => Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_API_VERSION, 0), "KVM_GET_API_VERSION");

    /// <summary>KVM_CHECK_EXTENSION: 0 when unsupported, otherwise a capability-specific value.</summary>
    public int CheckExtension(uint capability) =>
        Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_CHECK_EXTENSION, capability), $"KVM_CHECK_EXTENSION({capability})");

    public KvmCpuidEntry2[] GetSupportedCpuid()
    {
        // The kernel wants nent preset to the buffer's capacity and answers E2BIG if it is too small.
        for (var capacity = 128; ; capacity *= 2)
        {
            var buffer = new byte[8 + capacity * sizeof(KvmCpuidEntry2)];
            fixed (byte* p = buffer)
            {
                *(uint*)p = (uint)capacity;
                if (Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_SUPPORTED_CPUID, p) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.E2BIG && capacity < 4096)
                        continue;
                    Check.Throw("KVM_GET_SUPPORTED_CPUID", errno);
                }
                var count = (int)*(uint*)p;
                return MemoryMarshal.Cast<byte, KvmCpuidEntry2>(buffer.AsSpan(8, count * sizeof(KvmCpuidEntry2))).ToArray();
            }
        }
    }

    /// <summary>Every MSR index KVM can save and restore for a vCPU (KVM_GET_MSR_INDEX_LIST).</summary>
    public uint[] GetMsrIndexList()
    {
        for (var capacity = 256; ; capacity *= 2)
        {
            var buffer = new uint[1 + capacity];
            buffer[0] = (uint)capacity;
            fixed (uint* p = buffer)
            {
                if (Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_GET_MSR_INDEX_LIST, p) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.E2BIG && capacity < 16384)
                        continue;
                    Check.Throw("KVM_GET_MSR_INDEX_LIST", errno);
                }
            }
            return buffer.AsSpan(1, (int)buffer[0]).ToArray();
        }
    }

    public VirtualMachine CreateVm()
    {
        var raw = Check.Result(Libc.Ioctl(_fd.Fd, KvmIoctls.KVM_CREATE_VM, 0), "KVM_CREATE_VM");
        return new VirtualMachine(new VmFd(raw), VcpuMmapSize);
    }

    public void Dispose() => _fd.Dispose();
}
