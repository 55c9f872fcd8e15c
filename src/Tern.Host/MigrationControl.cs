using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tern.Migration.Compression;
using Tern.Migration.Metrics;
using Tern.Migration.Protocol;
using Tern.Migration.Strategies;
using Tern.Vmm;
using Tern.Vmm.Control;

namespace Tern.Host;

/// <summary>
/// The control operations that move a machine: snapshot, migrate and cancel-migration. One migration
/// or snapshot at a time; a cancelled or failed one leaves the guest running here.
/// </summary>
public sealed class MigrationControl(Machine machine, GuestProgressMonitor progress, string name, TimeProvider time)
{
    public const string SnapshotFileName = "snapshot.tern";
    private readonly object _lock = new();
    private CancellationTokenSource? _current;

    public void Register(ControlServer server)
    {
        server.Register("snapshot", Snapshot);
        server.Register("migrate", Migrate);
        server.Register("cancel-migration", (_, _, _) =>
        {
            lock (_lock)
            {
                if (_current is null)
                    throw new ControlApiException("no migration is running");
                _current.Cancel();
            }
            return new JsonObject { ["cancelled"] = true };
        });
    }

    private JsonObject Snapshot(JsonObject args, IControlResponse response, CancellationToken cancellation)
    {
        var directory = args["out"]?.GetValue<string>() ?? throw new ControlApiException("snapshot needs 'out', a directory");
        var stop = args["stop"]?.GetValue<bool>() ?? false;
        using var exclusive = Begin();
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, SnapshotFileName);
        var partial = path + ".partial";
        var source = new MachineMigrationSource(machine, progress);
        machine.Pause();
        var resume = true;
        try
        {
            SnapshotSummary summary;
            using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var output = new WritebackFileStream(file);
                summary = new MigrationSender(source, time).WriteSnapshot(output, name);
                output.FlushToDisk();
            }
            // Rename last, so a snapshot directory never holds a half-written snapshot under the real name.
            File.Move(partial, path, overwrite: true);
            resume = !stop;
            return new JsonObject
            {
                ["path"] = path,
                ["bytes"] = summary.Bytes,
                ["pages"] = summary.Pages,
                ["zero_pages"] = summary.ZeroPages,
                ["duration_ms"] = summary.Duration.TotalMilliseconds,
                ["stopped"] = stop,
            };
        }
        finally
        {
            File.Delete(partial);
            if (resume)
                machine.Resume();
            else
                machine.RequestStop(new MachineExit(MachineExitKind.Stopped, $"stopped after a snapshot to {directory}"));
        }
    }

    private JsonObject Migrate(JsonObject args, IControlResponse response, CancellationToken _)
    {
        var to = args["to"]?.GetValue<string>() ?? throw new ControlApiException("migrate needs 'to', as HOST:PORT");
        var modeName = args["mode"]?.GetValue<string>() ?? "precopy";
        var mode = modeName switch
        {
            "precopy" => MigrationMode.PreCopy,
            "cold" => MigrationMode.Cold,
            "static" => MigrationMode.Static,
            _ => throw new ControlApiException($"migration mode '{modeName}' is not supported (supported: precopy, cold, static)"),
        };
        using var exclusive = Begin();
        // Not linked to the server's shutdown: a successful migration stops this VM, which closes the
        // server, and the sender must still collect the destination's report after that.
        var token = exclusive.Token;
        var options = new MigrationOptions(mode, name) { PreCopy = PreCopyOptionsFrom(args) };
        var sender = new MigrationSender(new MachineMigrationSource(machine, progress), time);
        // Reported inline on the migration thread: Progress<T> would post to the thread pool, where an
        // event could outlive the request and hit a closed connection.
        var reporter = new InlineProgress<MigrationProgress>(p => response.Event("progress", JsonSerializer.SerializeToNode(p, MigrationJsonContext.Default.MigrationProgress)!.AsObject()));
        Stream connection;
        try
        {
            connection = Connect(to, token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ArgumentException)
        {
            throw new ControlApiException($"migration failed, the guest keeps running on the source: cannot connect to {to}: {ex.Message}");
        }
        using (connection)
        {
            try
            {
                var report = sender.Run(connection, options, reporter, token);
                return JsonSerializer.SerializeToNode(report, MigrationJsonContext.Default.MigrationReport)!.AsObject();
            }
            catch (MigrationFailedException ex)
            {
                throw new ControlApiException(ex.Message);
            }
        }
    }

    /// <summary>Reads the pre-copy knobs of a migrate request; absent ones keep their defaults.</summary>
    private static PreCopyOptions PreCopyOptionsFrom(JsonObject args)
    {
        var options = new PreCopyOptions();
        if (args["downtime_ms"] is { } downtime)
            options = options with { DowntimeTarget = TimeSpan.FromMilliseconds(Positive(downtime.GetValue<double>(), "downtime_ms")) };
        if (args["bandwidth_bytes_per_s"] is { } bandwidth)
            options = options with { BandwidthLimit = (long)Positive(bandwidth.GetValue<double>(), "bandwidth_bytes_per_s") };
        if (args["max_rounds"] is { } rounds)
            options = options with { MaxRounds = (int)Positive(rounds.GetValue<int>(), "max_rounds") };
        if (args["timeout_s"] is { } timeout)
            options = options with { Timeout = TimeSpan.FromSeconds(Positive(timeout.GetValue<double>(), "timeout_s")) };
        if (args["xbzrle_cache_bytes"] is { } cache)
        {
            var bytes = cache.GetValue<long>();
            if (bytes is < 4096 or > XbzrleCache.MaxBytes)
                throw new ControlApiException($"xbzrle_cache_bytes must be 4096 to {XbzrleCache.MaxBytes}, not {bytes}");
            options = options with { XbzrleCacheBytes = bytes };
        }
        if (args["auto_converge"] is { } autoConverge)
            options = options with { AutoConverge = autoConverge.GetValue<bool>() };
        if (args["on_limit"] is { } onLimit)
            options = options with
            {
                OnLimit = onLimit.GetValue<string>() switch
                {
                    "force" => LimitAction.ForceSwitchover,
                    "abort" => LimitAction.Abort,
                    var other => throw new ControlApiException($"on_limit '{other}' is not one of force, abort"),
                },
            };
        return options;
    }

    private static double Positive(double value, string name) =>
        value > 0 ? value : throw new ControlApiException($"{name} must be positive, not {value}");

    private static NetworkStream Connect(string endpoint, CancellationToken cancellation)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new ArgumentException($"'{endpoint}' is not HOST:PORT");
        var client = new TcpClient { NoDelay = true };
        try
        {
            client.ConnectAsync(endpoint[..colon].Trim('[', ']'), port, cancellation).AsTask().GetAwaiter().GetResult();
            return client.GetStream();
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Claims the machine for one snapshot or migration.</summary>
    private Exclusive Begin()
    {
        lock (_lock)
        {
            if (_current is not null)
                throw new ControlApiException("a migration or snapshot is already in progress");
            if (machine.IsStopping)
                throw new ControlApiException("the VM is stopping");
            _current = new CancellationTokenSource();
            return new Exclusive(this, _current);
        }
    }

    private sealed class Exclusive(MigrationControl owner, CancellationTokenSource cts) : IDisposable
    {
        public CancellationToken Token => cts.Token;

        public void Dispose()
        {
            lock (owner._lock)
                owner._current = null;
            cts.Dispose();
        }
    }
}
