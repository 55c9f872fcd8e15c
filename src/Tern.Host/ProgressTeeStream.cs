using Tern.Migration.Metrics;

namespace Tern.Host;

/// <summary>The guest console on its way to the terminal, shown to a progress monitor as it passes.</summary>
public sealed class ProgressTeeStream(Stream inner, GuestProgressMonitor monitor) : Stream
{
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        monitor.Feed(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value)
    {
        Span<byte> one = [value];
        Write(one);
    }

    public override void Flush() => inner.Flush();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
