using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Tern.Vmm.Control;

/// <summary>Calls a VM's control API: one request per connection, events passed to a callback, the result returned.</summary>
public static class ControlClient
{
    public static JsonObject Call(string socketPath, string op, JsonObject? args = null, Action<string, JsonObject>? onEvent = null,
        CancellationToken cancellation = default)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException ex)
        {
            var why = File.Exists(socketPath) ? "no VM answers there" : "no such socket";
            throw new ControlApiException($"cannot reach the VM at {socketPath}: {why} ({ex.SocketErrorCode})");
        }
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var registration = cancellation.Register(() => socket.Dispose());
        var request = new JsonObject { ["api"] = ControlProtocol.Version, ["op"] = op, ["args"] = args ?? [] };
        stream.Write(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"));
        while (true)
        {
            string? line;
            try
            {
                line = ControlServer.ReadLine(stream);
            }
            catch (IOException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellation);
            }
            if (line is null)
                throw new ControlApiException($"the VM at {socketPath} closed the connection without answering");
            var message = JsonNode.Parse(line) as JsonObject ?? throw new ControlApiException("the VM sent a malformed answer");
            if (message["event"] is JsonNode name)
            {
                onEvent?.Invoke(name.GetValue<string>(), message["data"] as JsonObject ?? []);
                continue;
            }
            if (message["ok"]?.GetValue<bool>() == true)
                return message["result"] as JsonObject ?? [];
            throw new ControlApiException(message["error"]?.GetValue<string>() ?? "the VM refused the request");
        }
    }
}
