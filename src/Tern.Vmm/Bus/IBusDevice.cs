namespace Tern.Vmm.Bus;

/// <summary>A device that answers reads and writes in an address range of a bus; offsets are relative to the range's base.</summary>
public interface IBusDevice
{
    void Read(ulong offset, Span<byte> data);
    void Write(ulong offset, ReadOnlySpan<byte> data);
}
