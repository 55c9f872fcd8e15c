using System.CommandLine;
using Tern.Cli;
using Tern.Cli.Commands;

var root = new RootCommand("Tern: a KVM virtual machine monitor that runs Linux guests and migrates them while they run.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(SimCommand.Create());
return CommandLineErrors.Invoke(root, args);
