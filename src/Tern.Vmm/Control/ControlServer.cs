using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tern.Vmm.Control;

/// <summary>
/// Serves the control API of one VM on a Unix socket. Operations are registered by name; each
/// connection carries one request. Handlers run on thread-pool threads, so a long migration does
/// not stop a status or cancel request from being answered.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly Dictionary<string, ControlHandler> _handlers = new(StringComparer.Ordinal);
    private readonly Socket _listener;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;

    private ControlServer(string path, Socket listener)
    {
        SocketPath = path;
        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public string SocketPath { get; }

    /// <summary>Binds the socket; a stale socket file from a dead process is replaced, a live one is refused.</summary>
    public static ControlServer Start(string path, Action<ControlServer> register)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        if (File.Exists(path))
        {
            if (IsServed(path))
                throw new VmmConfigurationException($"control socket {path} is in use by another VM (choose another --name or --api)");
            File.Delete(path);
        }
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(16);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new VmmConfigurationException($"cannot serve the control API at {path}: {ex.Message}");
        }
        var server = new ControlServer(path, listener);
        register(server);
        return server;
    }

    public void Register(string operation, ControlHandler handler)
    {
        lock (_handlers)
            _handlers[operation] = handler;
    }

    private static bool IsServed(string path)
    {
        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_shutdown.Token);
            }
            catch (Exception) when (_shutdown.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(() => Serve(client)));
            }
        }
    }

    private void Serve(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        var response = new LineResponse(stream);
        try
        {
            var line = ReadLine(stream);
            if (line is null)
                return;
            JsonObject request;
            try
            {
                request = JsonNode.Parse(line) as JsonObject ?? throw new ControlApiException("a request must be a JSON object");
            }
            catch (JsonException ex)
            {
                throw new ControlApiException($"malformed request: {ex.Message}");
            }
            var version = request["api"]?.GetValue<int>() ?? 0;
            if (version < 1 || version > ControlProtocol.Version)
                throw new ControlApiException($"control API version {version} is not supported (this VM speaks 1 to {ControlProtocol.Version})");
            var op = request["op"]?.GetValue<string>() ?? throw new ControlApiException("the request names no op");
            ControlHandler? handler;
            lock (_handlers)
                _handlers.TryGetValue(op, out handler);
            if (handler is null)
                throw new ControlApiException($"unknown op '{op}' (known: {string.Join(", ", _handlers.Keys.Order())})");
            var args = request["args"] as JsonObject ?? [];
            var result = handler(args, response, _shutdown.Token);
            response.Send(new JsonObject { ["api"] = ControlProtocol.Version, ["ok"] = true, ["result"] = result });
        }
        catch (Exception ex)
        {
            try
            {
                response.Send(new JsonObject { ["api"] = ControlProtocol.Version, ["ok"] = false, ["error"] = ex.Message.ReplaceLineEndings(" ") });
            }
            catch (Exception sendFailure) when (sendFailure is IOException or ObjectDisposedException)
            {
                // The client went away.
            }
        }
    }

    internal static string? ReadLine(Stream stream)
    {
        var bytes = new List<byte>();
        Span<byte> one = stackalloc byte[1];
        while (stream.Read(one) == 1)
        {
            if (one[0] == (byte)'\n')
                return Encoding.UTF8.GetString(bytes.ToArray());
            if (bytes.Count >= ControlProtocol.MaxLineBytes)
                throw new ControlApiException("request line too long");
            bytes.Add(one[0]);
        }
        return bytes.Count == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
    }

    private sealed class LineResponse(Stream stream) : IControlResponse
    {
        private readonly object _lock = new();

        /// <summary>Events are best effort: a client that stopped listening must not fail the operation.</summary>
        public void Event(string name, JsonObject data)
        {
            try
            {
                Send(new JsonObject { ["api"] = ControlProtocol.Version, ["event"] = name, ["data"] = data });
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
            }
        }

        public void Send(JsonObject message)
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
            lock (_lock)
            {
                stream.Write(bytes);
                stream.Flush();
            }
        }
    }

    /// <summary>Stops accepting, and gives requests in flight (a migration's final answer) a moment to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        _shutdown.Cancel();
        _listener.Dispose();
        Task[] pending;
        lock (_connections)
            pending = [.. _connections];
        await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(5)));
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
        }
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
        }
    }
}
