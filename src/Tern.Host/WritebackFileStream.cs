using Tern.Host.Interop;

namespace Tern.Host;

/// <summary>
/// A file written front to back that must end up on disk. Every completed 8 MiB is handed to the
/// kernel's writeback at once (sync_file_range with SYNC_FILE_RANGE_WRITE, which starts the writes
/// without waiting for them), so the disk works while the rest of the file is produced and the final
/// <see cref="FlushToDisk"/> waits only for the tail, not for the whole file.
/// </summary>
internal sealed class WritebackFileStream(FileStream file) : Stream
{
    private const long WritebackChunk = 8 << 20;
    private long _submitted;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => file.Length;
    public override long Position { get => file.Position; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        if (file.Position - _submitted < WritebackChunk)
            return;
        file.Flush(flushToDisk: false);
        // Only a hint: if the kernel refuses, FlushToDisk still writes everything.
        _ = FileSync.SyncFileRange(file.SafeFileHandle, _submitted, file.Position - _submitted, FileSync.SYNC_FILE_RANGE_WRITE);
        _submitted = file.Position;
    }

    public override void Flush() => file.Flush(flushToDisk: false);

    /// <summary>Returns once every byte written is on disk (fsync).</summary>
    public void FlushToDisk() => file.Flush(flushToDisk: true);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
