namespace Tern.Vmm.Devices.Serial;

/// <summary>Everything a 16550A keeps between accesses; versioned so snapshots can evolve.</summary>
public sealed record UartState(
    int Version,
    byte Ier,
    byte Lcr,
    byte Mcr,
    byte Lsr,
    byte Msr,
    byte Scr,
    byte Dll,
    byte Dlm,
    byte Fcr,
    bool ThrEmptyInterruptPending,
    byte[] ReceiveFifo,
    byte[] PendingInput)
{
    public const int CurrentVersion = 1;
}
