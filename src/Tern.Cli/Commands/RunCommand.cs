using System.CommandLine;

namespace Tern.Cli.Commands;

internal static class RunCommand
{
    public static Command Create() => new("run", "Boot a guest.");
}
