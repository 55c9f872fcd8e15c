using System.IO.Pipelines;

namespace Tern.Migration.Tests.Fakes;

/// <summary>
/// Two connected in-memory duplex streams, like the two ends of a socket: what one end writes the
/// other reads. Disposing an end closes its direction, so the peer reads end-of-stream.
/// </summary>
internal static class DuplexPipe
{
    public static (Stream Source, Stream Destination) Create()
    {
        // No back-pressure: a writer never waits for its reader, as a socket with a large buffer.
        var options = new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false);
        var forward = new Pipe(options);
        var backward = new Pipe(options);
        return (new End(backward.Reader.AsStream(), forward.Writer.AsStream()),
            new End(forward.Reader.AsStream(), backward.Writer.AsStream()));
    }

    private sealed class End(Stream input, Stream output) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => input.Read(buffer);
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => output.Write(buffer);
        public override void Flush() => output.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                output.Dispose();
                input.Dispose();
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
