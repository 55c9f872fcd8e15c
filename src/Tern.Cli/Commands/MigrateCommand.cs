using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Tern.Migration.Metrics;
using Tern.Vmm.Control;

namespace Tern.Cli.Commands;

/// <summary>`tern migrate --api SOCK --to HOST:PORT`: move a running VM to a `tern receive` elsewhere.</summary>
internal static class MigrateCommand
{
    public static readonly string[] Modes = ["cold", "static"];

    public static Command Create()
    {
        var api = VmOptions.ApiRequired();
        var to = new Option<string>("--to") { Description = "Destination, HOST:PORT, where tern receive waits.", Required = true };
        var mode = new Option<string>("--mode")
        {
            Description = "cold: suspend, move memory and state, resume there. static: shut down here, boot the same configuration there.",
            DefaultValueFactory = _ => "cold",
        };
        mode.AcceptOnlyFromAmong(Modes);
        var report = new Option<string?>("--report") { Description = "Write the migration metrics as JSON to this file." };
        var command = new Command("migrate", """
            Migrate a running VM to another tern process. Until the destination confirms the guest
            runs there, the source keeps it: any failure or Ctrl-C leaves it running here.
            """)
        {
            api, to, mode, report,
        };
        command.SetAction(parse =>
        {
            var socket = parse.GetValue(api)!;
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                try
                {
                    ControlClient.Call(socket, "cancel-migration");
                }
                catch (ControlApiException)
                {
                    // Nothing left to cancel.
                }
            };
            var args = new JsonObject { ["to"] = parse.GetValue(to), ["mode"] = parse.GetValue(mode) };
            JsonObject result = [];
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"{parse.GetValue(mode)} migration", maxValue: 1);
                    result = ControlClient.Call(socket, "migrate", args, (_, data) =>
                    {
                        var sent = data["PagesSent"]?.GetValue<ulong>() ?? 0;
                        var remaining = data["PagesRemaining"]?.GetValue<ulong>() ?? 0;
                        task.Description = $"{data["Phase"]} (round {data["Round"]})";
                        if (sent + remaining > 0)
                            task.Value = (double)sent / (sent + remaining);
                    });
                    task.Value = 1;
                });
            var migration = result.Deserialize<MigrationReport>()!;
            MigrationReportView.Print(migration);
            if (parse.GetValue(report) is { } path)
                MigrationReportView.WriteJson(migration, path);
            return 0;
        });
        return command;
    }
}
