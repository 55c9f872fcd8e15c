namespace Tern.Cluster.Model;

/// <summary>The migrations a policy asks for, in the order they should start.</summary>
public sealed class MigrationPlan
{
    public static MigrationPlan Empty { get; } = new([]);

    public MigrationPlan(IReadOnlyList<PlannedMigration> migrations) => Migrations = migrations;

    public IReadOnlyList<PlannedMigration> Migrations { get; }

    public int Count => Migrations.Count;
}
