namespace Tern.Cluster.Detection;

/// <summary>
/// Never reports an overload: capacity limits alone decide. Used for the initial placement, where
/// VMs have no history yet and each one asks for its full speed anyway.
/// </summary>
public sealed class CapacityOnlyDetector : IOverloadDetector
{
    public bool IsOverloaded(in HostLoad load) => false;
}
