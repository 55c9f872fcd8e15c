using Tern.Memory;

namespace Tern.Kvm;

/// <summary>A KVM call failed. <see cref="Operation"/> names the step ("KVM_SET_MSRS on vCPU 1"), <see cref="Errno"/> the kernel's reason.</summary>
public sealed class KvmException : Exception
{
    public KvmException(string operation, int errno)
        : base($"{operation} failed: {Tern.Memory.Errno.Name(errno)}")
    {
        Operation = operation;
        Errno = errno;
    }

    public KvmException(string message) : base(message)
    {
        Operation = message;
    }

    public string Operation { get; }
    public int Errno { get; }
}
