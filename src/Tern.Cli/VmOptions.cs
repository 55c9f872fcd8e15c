using System.CommandLine;
using Tern.Vmm;

namespace Tern.Cli;

/// <summary>The options every command that hosts a VM shares: its name, its control socket and its dirty-page tracking.</summary>
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

    public Option<uint> DirtyRing { get; } = CreateDirtyRing();

    private static Option<uint> CreateDirtyRing()
    {
        var option = new Option<uint>("--dirty-ring")
        {
            Description = "Track the pages the guest dirties (for live migration) with KVM's per-vCPU dirty rings of this many "
                + "entries, a power of two such as 4096, instead of per-slot bitmaps. Collecting then costs in proportion to the "
                + "pages dirtied rather than to guest RAM. Default 0: bitmaps.",
        };
        option.Validators.Add(result =>
        {
            if (MachineConfig.DirtyRingProblem(result.GetValueOrDefault<uint>()) is { } problem)
                result.AddError(problem);
        });
        return option;
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Name);
        command.Options.Add(Api);
        command.Options.Add(DirtyRing);
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
