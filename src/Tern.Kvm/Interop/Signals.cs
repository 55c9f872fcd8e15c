using System.Runtime.InteropServices;

namespace Tern.Kvm.Interop;

/// <summary>sigaction(2), pthread_self(3) and pthread_kill(3), for kicking vCPU threads.</summary>
internal static unsafe partial class Signals
{
    public const int SIGUSR1 = 10;

    /// <summary>glibc's struct sigaction on x86-64 (152 bytes); glibc fills sa_restorer itself.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 152)]
    public struct SigAction
    {
        [FieldOffset(0)] public nint Handler;
        [FieldOffset(8)] public fixed ulong Mask[16];
        [FieldOffset(136)] public int Flags;
        [FieldOffset(144)] public nint Restorer;
    }

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    public static partial int Sigaction(int signal, SigAction* action, SigAction* old);

    [LibraryImport("libc", EntryPoint = "pthread_self")]
    public static partial nuint PthreadSelf();

    [LibraryImport("libc", EntryPoint = "pthread_kill")]
    public static partial int PthreadKill(nuint thread, int signal);
}
