using System.CommandLine;
using Tern.Vmm.Control;

namespace Tern.Cli.Commands;

/// <summary>`tern status|pause|resume|stop --api SOCK`: the simple control API calls, one command each.</summary>
internal static class VmControlCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Simple("status", "Show a running VM's state, vCPUs, memory and uptime.");
        yield return Simple("pause", "Pause a running VM (its vCPUs stop; its state stays in memory).");
        yield return Simple("resume", "Resume a paused VM.");
        yield return Simple("stop", "Stop a VM; its tern process exits.");
    }

    private static Command Simple(string op, string description)
    {
        var api = VmOptions.ApiRequired();
        var command = new Command(op, description) { api };
        command.SetAction(parse =>
        {
            var result = ControlClient.Call(parse.GetValue(api)!, op);
            foreach (var (key, value) in result)
                Console.WriteLine($"{key}: {value}");
            return 0;
        });
        return command;
    }
}
