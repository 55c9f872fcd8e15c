using System.Net;
using System.Net.Sockets;

namespace Tern.TestKit;

/// <summary>Loopback TCP ports for tests that run in parallel.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on right now: the kernel picks it for a listener that is closed at once.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
