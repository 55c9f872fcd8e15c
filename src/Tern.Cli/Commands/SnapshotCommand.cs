using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using Tern.Vmm.Control;

namespace Tern.Cli.Commands;

/// <summary>`tern snapshot --api SOCK --out DIR [--stop]`: pause a running VM, save it, then resume or stop it.</summary>
internal static class SnapshotCommand
{
    public static Command Create()
    {
        var api = VmOptions.ApiRequired();
        var output = new Option<string>("--out", "-o") { Description = "Directory to write the snapshot into (created if needed).", Required = true };
        var stop = new Option<bool>("--stop") { Description = "Stop the VM after the snapshot instead of resuming it." };
        var command = new Command("snapshot", "Pause a running VM, write its complete state and RAM to a directory, then resume it (or stop it with --stop).")
        {
            api, output, stop,
        };
        command.SetAction(parse =>
        {
            var directory = Path.GetFullPath(parse.GetValue(output)!);
            var result = ControlClient.Call(parse.GetValue(api)!, "snapshot", new JsonObject { ["out"] = directory, ["stop"] = parse.GetValue(stop) });
            var table = new Table().AddColumns("snapshot", "");
            table.AddRow("path", Markup.Escape(result["path"]!.GetValue<string>()));
            table.AddRow("size", $"{result["bytes"]!.GetValue<long>() / (1024.0 * 1024):0.0} MiB");
            table.AddRow("pages written", $"{result["pages"]}");
            table.AddRow("zero pages skipped", $"{result["zero_pages"]}");
            table.AddRow("time (guest paused)", $"{result["duration_ms"]!.GetValue<double>():0.0} ms");
            table.AddRow("VM afterwards", result["stopped"]!.GetValue<bool>() ? "stopped" : "running");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
