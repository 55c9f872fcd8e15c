namespace Tern.Migration.Transport;

/// <summary>
/// Caps how fast bytes are written through it (a token bucket refilled continuously, with a burst of
/// 10 ms worth), so a migration can be held to a link budget such as 1 Gbit/s. Reads pass through.
/// </summary>
public sealed class RateLimitedStream(Stream inner, long bytesPerSecond, TimeProvider time) : Stream
{
    private readonly double _burst = Math.Max(64 * 1024, bytesPerSecond / 100.0);
    private double _tokens = Math.Max(64 * 1024, bytesPerSecond / 100.0);
    private long _last = time.GetTimestamp();

    /// <summary>
    /// Lifts the cap for good. A migration does so once the guest is paused: the budget is there to spare
    /// a running guest's link, and holding the last copy to it would only stretch the downtime (QEMU
    /// does the same at completion).
    /// </summary>
    public void Unlimit() => _unlimited = true;

    private bool _unlimited;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_unlimited)
        {
            inner.Write(buffer);
            return;
        }
        while (!buffer.IsEmpty)
        {
            Refill();
            if (_tokens < 1)
            {
                var wait = TimeSpan.FromSeconds((Math.Min(buffer.Length, _burst) - _tokens) / bytesPerSecond);
                // Waits on the injected clock, so tests can drive the limiter with simulated time.
                Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, time).GetAwaiter().GetResult();
                continue;
            }
            var chunk = (int)Math.Min(buffer.Length, _tokens);
            inner.Write(buffer[..chunk]);
            _tokens -= chunk;
            buffer = buffer[chunk..];
        }
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + time.GetElapsedTime(_last, now).TotalSeconds * bytesPerSecond);
        _last = now;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override void Flush() => inner.Flush();
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
