namespace Tern.Cluster.Power;

/// <summary>The SPECpower figures of the two servers used in the Beloglazov &amp; Buyya experiments.</summary>
public static class ServerPowerModels
{
    /// <summary>HP ProLiant ML110 G4 (Xeon 3040, 2 × 1860 MHz).</summary>
    public static SpecPowerModel HpProLiantMl110G4 { get; } =
        new("HP ProLiant ML110 G4", [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117]);

    /// <summary>HP ProLiant ML110 G5 (Xeon 3075, 2 × 2660 MHz).</summary>
    public static SpecPowerModel HpProLiantMl110G5 { get; } =
        new("HP ProLiant ML110 G5", [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135]);
}
