namespace Tern.Cluster.Placement;

/// <summary>The cluster has no room for a VM that must be placed.</summary>
public sealed class InsufficientCapacityException(string message) : Exception(message);
