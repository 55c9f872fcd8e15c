using System.Runtime.InteropServices;
using Tern.Kvm;
using Tern.Kvm.Abi;

namespace Tern.Vmm.State;

/// <summary>
/// Moves state between a live machine and its records.
///
/// Ordering requirements for restore (KVM API documentation; the same order Firecracker and QEMU use):
/// - CPUID is set when the vCPU is created, before any other state: KVM sizes the XSAVE area, the LAPIC
///   and the valid MSRs from it.
/// - VM-wide devices first: PIT2 and the clock, then the PICs and IOAPIC, so that the LAPIC restored
///   later finds its interrupt sources in place.
/// - Per vCPU: MP state, regs, sregs (which carry the APIC base), FPU then XSAVE (XSAVE is the superset
///   and wins), XCRs, debug registers, then the LAPIC (its timer depends on the APIC base and TSC),
///   then MSRs (the TSC deadline MSR needs the LAPIC in TSC-deadline mode), and vCPU events last, since
///   setting any of the above can clear a pending exception or NMI.
/// </summary>
internal static class MachineStateCapture
{
    // KVM_GET_CLOCK also reports flags such as KVM_CLOCK_REALTIME; restoring with no flags makes the guest's
    // clock continue exactly where it was saved, consistent with its TSC, which is restored as a value.
    private const int ClockFlagsOffset = 8;

    public static MachineState Save(Machine machine, Kvm.Kvm kvm)
    {
        var msrIndices = kvm.GetMsrIndexList();
        var vm = machine.Vm;
        var vmState = new VmState(
            VmState.CurrentVersion,
            KvmBlob.ToArray(vm.GetIrqchip(KvmConstants.KVM_IRQCHIP_PIC_MASTER)),
            KvmBlob.ToArray(vm.GetIrqchip(KvmConstants.KVM_IRQCHIP_PIC_SLAVE)),
            KvmBlob.ToArray(vm.GetIrqchip(KvmConstants.KVM_IRQCHIP_IOAPIC)),
            KvmBlob.ToArray(vm.GetPit2()),
            KvmBlob.ToArray(vm.GetClock()));
        var vcpus = machine.Runners.Select(r => SaveVcpu(r.Vcpu, msrIndices)).ToArray();
        var c = machine.Config;
        var description = new MachineDescription(MachineDescription.CurrentVersion, new MachineShape(c.MemoryBytes, c.VcpuCount), c.KernelPath, c.CommandLine);
        return new MachineState(description, vmState, vcpus, machine.Serial.SaveState(), machine.Keyboard.SaveState());
    }

    private static VcpuState SaveVcpu(Vcpu vcpu, uint[] msrIndices)
    {
        return new VcpuState(
            VcpuState.CurrentVersion,
            vcpu.Id,
            MemoryMarshal.AsBytes(vcpu.GetCpuid().AsSpan()).ToArray(),
            KvmBlob.ToArray(vcpu.GetRegs()),
            KvmBlob.ToArray(vcpu.GetSregs()),
            KvmBlob.ToArray(vcpu.GetFpu()),
            KvmBlob.ToArray(vcpu.GetXsave()),
            KvmBlob.ToArray(vcpu.GetXcrs()),
            KvmBlob.ToArray(vcpu.GetLapic()),
            vcpu.GetMpState().mp_state,
            KvmBlob.ToArray(vcpu.GetVcpuEvents()),
            KvmBlob.ToArray(vcpu.GetDebugRegs()),
            ReadableMsrs(vcpu, msrIndices));
    }

    /// <summary>
    /// Every MSR KVM lists that this vCPU can read. KVM_GET_MSRS stops at the first MSR it refuses and
    /// returns how many it read, so the refused one is skipped and the read resumes after it.
    /// </summary>
    private static MsrValue[] ReadableMsrs(Vcpu vcpu, uint[] indices)
    {
        var entries = indices.Select(i => new KvmMsrEntry { index = i }).ToArray();
        var values = new List<MsrValue>(entries.Length);
        var position = 0;
        while (position < entries.Length)
        {
            var read = vcpu.GetMsrs(entries.AsSpan(position));
            for (var i = 0; i < read; i++)
                values.Add(new MsrValue(entries[position + i].index, entries[position + i].data));
            position += read + 1;
        }
        return [.. values];
    }

    public static KvmCpuidEntry2[] CpuidFromBytes(byte[] bytes)
    {
        var size = Marshal.SizeOf<KvmCpuidEntry2>();
        if (bytes.Length % size != 0 || bytes.Length == 0)
            throw new InvalidDataException($"saved CPUID of {bytes.Length} bytes is not a whole number of entries");
        return MemoryMarshal.Cast<byte, KvmCpuidEntry2>(bytes).ToArray();
    }

    public static void Restore(Machine machine, MachineState state)
    {
        var vm = machine.Vm;
        vm.SetPit2(KvmBlob.FromBytes<KvmPitState2>(state.Vm.Pit2));
        var clock = state.Vm.Clock.ToArray();
        if (clock.Length >= ClockFlagsOffset + 4)
            Array.Clear(clock, ClockFlagsOffset, 4);
        vm.SetClock(KvmBlob.FromBytes<KvmClockData>(clock));
        vm.SetIrqchip(KvmBlob.FromBytes<KvmIrqchip>(state.Vm.PicMaster));
        vm.SetIrqchip(KvmBlob.FromBytes<KvmIrqchip>(state.Vm.PicSlave));
        vm.SetIrqchip(KvmBlob.FromBytes<KvmIrqchip>(state.Vm.Ioapic));

        foreach (var saved in state.Vcpus)
        {
            if (saved.Id < 0 || saved.Id >= machine.Runners.Count)
                throw new InvalidDataException($"saved vCPU {saved.Id} does not exist in a {machine.Runners.Count}-vCPU machine");
            RestoreVcpu(machine.Runners[saved.Id].Vcpu, saved);
        }
        machine.Serial.RestoreState(state.Uart);
        machine.Keyboard.RestoreState(state.Keyboard);
    }

    private static void RestoreVcpu(Vcpu vcpu, VcpuState s)
    {
        vcpu.SetMpState(new KvmMpState { mp_state = s.MpState });
        vcpu.SetRegs(KvmBlob.FromBytes<KvmRegs>(s.Regs));
        vcpu.SetSregs(KvmBlob.FromBytes<KvmSregs>(s.Sregs));
        vcpu.SetFpu(KvmBlob.FromBytes<KvmFpu>(s.Fpu));
        vcpu.SetXsave(KvmBlob.FromBytes<KvmXsave>(s.Xsave));
        vcpu.SetXcrs(KvmBlob.FromBytes<KvmXcrs>(s.Xcrs));
        vcpu.SetDebugRegs(KvmBlob.FromBytes<KvmDebugRegs>(s.DebugRegs));
        vcpu.SetLapic(KvmBlob.FromBytes<KvmLapicState>(s.Lapic));
        var msrs = s.Msrs.Select(m => new KvmMsrEntry { index = m.Index, data = m.Value }).ToArray();
        var written = vcpu.SetMsrs(msrs);
        if (written != msrs.Length)
            throw new KvmException($"cannot restore vCPU {vcpu.Id} MSR 0x{msrs[written].index:x}: KVM refused it");
        vcpu.SetVcpuEvents(KvmBlob.FromBytes<KvmVcpuEvents>(s.VcpuEvents));
    }
}
