using Tern.Kvm.Abi;

namespace Tern.Vmm;

/// <summary>
/// With the in-kernel LAPIC a HLT never reaches the VMM, so a guest that halted with interrupts
/// disabled (a crashed kernel, a test guest's fatal exception) would hang forever. Once a second,
/// vCPUs that have not exited since the last look are asked for their MP state and RFLAGS; when every
/// started vCPU sits halted with IF clear, nothing but an NMI or INIT can wake the guest again.
/// </summary>
internal sealed class HaltWatchdog(Machine machine)
{
    private const ulong InterruptFlag = 1 << 9;
    private readonly long[] _lastExits = new long[machine.VcpuCount];

    public bool AllRunningVcpusHaltedWithInterruptsOff(out string message)
    {
        message = "";
        var runners = machine.Runners;
        var quiet = true;
        for (var i = 0; i < runners.Count; i++)
        {
            var exits = runners[i].Exits;
            quiet &= exits == _lastExits[i];
            _lastExits[i] = exits;
        }
        if (!quiet || machine.IsStopping || machine.IsPauseRequested)
            return false;

        var halted = new List<string>();
        foreach (var runner in runners)
        {
            var (state, rflags, rip) = runner.Invoke(v => (v.GetMpState().mp_state, v.GetRegs().rflags, v.GetRegs().rip));
            if (state == KvmConstants.KVM_MP_STATE_UNINITIALIZED)
                continue;
            if (state != KvmConstants.KVM_MP_STATE_HALTED || (rflags & InterruptFlag) != 0)
                return false;
            halted.Add($"vCPU {runner.Vcpu.Id} at rip 0x{rip:x}");
        }
        // Our own Invoke calls count as exits; start the next comparison from here.
        for (var i = 0; i < runners.Count; i++)
            _lastExits[i] = runners[i].Exits;
        if (halted.Count == 0)
            return false;
        message = $"guest halted with interrupts disabled ({string.Join(", ", halted)})";
        return true;
    }
}
