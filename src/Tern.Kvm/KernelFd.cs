using System.Runtime.InteropServices;
using Tern.Kvm.Interop;

namespace Tern.Kvm;

/// <summary>A file descriptor that closes itself; one sealed subtype per kind of KVM descriptor so they cannot be mixed up.</summary>
public abstract class KernelFd : SafeHandle
{
    protected KernelFd(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}

/// <summary>The /dev/kvm system descriptor.</summary>
public sealed class KvmSystemFd(int fd) : KernelFd(fd);

/// <summary>A VM descriptor from KVM_CREATE_VM.</summary>
public sealed class VmFd(int fd) : KernelFd(fd);

/// <summary>A vCPU descriptor from KVM_CREATE_VCPU.</summary>
public sealed class VcpuFd(int fd) : KernelFd(fd);

/// <summary>Turns a failed libc call into a <see cref="KvmException"/> that names the step.</summary>
internal static class Check
{
    public static int Result(int result, string operation)
    {
        if (result < 0)
            Throw(operation, Marshal.GetLastPInvokeError());
        return result;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Throw(string operation, int errno) => throw new KvmException(operation, errno);
}
