using System.Diagnostics;

namespace Tern.TestKit;

/// <summary>
/// A VM served by a real `tern` process (run, restore or receive) with its control socket in a test's
/// temporary directory, so tests run in parallel. Control commands go to that socket.
/// </summary>
public sealed class TernVm : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private TernVm(TernProcess process, string api)
    {
        Process = process;
        Api = api;
    }

    public TernProcess Process { get; }

    /// <summary>The control API socket.</summary>
    public string Api { get; }

    /// <summary>`tern run` of the test guest, with any further <paramref name="options"/>.</summary>
    public static TernVm Run(TempDirectory dir, string name, string append, int cpus = 1, string memory = "256M", IEnumerable<string>? options = null)
    {
        var api = dir.File($"{name}.sock");
        return new TernVm(TernProcess.Start(["run", "--name", name, "--api", api, "--kernel", RepositoryPaths.TestGuestKernel,
            "--memory", memory, "--cpus", cpus.ToString(), "--append", append, .. options ?? []]), api);
    }

    /// <summary>`tern run --guest GUEST` of a built-in guest (1 vCPU, 256 MiB).</summary>
    public static TernVm RunGuest(TempDirectory dir, string name, string guest, string append)
    {
        var api = dir.File($"{name}.sock");
        return new TernVm(TernProcess.Start("run", "--name", name, "--api", api, "--guest", guest,
            "--memory", "256M", "--cpus", "1", "--append", append), api);
    }

    /// <summary>`tern restore` of a snapshot directory.</summary>
    public static TernVm Restore(TempDirectory dir, string name, string snapshot)
    {
        var api = dir.File($"{name}.sock");
        return new TernVm(TernProcess.Start("restore", snapshot, "--name", name, "--api", api), api);
    }

    /// <summary>`tern receive` on a loopback port; returns once it listens.</summary>
    public static TernVm Receive(TempDirectory dir, string name, int port, IEnumerable<string>? options = null)
    {
        var api = dir.File($"{name}.sock");
        var vm = new TernVm(TernProcess.Start(["receive", "--listen", $"127.0.0.1:{port}", "--name", name, "--api", api, "--timeout", "120",
            .. options ?? []]), api);
        vm.WaitForStderr("waiting for a migration");
        return vm;
    }

    public IReadOnlyList<TickLine> Ticks =>
        Process.Lines.Select(l => TickLine.TryParse(l.Text, out var t) ? t : (TickLine?)null).OfType<TickLine>().ToList();

    /// <summary>Waits until the guest has printed at least <paramref name="count"/> ticks in all; returns them.</summary>
    public IReadOnlyList<TickLine> WaitForTicks(int count)
    {
        Process.WaitForLine(TickLine.IsTick, Patience, skip: count - 1);
        return Ticks;
    }

    /// <summary>Waits for <paramref name="more"/> ticks beyond those seen so far: the guest is running.</summary>
    public void WaitForMoreTicks(int more = 3) => WaitForTicks(Ticks.Count + more);

    public void WaitForStderr(string text)
    {
        var clock = Stopwatch.StartNew();
        while (!Process.Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (Process.HasExited && !Process.Stderr.Contains(text, StringComparison.Ordinal))
                throw new InvalidOperationException($"tern exited before printing '{text}'; stderr:\n{Process.Stderr}");
            if (clock.Elapsed > Patience)
                throw new TimeoutException($"tern did not print '{text}' within {Patience.TotalSeconds:0} s; stderr:\n{Process.Stderr}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Runs `tern COMMAND --api API ARGS...` to completion.</summary>
    public (int ExitCode, string Stdout, string Stderr) Control(string command, params string[] arguments) =>
        TernProcess.RunToEnd(Patience, [command, "--api", Api, .. arguments]);

    /// <summary>The state `tern status` reports (running, paused, stopping).</summary>
    public string State()
    {
        var (code, stdout, stderr) = Control("status");
        if (code != 0)
            throw new InvalidOperationException($"tern status failed ({code}): {stderr}");
        return stdout.Split('\n').Single(l => l.StartsWith("state: ", StringComparison.Ordinal))["state: ".Length..].Trim();
    }

    public void Dispose() => Process.Dispose();
}
