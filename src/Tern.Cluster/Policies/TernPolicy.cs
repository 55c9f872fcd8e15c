namespace Tern.Cluster.Policies;

/// <summary>The tuning of Tern's own policy (see docs/simulator.md for how it was chosen).</summary>
public static class TernPolicy
{
    public const double DefaultSafety = 1.3;

    /// <summary>Seconds of the emptied host's idle power that must outweigh the migrations' cost.</summary>
    public const double Payback = 300;
}
