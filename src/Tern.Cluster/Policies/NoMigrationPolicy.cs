using Tern.Cluster.Model;

namespace Tern.Cluster.Policies;

/// <summary>Never moves anything (the NPA and DVFS baselines).</summary>
public sealed class NoMigrationPolicy : IConsolidationPolicy
{
    public MigrationPlan Plan(ClusterSnapshot snapshot) => MigrationPlan.Empty;
}
