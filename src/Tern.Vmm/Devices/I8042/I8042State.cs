namespace Tern.Vmm.Devices.I8042;

/// <summary>The keyboard controller's saved state.</summary>
public sealed record I8042State(int Version, byte Status, byte CommandByte, byte PendingCommand, byte[] Output)
{
    public const int CurrentVersion = 1;
}
