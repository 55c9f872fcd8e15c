using Tern.Kvm.Abi;

namespace Tern.Kvm.IntegrationTests;

/// <summary>Every piece of vCPU and VM state KVM hands out can be handed back and reads the same.</summary>
public sealed class StateRoundTripTests
{
    private static readonly byte[] Spin = [0xeb, 0xfe];

    private static void RoundTrip<T>(Func<T> get, Action<T> set) where T : unmanaged
    {
        var before = get();
        set(before);
        var after = get();
        KvmBlob.ToArray(after).ShouldBe(KvmBlob.ToArray(before));
    }

    [Fact]
    public void Vcpu_state_round_trips()
    {
        using var vm = new RealModeVm(Spin);
        var v = vm.Vcpu;
        RoundTrip(v.GetRegs, r => v.SetRegs(r));
        RoundTrip(v.GetSregs, s => v.SetSregs(s));
        RoundTrip(v.GetFpu, f => v.SetFpu(f));
        RoundTrip(v.GetXsave, x => v.SetXsave(x));
        RoundTrip(v.GetXcrs, x => v.SetXcrs(x));
        RoundTrip(v.GetLapic, l => v.SetLapic(l));
        RoundTrip(v.GetMpState, m => v.SetMpState(m));
        RoundTrip(v.GetVcpuEvents, e => v.SetVcpuEvents(e));
        RoundTrip(v.GetDebugRegs, d => v.SetDebugRegs(d));
    }

    [Fact]
    public void Registers_set_are_the_registers_read()
    {
        using var vm = new RealModeVm(Spin);
        var regs = vm.Vcpu.GetRegs();
        regs.rax = 0x1122_3344_5566_7788;
        regs.r15 = 42;
        vm.Vcpu.SetRegs(regs);
        var back = vm.Vcpu.GetRegs();
        back.rax.ShouldBe(0x1122_3344_5566_7788UL);
        back.r15.ShouldBe(42UL);
    }

    [Fact]
    public void Vm_state_round_trips()
    {
        using var vm = new RealModeVm(Spin);
        foreach (var chip in new[] { KvmConstants.KVM_IRQCHIP_PIC_MASTER, KvmConstants.KVM_IRQCHIP_PIC_SLAVE, KvmConstants.KVM_IRQCHIP_IOAPIC })
            RoundTrip(() => vm.Vm.GetIrqchip(chip), c => vm.Vm.SetIrqchip(c));
        var pit = KvmBlob.ToArray(vm.Vm.GetPit2());
        vm.Vm.SetPit2(KvmBlob.FromBytes<KvmPitState2>(pit));
        WithoutLoadTimes(KvmBlob.ToArray(vm.Vm.GetPit2())).ShouldBe(WithoutLoadTimes(pit));
        var clock = vm.Vm.GetClock();
        vm.Vm.SetClock(clock);
    }

    /// <summary>Each kvm_pit_channel_state (24 bytes) holds count_load_time at offset 16, which KVM re-bases to "now" on set.</summary>
    private static byte[] WithoutLoadTimes(byte[] pit)
    {
        for (var channel = 0; channel < 3; channel++)
            Array.Clear(pit, channel * 24 + 16, 8);
        return pit;
    }

    [Fact]
    public void Every_listed_msr_can_be_read_and_written_back()
    {
        using var vm = new RealModeVm(Spin);
        var indices = vm.Kvm.GetMsrIndexList();
        indices.ShouldNotBeEmpty();
        indices.ShouldContain(0x10u); // IA32_TIME_STAMP_COUNTER
        var entries = indices.Select(i => new KvmMsrEntry { index = i }).ToArray();
        var read = vm.Vcpu.GetMsrs(entries);
        read.ShouldBeGreaterThan(0);
        vm.Vcpu.SetMsrs(entries.AsSpan(0, read)).ShouldBe(read);
    }

    [Fact]
    public void Capabilities_the_vmm_relies_on_are_present()
    {
        using var vm = new RealModeVm(Spin);
        vm.Kvm.ApiVersion.ShouldBe(KvmConstants.KVM_API_VERSION);
        vm.Kvm.CheckExtension(KvmConstants.KVM_CAP_IRQCHIP).ShouldBeGreaterThan(0);
        vm.Kvm.CheckExtension(KvmConstants.KVM_CAP_IMMEDIATE_EXIT).ShouldBeGreaterThan(0);
        vm.Kvm.CheckExtension(KvmConstants.KVM_CAP_USER_MEMORY).ShouldBeGreaterThan(0);
        vm.Kvm.GetSupportedCpuid().ShouldContain(e => e.function == 0);
        vm.Vcpu.GetTscKhz().ShouldBeGreaterThan(0);
    }
}
