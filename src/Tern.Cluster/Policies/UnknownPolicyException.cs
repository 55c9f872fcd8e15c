namespace Tern.Cluster.Policies;

/// <summary>A policy name that <see cref="PolicyCatalog"/> does not know.</summary>
public sealed class UnknownPolicyException(string message) : Exception(message);
