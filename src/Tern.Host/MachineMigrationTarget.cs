using Tern.Memory;
using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;
using Tern.Vmm;
using Tern.Vmm.Boot;

namespace Tern.Host;

/// <summary>
/// Adapts an incoming migration (or a snapshot being restored) to a new <see cref="Machine"/>: RAM is
/// prepared from the announced shape and filled page by page; the machine itself is built only once
/// the state has arrived whole, and runs only on <see cref="Start"/>.
/// </summary>
public sealed class MachineMigrationTarget(Stream console, GuestProgressMonitor progress) : IMigrationTarget, IDisposable
{
    private static readonly byte[] ZeroPage = new byte[GuestAddress.PageSize];
    private GuestMemory? _memory;
    private Hello? _hello;

    /// <summary>The machine, once restored or booted.</summary>
    public Machine? Machine { get; private set; }

    public GuestProgressMonitor Progress => progress;

    public ulong PageLimit { get; private set; }

    public void Begin(Hello hello)
    {
        try
        {
            MemoryLayout.Validate(hello.MemoryBytes);
        }
        catch (VmmConfigurationException ex)
        {
            throw new MigrationStreamException($"cannot host the incoming machine: {ex.Message}");
        }
        _hello = hello;
        if (hello.Mode == MigrationMode.Static)
            return;
        _memory = Machine.AllocateMemory(hello.MemoryBytes);
        PageLimit = _memory.Regions.Max(r => r.FirstPage + r.PageCount);
    }

    public void WritePage(ulong pageNumber, ReadOnlySpan<byte> data) => Memory(pageNumber).WritePageUntracked(pageNumber, data);

    public void WriteZeroPage(ulong pageNumber) => Memory(pageNumber).WritePageUntracked(pageNumber, ZeroPage);

    private GuestMemory Memory(ulong pageNumber)
    {
        var memory = _memory ?? throw new MigrationStreamException("pages arrived before the machine was announced");
        if (memory.FindRegion(new GuestAddress(pageNumber << GuestAddress.PageShift)) is null)
            throw new MigrationStreamException($"page 0x{pageNumber:x} is not RAM in this machine");
        return memory;
    }

    public void Restore(IReadOnlyList<StateSection> sections)
    {
        var state = MachineStateSections.Decode(sections);
        var shape = state.Description.Shape;
        if (_hello is null || shape.MemoryBytes != _hello.MemoryBytes || shape.VcpuCount != _hello.VcpuCount)
            throw new MigrationStreamException("the machine state does not match the announced machine");
        var memory = _memory ?? throw new MigrationStreamException("no memory was prepared");
        Machine = Machine.CreateForRestore(state, console, memory);
        _memory = null; // the machine owns it now
        Machine.RestoreState(state);
    }

    public void Boot(StateSection description)
    {
        var d = MachineStateSections.DecodeDescription(description);
        Machine = Machine.Create(new MachineConfig(d.Shape.MemoryBytes, d.Shape.VcpuCount, d.KernelPath, d.CommandLine), console);
    }

    public void Start() => (Machine ?? throw new InvalidOperationException("nothing to start")).Start();

    public void Abort()
    {
        Machine?.Dispose();
        Machine = null;
        _memory?.Dispose();
        _memory = null;
    }

    public void Dispose() => _memory?.Dispose();
}
