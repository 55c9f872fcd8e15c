using Tern.Migration.Protocol;

namespace Tern.Migration.Ports;

/// <summary>
/// What a migration needs from the machine it moves to. Nothing runs until <see cref="Start"/>: a
/// stream that fails before then leaves no guest behind.
/// </summary>
public interface IMigrationTarget
{
    /// <summary>
    /// Checks the announced machine and prepares it, memory and all, short of its vCPUs and state, so
    /// that little is left to do while the guest is down. Throws when it cannot host the machine.
    /// </summary>
    void Begin(Hello hello, StateSection description);

    /// <summary>One past the highest page number the prepared memory has.</summary>
    ulong PageLimit { get; }

    /// <summary>
    /// Allocates the memory of these pages now, ahead of their data (a hint: the pages read as zero
    /// until written). Ranges are checked against <see cref="PageLimit"/> already.
    /// </summary>
    void Populate(IReadOnlyList<(ulong FirstPage, ulong PageCount)> ranges);

    void WritePage(ulong pageNumber, ReadOnlySpan<byte> data);

    void WriteZeroPage(ulong pageNumber);

    /// <summary>
    /// Applies an XBZRLE delta (<see cref="Compression.XbzrleDelta"/>) to the page as it stands here;
    /// a malformed delta throws <see cref="MigrationStreamException"/>.
    /// </summary>
    void ApplyPageDelta(ulong pageNumber, ReadOnlySpan<byte> delta);

    /// <summary>Completes the machine from the sections (the description included), without running it.</summary>
    void Restore(IReadOnlyList<StateSection> sections);

    /// <summary>Builds the machine afresh from its description and boots it (static migration).</summary>
    void Boot(StateSection description);

    /// <summary>Runs the guest.</summary>
    void Start();

    /// <summary>Throws away whatever was prepared.</summary>
    void Abort();

    Metrics.GuestProgressMonitor Progress { get; }
}
