using System.CommandLine;

namespace Tern.Cli.Commands;

internal static class SimCommand
{
    public static Command Create() => new("sim", "Run the datacenter simulator on PlanetLab traces.");
}
