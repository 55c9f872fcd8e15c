namespace Tern.Cluster.Detection;

/// <summary>THR: overloaded when the CPU its VMs request exceeds a fixed share of capacity.</summary>
public sealed class StaticThresholdDetector(double threshold) : IOverloadDetector
{
    public double Threshold { get; } = threshold;

    public bool IsOverloaded(in HostLoad load) => load.RequestedUtilization > Threshold;
}
