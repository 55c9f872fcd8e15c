using Tern.Memory;
using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Protocol;
using Tern.Vmm;
using Tern.Vmm.State;

namespace Tern.Host;

/// <summary>Adapts a running <see cref="Machine"/> to the migration layer's source port.</summary>
public sealed class MachineMigrationSource(Machine machine, GuestProgressMonitor progress) : IMigrationSource
{
    public ulong MemoryBytes => machine.Config.MemoryBytes;
    public int VcpuCount => machine.VcpuCount;

    public IReadOnlyList<(ulong FirstPage, ulong PageCount)> PageRanges =>
        machine.Memory.Regions.Select(r => (r.FirstPage, r.PageCount)).ToList();

    public IReadOnlyList<(ulong FirstPage, ulong PageCount)> PopulatedPageRanges() =>
        machine.Memory.Regions.SelectMany(r => r.PopulatedPages()).ToList();

    public GuestProgressMonitor Progress => progress;

    public void Pause() => machine.Pause();

    public void Resume() => machine.Resume();

    public void Stop(string reason) => machine.RequestStop(new MachineExit(MachineExitKind.Migrated, reason));

    public void ReadPage(ulong pageNumber, Span<byte> destination) => machine.Memory.ReadPage(pageNumber, destination);

    public void SetDirtyLogging(bool enabled) => machine.SetDirtyLogging(enabled);

    public void CollectDirtyPages(IReadOnlyList<DirtyBitmap> dirty) => machine.CollectDirtyPages(dirty);

    public void SetThrottle(int percent) => machine.SetThrottle(percent);

    public IReadOnlyList<StateSection> SaveState() =>
        MachineStateSections.Encode(machine.SaveState()).Where(s => s.Id != MachineStateSections.Machine).ToList();

    public StateSection Describe()
    {
        var c = machine.Config;
        return MachineStateSections.Describe(new MachineDescription(MachineDescription.CurrentVersion,
            new MachineShape(c.MemoryBytes, c.VcpuCount), c.KernelPath, c.CommandLine));
    }
}
