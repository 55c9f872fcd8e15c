using Tern.Kvm.Interop;

namespace Tern.Kvm;

/// <summary>
/// Gets a vCPU thread out of KVM_RUN. The kernel leaves KVM_RUN with EINTR only for a signal that has a
/// handler (an ignored signal never interrupts it), and a signal that arrives just before KVM_RUN would
/// be lost, so a kick sets kvm_run.immediate_exit first (KVM_RUN then returns EINTR at once) and
/// then sends SIGUSR1, which the .NET runtime does not use, to the vCPU's thread.
/// The handler must not run managed code: the signal can land while the thread is anywhere, and
/// a reverse P/Invoke from a signal handler is not async-signal-safe. So the handler is one native
/// `ret` instruction on its own executable page.
/// </summary>
internal static class VcpuKick
{
    public const int Signal = Signals.SIGUSR1;

    // Signal dispositions are per process, so this is process-wide by nature; it is set once and never changes.
    private static readonly Lazy<nint> Handler = new(InstallOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void InstallSignalHandler() => _ = Handler.Value;

    private static unsafe nint InstallOnce()
    {
        var page = Libc.Mmap(0, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (page == Libc.MAP_FAILED)
            throw new KvmException("cannot map the vCPU kick handler page");
        *(byte*)page = 0xC3; // ret
        Check.Result(Libc.Mprotect(page, 4096, Libc.PROT_READ | Libc.PROT_EXEC), "mprotect(kick handler)");

        // No SA_RESTART: KVM_RUN must come back with EINTR rather than be restarted.
        Signals.SigAction action = default;
        action.Handler = page;
        Check.Result(Signals.Sigaction(Signal, &action, null), "sigaction(SIGUSR1)");
        return page;
    }
}
