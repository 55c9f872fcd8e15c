namespace Tern.Vmm;

public enum MachineExitKind
{
    /// <summary>The guest reset the machine (keyboard controller, ACPI reset, reboot): a clean end.</summary>
    Reset,

    /// <summary>The guest powered off.</summary>
    PowerOff,

    /// <summary>The host asked the machine to stop.</summary>
    Stopped,

    /// <summary>The guest moved to another machine, which runs it now.</summary>
    Migrated,

    /// <summary>A triple fault: the CPU gave up on an exception while delivering another.</summary>
    TripleFault,

    /// <summary>Every running vCPU halted with interrupts disabled: nothing can wake the guest again.</summary>
    GuestHalted,

    /// <summary>KVM could not emulate an instruction (KVM_EXIT_INTERNAL_ERROR).</summary>
    EmulationFailure,

    /// <summary>The CPU refused to enter the guest (KVM_EXIT_FAIL_ENTRY) or KVM_RUN failed.</summary>
    EntryFailure,
}

/// <summary>How and why a machine stopped, with the exit code `tern run` returns for it.</summary>
public sealed record MachineExit(MachineExitKind Kind, string Message)
{
    public int ExitCode => Kind switch
    {
        MachineExitKind.Reset or MachineExitKind.PowerOff or MachineExitKind.Stopped or MachineExitKind.Migrated => 0,
        MachineExitKind.TripleFault => 3,
        MachineExitKind.GuestHalted => 4,
        MachineExitKind.EmulationFailure or MachineExitKind.EntryFailure => 5,
        _ => 1,
    };

    public bool IsClean => ExitCode == 0;
}
