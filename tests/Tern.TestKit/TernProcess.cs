using System.Diagnostics;
using System.Text;

namespace Tern.TestKit;

/// <summary>
/// A real `tern` process driven by a test: its console lines are recorded with the host time they
/// arrived, so a test can see a guest's progress (and a pause) from outside the guest.
/// </summary>
public sealed class TernProcess : IDisposable
{
    public readonly record struct Line(TimeSpan ArrivedAt, string Text);

    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Line> _stdout = [];
    private readonly StringBuilder _stderr = new();
    private readonly object _lock = new();
    private Thread? _stdoutReader;
    private string _fragment = "";

    private TernProcess(Process process) => _process = process;

    public static TernProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(RepositoryPaths.TernDll);
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment["TERN_GUEST_DIR"] = RepositoryPaths.GuestBuild;
        var process = new Process { StartInfo = info };
        var tern = new TernProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (tern._lock)
                tern._stderr.AppendLine(e.Data);
        };
        process.Start();
        tern._stdoutReader = new Thread(() => tern.ReadLines(process.StandardOutput)) { IsBackground = true, Name = "tern stdout" };
        tern._stdoutReader.Start();
        process.BeginErrorReadLine();
        return tern;
    }

    /// <summary>
    /// Splits stdout into lines at '\n'. A last piece without its newline is not a line: a guest
    /// migrated away or stopped mid-line leaves such a fragment (the destination prints the rest), and
    /// read as a line it would look like a tick with a cut-off number.
    /// </summary>
    private void ReadLines(StreamReader output)
    {
        var buffer = new char[4096];
        var line = new StringBuilder();
        int count;
        while ((count = output.Read(buffer, 0, buffer.Length)) > 0)
            for (var i = 0; i < count; i++)
            {
                if (buffer[i] != '\n')
                {
                    line.Append(buffer[i]);
                    continue;
                }
                var text = line.ToString().TrimEnd('\r');
                line.Clear();
                lock (_lock)
                {
                    _stdout.Add(new Line(_clock.Elapsed, text));
                    Monitor.PulseAll(_lock);
                }
            }
        lock (_lock)
        {
            _fragment = line.ToString();
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Runs tern to completion and returns its exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunToEnd(TimeSpan timeout, params string[] arguments)
    {
        using var tern = Start(arguments);
        tern._process.StandardInput.Close();
        var code = tern.WaitForExit(timeout);
        var stdout = string.Join('\n', tern.Lines.Select(l => l.Text));
        lock (tern._lock)
            stdout += tern._fragment.Length > 0 ? "\n" + tern._fragment : "";
        return (code, stdout, tern.Stderr);
    }

    public IReadOnlyList<Line> Lines
    {
        get
        {
            lock (_lock)
                return [.. _stdout];
        }
    }

    public string Stderr
    {
        get
        {
            lock (_lock)
                return _stderr.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id, for signals (e.g. SIGINT, as Ctrl-C sends it).</summary>
    public int Id => _process.Id;

    public void WriteInput(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for a stdout line that satisfies <paramref name="match"/> (seen before or after the call).</summary>
    public Line WaitForLine(Func<string, bool> match, TimeSpan timeout, int skip = 0)
    {
        var deadline = _clock.Elapsed + timeout;
        lock (_lock)
        {
            while (true)
            {
                var seen = 0;
                foreach (var line in _stdout)
                    if (match(line.Text) && seen++ >= skip)
                        return line;
                var left = deadline - _clock.Elapsed;
                if (left <= TimeSpan.Zero)
                    throw new TimeoutException($"no matching console line within {timeout.TotalSeconds:0} s; last lines:\n{Tail()}\nstderr:\n{_stderr}");
                if (_process.HasExited && !Monitor.Wait(_lock, 200))
                    throw new InvalidOperationException($"tern exited ({_process.ExitCode}) before the line appeared; last lines:\n{Tail()}\nstderr:\n{_stderr}");
                Monitor.Wait(_lock, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"tern did not exit within {timeout.TotalSeconds:0} s; last lines:\n{Tail()}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit();
        _stdoutReader?.Join(timeout);
        return _process.ExitCode;
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private string Tail() =>
        string.Join('\n', _stdout.TakeLast(10).Select(l => l.Text)) + (_fragment.Length > 0 ? $"\n{_fragment} (no newline)" : "");

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
