namespace Tern.Memory;

/// <summary>A guest-memory operation failed; <see cref="Errno"/> is the kernel's errno, or 0 for a logic error.</summary>
public sealed class MemoryException(string message, int errno = 0) : Exception(errno == 0 ? message : $"{message}: {Tern.Memory.Errno.Name(errno)}")
{
    public int Errno { get; } = errno;
}
