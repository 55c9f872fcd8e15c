namespace Tern.Cli.Commands.Sim;

/// <summary>The parsed options of `tern sim`.</summary>
internal sealed record SimOptions(
    string Workload,
    string Policy,
    string? Policies,
    int Hosts,
    int Seed,
    string? ReportPath,
    string? PlotPath,
    int Parallelism)
{
    /// <summary>FILE.png → FILE-active-hosts.png, next to it.</summary>
    public static string ActiveHostsPlotPath(string plotPath)
    {
        string directory = Path.GetDirectoryName(plotPath) ?? "";
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(plotPath) + "-active-hosts.png");
    }
}
