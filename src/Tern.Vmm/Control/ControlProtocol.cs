using System.Text.Json.Nodes;

namespace Tern.Vmm.Control;

/// <summary>
/// The control API (docs/control-api.md): one JSON object per line over a Unix socket. A client sends
/// one request {"api":1,"op":"…","args":{…}}; the server answers with any number of events
/// {"api":1,"event":"…","data":{…}} and then exactly one final {"api":1,"ok":true,"result":{…}} or
/// {"api":1,"ok":false,"error":"…"}, and closes. A server accepts requests of its version or older.
/// </summary>
public static class ControlProtocol
{
    public const int Version = 1;
    public const int MaxLineBytes = 1 << 20;
}

/// <summary>The API refused or failed a request; the message is the server's one-line reason.</summary>
public sealed class ControlApiException(string message) : Exception(message);

/// <summary>The channel a handler answers on.</summary>
public interface IControlResponse
{
    /// <summary>Sends an event (e.g. migration progress) before the final answer.</summary>
    void Event(string name, JsonObject data);
}

/// <summary>Handles one operation. Returns the result object, or throws to answer with an error.</summary>
public delegate JsonObject ControlHandler(JsonObject args, IControlResponse response, CancellationToken cancellation);
