using System.CommandLine;
using Tern.Vmm;
using Tern.Vmm.Boot;

namespace Tern.Cli.Commands;

/// <summary>`tern run`: boot a guest in this process and forward its serial console to the terminal.</summary>
internal static class RunCommand
{
    public const string ExitStatusHelp = """
        Exit status: 0 when the guest resets or powers off, is stopped, or migrates away; 1 on a Tern
        error; 2 on a usage error; 3 on a guest triple fault; 4 when the guest halts with interrupts
        disabled; 5 when KVM cannot run or emulate the guest.
        """;

    public static Command Create()
    {
        var guest = new Option<string>("--guest")
        {
            Description = $"Which built-in guest to boot: {string.Join(", ", GuestCatalog.Names)}. Ignored with --kernel.",
            DefaultValueFactory = _ => "test",
        };
        guest.AcceptOnlyFromAmong(GuestCatalog.Names);
        var kernel = new Option<string?>("--kernel")
        {
            Description = "Boot this kernel file (Multiboot ELF, Linux bzImage or ELF vmlinux) instead of a built-in guest.",
        };
        var initrd = new Option<string?>("--initrd") { Description = "Initial RAM disk for a Linux kernel (default with --guest linux: its initramfs)." };
        var append = new Option<string?>("--append")
        {
            Description = "Kernel command line. The test guest takes dirty=MIB,RATE tick=MS stop=N fault=ud|triple|hlt; "
                + $"the Linux guest defaults to \"{GuestCatalog.LinuxCommandLine}\" and takes tern.dirty=MIB,RATE.",
        };
        var memory = new Option<string>("--memory", "-m")
        {
            Description = "Guest RAM, 128M to 4G (suffixes K, M, G).",
            DefaultValueFactory = _ => "512M",
        };
        var cpus = new Option<int>("--cpus")
        {
            Description = "Number of vCPUs (1 or 2).",
            DefaultValueFactory = _ => 1,
        };
        var vm = new VmOptions();

        var command = new Command("run", $"""
            Boot a guest and attach its serial console (COM1) to this terminal. The VM serves its
            control API (status, pause, resume, snapshot, migrate, stop) on a Unix socket.
            {ExitStatusHelp}
            """)
        {
            guest, kernel, initrd, append, memory, cpus,
        };
        vm.AddTo(command);
        command.SetAction(parse =>
        {
            var memoryBytes = MemoryLayout.ParseSize(parse.GetValue(memory)!);
            var builtIn = parse.GetValue(kernel) is null ? parse.GetValue(guest)! : null;
            var kernelPath = Path.GetFullPath(parse.GetValue(kernel) ?? GuestCatalog.KernelFor(builtIn!));
            var initrdPath = parse.GetValue(initrd) ?? (builtIn is null ? null : GuestCatalog.InitrdFor(builtIn));
            var commandLine = parse.GetValue(append) ?? (builtIn is null ? "" : GuestCatalog.DefaultCommandLineFor(builtIn));
            var config = new MachineConfig(memoryBytes, parse.GetValue(cpus), kernelPath, commandLine,
                initrdPath is null ? null : Path.GetFullPath(initrdPath))
            {
                DirtyRingEntries = parse.GetValue(vm.DirtyRing),
            };
            var (name, api) = vm.Resolve(parse);
            var session = new VmSession(name, api);
            using var machine = Machine.Create(config, session.CreateConsole());
            return session.Serve(machine, alreadyStarted: false);
        });
        return command;
    }
}
