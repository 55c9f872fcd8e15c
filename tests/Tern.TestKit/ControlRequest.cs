using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Tern.TestKit;

/// <summary>
/// One request to a VM's control API socket, spoken on the wire as docs/control-api.md describes it: for
/// operations the tern CLI has no command of its own for, such as cancel-migration. The system tests do
/// not reference Tern's assemblies, so this is the protocol as a client outside Tern sees it.
/// </summary>
public static class ControlRequest
{
    /// <summary>Sends <paramref name="op"/> and returns the final answer: {"ok":true,"result":…} or {"ok":false,"error":…}; events are skipped.</summary>
    public static JsonObject Send(string api, string op)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(api));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = new JsonObject { ["api"] = 1, ["op"] = op, ["args"] = new JsonObject() };
        stream.Write(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var answer = JsonNode.Parse(line)!.AsObject();
            if (answer.ContainsKey("ok"))
                return answer;
        }
        throw new IOException($"the VM at {api} closed the control connection without a final answer to '{op}'");
    }

    /// <summary>True when the VM answered <paramref name="op"/> with ok.</summary>
    public static bool Succeeds(string api, string op) => Send(api, op)["ok"]!.GetValue<bool>();
}
