using System.CommandLine;
using Tern.Cli;
using Tern.Cli.Commands;

var root = new RootCommand("Tern: a KVM virtual machine monitor that runs Linux guests and migrates them while they run.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(SnapshotCommand.Create());
root.Subcommands.Add(RestoreCommand.Create());
root.Subcommands.Add(ReceiveCommand.Create());
root.Subcommands.Add(MigrateCommand.Create());
foreach (var command in VmControlCommands.Create())
    root.Subcommands.Add(command);
root.Subcommands.Add(SimCommand.Create());
return CommandLineErrors.Invoke(root, args);
