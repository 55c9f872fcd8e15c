namespace Tern.Cluster.Detection;

/// <summary>
/// What an overload detector needs to know about one host (possibly with a candidate VM added).
/// </summary>
/// <param name="TotalMips">The host's CPU capacity.</param>
/// <param name="RequestedMips">CPU its VMs ask for now.</param>
/// <param name="History">Host CPU utilisation (fraction of capacity), most recent first, built from its current VMs' histories.</param>
/// <param name="LongestMigrationSeconds">How long moving its slowest-to-move VM would take.</param>
public readonly ref struct HostLoad(double totalMips, double requestedMips, ReadOnlySpan<double> history, double longestMigrationSeconds)
{
    public double TotalMips { get; } = totalMips;

    public double RequestedMips { get; } = requestedMips;

    public ReadOnlySpan<double> History { get; } = history;

    public double LongestMigrationSeconds { get; } = longestMigrationSeconds;

    public double RequestedUtilization => RequestedMips / TotalMips;
}
