using System.CommandLine;
using Tern.Host;
using Tern.Migration.Strategies;
using Tern.Vmm.Boot;

namespace Tern.Cli.Commands;

/// <summary>`tern restore DIR`: run a snapshot in a new process, continuing exactly where it was taken.</summary>
internal static class RestoreCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Snapshot directory written by tern snapshot." };
        var memory = new Option<string?>("--memory", "-m") { Description = "Refuse the snapshot unless its guest has this much RAM." };
        var cpus = new Option<int?>("--cpus") { Description = "Refuse the snapshot unless its guest has this many vCPUs." };
        var vm = new VmOptions();
        var command = new Command("restore", $"""
            Restore a snapshot in this process and run it. The whole snapshot is read and checked
            before any guest code runs; a truncated, corrupted or newer-format snapshot is refused.
            {RunCommand.ExitStatusHelp}
            """)
        {
            directory, memory, cpus,
        };
        vm.AddTo(command);
        command.SetAction(parse =>
        {
            var path = Path.Combine(parse.GetValue(directory)!, MigrationControl.SnapshotFileName);
            if (!File.Exists(path))
                throw new FileNotFoundException($"{parse.GetValue(directory)} holds no snapshot ({MigrationControl.SnapshotFileName} is missing)");
            (ulong, int)? expected = null;
            if (parse.GetValue(memory) is not null || parse.GetValue(cpus) is not null)
                expected = (parse.GetValue(memory) is { } size ? MemoryLayout.ParseSize(size) : 0, parse.GetValue(cpus) ?? 0);
            var (name, api) = vm.Resolve(parse);
            var session = new VmSession(name, api);
            var target = new MachineMigrationTarget(session.CreateConsole(), session.Progress, parse.GetValue(vm.DirtyRing));
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            {
                var receiver = new MigrationReceiver(target, TimeProvider.System);
                receiver.Receive(file, replies: null, $"snapshot {path}", expected);
            }
            using var machine = target.Machine!;
            return session.Serve(machine, alreadyStarted: true);
        });
        return command;
    }
}
