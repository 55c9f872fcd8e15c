using Tern.Migration.Protocol;

namespace Tern.Migration.Ports;

/// <summary>
/// What a migration needs from the machine it moves away. Tern.Migration never sees a VMM: the host
/// adapts its machine to this port.
/// </summary>
public interface IMigrationSource
{
    ulong MemoryBytes { get; }
    int VcpuCount { get; }

    /// <summary>Guest page numbers that are RAM, as ascending ranges.</summary>
    IReadOnlyList<(ulong FirstPage, ulong PageCount)> PageRanges { get; }

    /// <summary>
    /// The subset of <see cref="PageRanges"/> that may hold non-zero data; pages outside it are known
    /// to be zero without reading them (never touched by the guest).
    /// </summary>
    IReadOnlyList<(ulong FirstPage, ulong PageCount)> PopulatedPageRanges();

    /// <summary>Stops every vCPU; returns once none runs.</summary>
    void Pause();

    /// <summary>Lets the vCPUs run again (after a failed or cancelled migration, or a snapshot).</summary>
    void Resume();

    /// <summary>Ends the machine for good: the destination runs the guest now.</summary>
    void Stop(string reason);

    /// <summary>Copies one page out. Called with the machine paused, or while dirty logging catches later writes.</summary>
    void ReadPage(ulong pageNumber, Span<byte> destination);

    /// <summary>Starts (or stops) recording which pages the guest and the VMM write.</summary>
    void SetDirtyLogging(bool enabled);

    /// <summary>
    /// Marks in <paramref name="dirty"/> every page written since the previous call (or since logging
    /// started), and re-arms tracking for them. One bitmap per entry of <see cref="PageRanges"/>.
    /// </summary>
    void CollectDirtyPages(IReadOnlyList<Tern.Memory.DirtyBitmap> dirty);

    /// <summary>Slows the guest's vCPUs to (100 − percent)% (auto-converge); 0 turns it off.</summary>
    void SetThrottle(int percent);

    /// <summary>
    /// All machine state except RAM and the description, as sections under stable ids. The machine must be paused.
    /// </summary>
    IReadOnlyList<StateSection> SaveState();

    /// <summary>
    /// The machine's description (shape, kernel, command line), sent first so the destination can
    /// build the machine while memory streams in; a static migration sends nothing else.
    /// </summary>
    StateSection Describe();

    /// <summary>The guest's progress as seen on its console, for the degradation and pause metrics.</summary>
    Metrics.GuestProgressMonitor Progress { get; }
}
