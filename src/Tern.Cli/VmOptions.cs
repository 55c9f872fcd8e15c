using System.CommandLine;

namespace Tern.Cli;

/// <summary>The options every command that hosts a VM shares: its name and its control socket.</summary>
internal sealed class VmOptions
{
    public Option<string?> Name { get; } = new("--name")
    {
        Description = "Name of this VM; the default control socket is named after it (default: vm-PID).",
    };

    public Option<string?> Api { get; } = new("--api")
    {
        Description = "Path of the control API socket (default: $XDG_RUNTIME_DIR/tern/NAME.sock, /run/tern/NAME.sock for root).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Name);
        command.Options.Add(Api);
    }

    public (string Name, string ApiPath) Resolve(ParseResult parse)
    {
        var name = parse.GetValue(Name) ?? ApiPaths.DefaultName();
        return (name, parse.GetValue(Api) ?? ApiPaths.ForName(name));
    }

    public static Option<string> ApiRequired() => new("--api")
    {
        Description = "Control API socket of the VM (as printed by tern run).",
        Required = true,
    };
}
