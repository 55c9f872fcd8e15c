namespace Tern.Cluster.Model;

/// <summary>A single-vCPU VM type: its vCPU speed cap, memory and network share.</summary>
public sealed record VmSpec(string Name, double Mips, int RamMb, double BandwidthMbps);
