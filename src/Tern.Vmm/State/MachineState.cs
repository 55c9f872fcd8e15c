using Tern.Vmm.Devices.I8042;
using Tern.Vmm.Devices.Serial;

namespace Tern.Vmm.State;

/// <summary>The machine's shape: what must match for a saved state to fit a machine.</summary>
public sealed record MachineShape(ulong MemoryBytes, int VcpuCount);

/// <summary>How the machine was configured: enough to build an identical empty machine to restore into.</summary>
public sealed record MachineDescription(int Version, MachineShape Shape, string KernelPath, string CommandLine)
{
    public const int CurrentVersion = 1;
}

/// <summary>One MSR and its value.</summary>
public readonly record struct MsrValue(uint Index, ulong Value);

/// <summary>
/// A vCPU's complete architectural state as KVM reports it. Kernel structs are kept as raw bytes,
/// padded or cut on load, so a state saved on one kernel loads on another that grew a struct.
/// </summary>
public sealed record VcpuState(
    int Version,
    int Id,
    byte[] Cpuid,
    byte[] Regs,
    byte[] Sregs,
    byte[] Fpu,
    byte[] Xsave,
    byte[] Xcrs,
    byte[] Lapic,
    uint MpState,
    byte[] VcpuEvents,
    byte[] DebugRegs,
    MsrValue[] Msrs)
{
    public const int CurrentVersion = 1;
}

/// <summary>The in-kernel devices shared by all vCPUs: both PICs, the IOAPIC, the PIT and the KVM clock.</summary>
public sealed record VmState(int Version, byte[] PicMaster, byte[] PicSlave, byte[] Ioapic, byte[] Pit2, byte[] Clock)
{
    public const int CurrentVersion = 1;
}

/// <summary>Everything but RAM: the machine description, in-kernel device state, every vCPU and every device model.</summary>
public sealed record MachineState(MachineDescription Description, VmState Vm, VcpuState[] Vcpus, UartState Uart, I8042State Keyboard);
