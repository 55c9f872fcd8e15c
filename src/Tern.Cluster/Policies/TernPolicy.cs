namespace Tern.Cluster.Policies;

/// <summary>The tuning of Tern's own policy (see docs/simulator.md for how it was chosen).</summary>
public static class TernPolicy
{
    /// <summary>
    /// LR safety: a host counts as overloaded once its predicted utilisation reaches 1 / 1.3 ≈ 77 %.
    /// The optimum of energy × SLAV over the ten PlanetLab days lies between 1.3 and 1.35; 1.3 is
    /// the cheaper end in energy.
    /// </summary>
    public const double DefaultSafety = 1.3;

    /// <summary>Seconds of the emptied host's idle power that must outweigh the migrations' cost.</summary>
    public const double Payback = 300;
}
