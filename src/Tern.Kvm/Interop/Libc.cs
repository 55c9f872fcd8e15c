using System.Runtime.InteropServices;

namespace Tern.Kvm.Interop;

/// <summary>
/// open(2), close(2), ioctl(2) and mmap(2) for KVM file descriptors. ioctl is variadic in C; on
/// Linux x86-64 a fixed third argument passed as a pointer or an integer is ABI-compatible, so two
/// entry points cover both kinds of request. The request is nuint because many KVM numbers have
/// bit 31 set.
/// </summary>
internal static unsafe partial class Libc
{
    public const int O_RDWR = 0x2;
    public const int O_CLOEXEC = 0x80000;
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int PROT_EXEC = 0x4;
    public const int MAP_SHARED = 0x01;
    public const int MAP_PRIVATE = 0x02;
    public const int MAP_ANONYMOUS = 0x20;
    public static readonly nint MAP_FAILED = -1;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nuint argument);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(nint address, nuint length, int prot);
}
