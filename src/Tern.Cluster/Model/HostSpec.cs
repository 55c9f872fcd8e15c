using Tern.Cluster.Power;

namespace Tern.Cluster.Model;

/// <summary>What a physical host offers: cores of equal speed, memory, network and a power curve.</summary>
public sealed record HostSpec(string Name, int Cores, double MipsPerCore, int RamMb, double BandwidthMbps, IPowerModel Power)
{
    public double TotalMips => Cores * MipsPerCore;
}
