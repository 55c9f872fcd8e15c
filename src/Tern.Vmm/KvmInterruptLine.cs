using Tern.Kvm;
using Tern.Vmm.Devices;

namespace Tern.Vmm;

/// <summary>An ISA interrupt line of the in-kernel PIC/IOAPIC pair.</summary>
internal sealed class KvmInterruptLine(VirtualMachine vm, uint irq) : IInterruptLine
{
    public void SetLevel(bool asserted) => vm.SetIrqLine(irq, asserted);
}
