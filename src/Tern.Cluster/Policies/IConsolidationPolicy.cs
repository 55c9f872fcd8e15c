using Tern.Cluster.Model;

namespace Tern.Cluster.Policies;

/// <summary>A consolidation policy: a snapshot of the cluster in, the migrations to start out.</summary>
public interface IConsolidationPolicy
{
    MigrationPlan Plan(ClusterSnapshot snapshot);
}
