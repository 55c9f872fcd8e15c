namespace Tern.Cluster.Model;

/// <summary>One planned live migration: move <paramref name="VmId"/> to <paramref name="TargetHostId"/>.</summary>
public readonly record struct PlannedMigration(int VmId, int TargetHostId);
