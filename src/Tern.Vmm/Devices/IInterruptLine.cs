namespace Tern.Vmm.Devices;

/// <summary>A level-triggered interrupt line into the in-kernel PIC/IOAPIC.</summary>
public interface IInterruptLine
{
    void SetLevel(bool asserted);
}
