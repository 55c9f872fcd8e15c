using Tern.Memory;
using Tern.Migration.Compression;
using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;
using Tern.Vmm;
using Tern.Vmm.Boot;
using Tern.Vmm.State;

namespace Tern.Host;

/// <summary>
/// Adapts an incoming migration (or a snapshot being restored) to a new <see cref="Machine"/>: RAM is
/// prepared from the announced shape and filled page by page; the machine itself is built only once
/// the state has arrived whole, and runs only on <see cref="Start"/>. <paramref name="dirtyRingEntries"/>
/// is this host's choice of dirty tracking for the machine (<see cref="MachineConfig.DirtyRingEntries"/>).
/// </summary>
public sealed class MachineMigrationTarget(Stream console, GuestProgressMonitor progress, uint dirtyRingEntries = 0) : IMigrationTarget
{
    private static readonly byte[] ZeroPage = new byte[GuestAddress.PageSize];
    private MachineDescription? _description;

    /// <summary>The machine: prepared when the migration begins, complete once restored or booted.</summary>
    public Machine? Machine { get; private set; }

    public GuestProgressMonitor Progress => progress;

    public ulong PageLimit { get; private set; }

    public void Begin(Hello hello, StateSection description)
    {
        var d = MachineStateSections.DecodeDescription(description);
        if (d.Shape.MemoryBytes != hello.MemoryBytes || d.Shape.VcpuCount != hello.VcpuCount)
            throw new MigrationStreamException("the machine description does not match the hello record");
        try
        {
            MemoryLayout.Validate(hello.MemoryBytes);
        }
        catch (VmmConfigurationException ex)
        {
            throw new MigrationStreamException($"cannot host the incoming machine: {ex.Message}");
        }
        _description = d;
        if (hello.Mode == MigrationMode.Static)
            return;
        Machine = Machine.Prepare(Config(d), console);
        // vCPUs (and their threads) now, not in the downtime; they get the saved CPUID in Restore.
        Machine.CreateVcpus(savedCpuids: null);
        PageLimit = Machine.Memory.Regions.Max(r => r.FirstPage + r.PageCount);
    }

    public void Populate(IReadOnlyList<(ulong FirstPage, ulong PageCount)> ranges)
    {
        foreach (var (first, count) in ranges)
        {
            var region = Memory(first).FindRegion(new GuestAddress(first << GuestAddress.PageShift))!;
            if (count > region.FirstPage + region.PageCount - first)
                throw new MigrationStreamException($"populated pages 0x{first:x}+{count} run past the end of RAM region {region.Slot}");
            region.Populate(first, count);
        }
    }

    public void WritePage(ulong pageNumber, ReadOnlySpan<byte> data) => Memory(pageNumber).WritePageUntracked(pageNumber, data);

    public void WriteZeroPage(ulong pageNumber) => Memory(pageNumber).WritePageUntracked(pageNumber, ZeroPage);

    public void ApplyPageDelta(ulong pageNumber, ReadOnlySpan<byte> delta)
    {
        var memory = Memory(pageNumber);
        Span<byte> page = stackalloc byte[(int)GuestAddress.PageSize];
        memory.Read(new GuestAddress(pageNumber << GuestAddress.PageShift), page);
        XbzrleDelta.Apply(delta, page);
        memory.WritePageUntracked(pageNumber, page);
    }

    private GuestMemory Memory(ulong pageNumber)
    {
        var memory = Machine?.Memory ?? throw new MigrationStreamException("pages arrived before the machine was announced");
        if (memory.FindRegion(new GuestAddress(pageNumber << GuestAddress.PageShift)) is null)
            throw new MigrationStreamException($"page 0x{pageNumber:x} is not RAM in this machine");
        return memory;
    }

    public void Restore(IReadOnlyList<StateSection> sections)
    {
        var state = MachineStateSections.Decode(sections);
        var machine = Machine ?? throw new MigrationStreamException("no machine was prepared");
        if (state.Description != _description)
            throw new MigrationStreamException("the machine state does not match the announced machine");
        machine.UseSavedCpuids(state.Vcpus.Select(v => v.Cpuid).ToArray());
        machine.RestoreState(state);
    }

    public void Boot(StateSection description)
    {
        var d = MachineStateSections.DecodeDescription(description);
        Machine = Machine.Create(Config(d), console);
    }

    private MachineConfig Config(MachineDescription d) =>
        new(d.Shape.MemoryBytes, d.Shape.VcpuCount, d.KernelPath, d.CommandLine) { DirtyRingEntries = dirtyRingEntries };

    public void Start() => (Machine ?? throw new InvalidOperationException("nothing to start")).Start();

    public void Abort()
    {
        Machine?.Dispose();
        Machine = null;
    }
}
