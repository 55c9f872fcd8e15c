using Tern.Kvm.Abi;
using Tern.Memory;
using Tern.TestKit;

namespace Tern.Kvm.IntegrationTests;

/// <summary>A one-vCPU VM with 2 MiB of RAM running a few bytes of real-mode code from 0x1000.</summary>
internal sealed class RealModeVm : IDisposable
{
    public const ulong CodeAddress = 0x1000;

    public RealModeVm(byte[] code, bool logDirtyPages = false, uint dirtyRingEntries = 0)
    {
        KvmAvailability.Require();
        Kvm = Kvm.Open();
        Vm = Kvm.CreateVm();
        Vm.SetTssAddress(0xfffb_d000);
        Vm.SetIdentityMapAddress(0xfffb_c000);
        Vm.CreateIrqchip();
        Vm.CreatePit2();
        if (dirtyRingEntries > 0)
            Vm.EnableDirtyRing(dirtyRingEntries);
        Region = new MemoryRegion(0, new GuestAddress(0), MappedMemory.Anonymous(2 << 20));
        Memory = new GuestMemory([Region]);
        Vm.SetUserMemoryRegion(Region, logDirtyPages);
        Memory.Write(CodeAddress, code);
        Vcpu = Vm.CreateVcpu(0);
        Vcpu.SetCpuid(Kvm.GetSupportedCpuid());
        var sregs = Vcpu.GetSregs();
        sregs.cs.@base = 0;
        sregs.cs.selector = 0;
        Vcpu.SetSregs(sregs);
        var regs = Vcpu.GetRegs();
        regs.rip = CodeAddress;
        regs.rflags = 2;
        Vcpu.SetRegs(regs);
    }

    public Kvm Kvm { get; }
    public VirtualMachine Vm { get; }
    public MemoryRegion Region { get; }
    public GuestMemory Memory { get; }
    public Vcpu Vcpu { get; }

    public void Dispose()
    {
        Vcpu.Dispose();
        Memory.Dispose();
        Vm.Dispose();
        Kvm.Dispose();
    }
}
