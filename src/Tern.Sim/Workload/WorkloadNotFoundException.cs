namespace Tern.Sim.Workload;

/// <summary>The workload folder is missing or holds no traces.</summary>
public sealed class WorkloadNotFoundException(string message) : Exception(message);
