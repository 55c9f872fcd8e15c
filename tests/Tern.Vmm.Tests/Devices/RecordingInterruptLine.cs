using Tern.Vmm.Devices;

namespace Tern.Vmm.Tests.Devices;

/// <summary>An interrupt line that remembers every level it was set to, in order.</summary>
internal sealed class RecordingInterruptLine : IInterruptLine
{
    public List<bool> Levels { get; } = [];

    public bool Asserted => Levels.Count > 0 && Levels[^1];

    public void SetLevel(bool asserted) => Levels.Add(asserted);
}
