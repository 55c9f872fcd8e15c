using Tern.Host;
using Tern.Migration.Metrics;
using Tern.Vmm;
using Tern.Vmm.Control;

namespace Tern.Cli;

/// <summary>
/// One VM served by this process, as `tern run`, `tern restore` and `tern receive` all do: the guest
/// console on the terminal (watched for progress lines), the control API on a Unix socket, and an
/// exit status that says how the guest ended.
/// </summary>
internal sealed class VmSession(string name, string apiPath)
{
    public GuestProgressMonitor Progress { get; } = new(TimeProvider.System);

    /// <summary>Makes the console feed this session's monitor (the one the control API reports from).</summary>
    public Stream CreateConsole() => new ProgressTeeStream(System.Console.OpenStandardOutput(), Progress);

    /// <summary>Serves a machine that is built (and maybe already running) until it stops; returns the exit status.</summary>
    public int Serve(Machine machine, bool alreadyStarted)
    {
        using var cancel = new CancellationTokenSource();
        System.Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var server = ControlServer.Start(apiPath, s =>
        {
            MachineControl.Register(s, machine, name);
            new MigrationControl(machine, Progress, name, TimeProvider.System).Register(s);
        });
        System.Console.Error.WriteLine($"tern: VM {name}, control API at {apiPath}");
        MachineExit exit;
        try
        {
            ConsoleInput.Forward(System.Console.OpenStandardInput(), machine.Serial);
            if (!alreadyStarted)
                machine.Start();
            exit = machine.WaitForExit(cancel.Token);
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        System.Console.Error.WriteLine($"tern: {exit.Message}");
        return exit.ExitCode;
    }
}
