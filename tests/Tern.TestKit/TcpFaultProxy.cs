using System.Net;
using System.Net.Sockets;

namespace Tern.TestKit;

/// <summary>
/// A TCP proxy on loopback between a migration source and its destination, for one connection. It
/// forwards bytes both ways and can inject one fault into the source → destination direction: after a
/// given number of bytes it either flips one byte, or cuts the connection (optionally running an action
/// first, such as killing the destination process) by dropping both sides.
/// </summary>
public sealed class TcpFaultProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly long? _cutAfter;
    private readonly Action? _beforeCut;
    private readonly long? _flipAt;
    private readonly MemoryStream _replies = new();
    private readonly object _lock = new();
    private readonly Task _session;
    private Socket? _source;
    private Socket? _destination;
    private long _forwarded;

    private TcpFaultProxy(int upstreamPort, long? cutAfter, Action? beforeCut, long? flipAt)
    {
        _upstreamPort = upstreamPort;
        _cutAfter = cutAfter;
        _beforeCut = beforeCut;
        _flipAt = flipAt;
        _listener.Start(1);
        _session = Task.Run(Serve);
    }

    /// <summary>Forwards to <paramref name="upstreamPort"/>; after <paramref name="sourceBytes"/> bytes from the source, runs <paramref name="beforeCut"/> and drops both sides.</summary>
    public static TcpFaultProxy CuttingAfter(int upstreamPort, long sourceBytes, Action? beforeCut = null) =>
        new(upstreamPort, sourceBytes, beforeCut, null);

    /// <summary>Forwards to <paramref name="upstreamPort"/>, inverting the source's byte at offset <paramref name="sourceOffset"/>.</summary>
    public static TcpFaultProxy FlippingByteAt(int upstreamPort, long sourceOffset) => new(upstreamPort, null, null, sourceOffset);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Bytes forwarded from the source so far.</summary>
    public long SourceBytes => Interlocked.Read(ref _forwarded);

    public bool FaultInjected { get; private set; }

    /// <summary>Everything the destination sent back, as forwarded to the source.</summary>
    public byte[] Replies
    {
        get
        {
            lock (_lock)
                return _replies.ToArray();
        }
    }

    /// <summary>Waits until the connection has ended on both sides.</summary>
    public bool WaitForEnd(TimeSpan timeout) => _session.Wait(timeout);

    private async Task Serve()
    {
        _source = await _listener.AcceptSocketAsync();
        _listener.Stop();
        _destination = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await _destination.ConnectAsync(IPAddress.Loopback, _upstreamPort);
        var forward = Task.Run(() => Pump(_source, _destination, toDestination: true));
        var backward = Task.Run(() => Pump(_destination, _source, toDestination: false));
        await Task.WhenAny(forward, backward);
        // One side ended: end the other, as a real connection would.
        Drop();
        await Task.WhenAll(forward, backward);
    }

    private async Task Pump(Socket from, Socket to, bool toDestination)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                var chunk = buffer.AsMemory(0, read);
                if (!toDestination)
                {
                    lock (_lock)
                        _replies.Write(chunk.Span);
                    await to.SendAsync(chunk, SocketFlags.None);
                    continue;
                }
                var start = SourceBytes;
                if (_flipAt is { } flip && flip >= start && flip < start + read)
                {
                    chunk.Span[(int)(flip - start)] ^= 0xff;
                    FaultInjected = true;
                }
                if (_cutAfter is { } cut && start + read >= cut)
                {
                    await to.SendAsync(chunk[..(int)(cut - start)], SocketFlags.None);
                    Interlocked.Add(ref _forwarded, cut - start);
                    FaultInjected = true;
                    _beforeCut?.Invoke();
                    Drop();
                    return;
                }
                await to.SendAsync(chunk, SocketFlags.None);
                Interlocked.Add(ref _forwarded, read);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Drop();
        }
    }

    /// <summary>Drops both sides at once, with a reset rather than an orderly close.</summary>
    private void Drop()
    {
        foreach (var socket in new[] { _source, _destination })
        {
            if (socket is null)
                continue;
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
            socket.Dispose();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        Drop();
    }
}
