using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tern.Migration.Protocol;
using Tern.Migration.Strategies;
using Tern.Migration.Tests.Fakes;

namespace Tern.Migration.Tests.Strategies;

/// <summary>
/// A snapshot (or migration stream) damaged anywhere is refused as a whole: the receiver throws
/// <see cref="MigrationStreamException"/>, never starts the target, and aborts it once begun.
/// </summary>
public sealed class SnapshotCorruptionProperties
{
    /// <summary>Offsets anywhere, with the stream header and the first records drawn more often than their share.</summary>
    private static Arbitrary<int> Offsets() =>
        Gen.Frequency(
                (1, Gen.Choose(0, 255)),
                (3, Gen.Choose(0, SnapshotStream.Length - 1)))
            .ToArbitrary();

    private static bool RefusedWithoutRunning(byte[] damaged)
    {
        var target = new FakeMigrationTarget();
        try
        {
            new MigrationReceiver(target, TimeProvider.System).Receive(new MemoryStream(damaged), replies: null, "damaged snapshot");
            return false;
        }
        catch (MigrationStreamException)
        {
            return !target.Started && target.Aborted == target.Begun;
        }
    }

    [Fact]
    public void The_undamaged_stream_is_received_whole()
    {
        var target = new FakeMigrationTarget();
        var received = new MigrationReceiver(target, TimeProvider.System).Receive(new MemoryStream(SnapshotStream.Copy()), null, "snapshot");
        target.Started.ShouldBeTrue();
        target.Aborted.ShouldBeFalse();
        received.Hello.Mode.ShouldBe(MigrationMode.Snapshot);
        target.Pages.Keys.Order().ShouldBe(SnapshotStream.Source.Pages.Where(p => p.Value.AsSpan().ContainsAnyExcept((byte)0)).Select(p => p.Key).Order());
        target.Restored!.Select(s => s.Id).ShouldBe(SnapshotStream.Source.Sections.Select(s => s.Id));
    }

    [Property(MaxTest = 300)]
    public Property Every_single_byte_flip_is_refused_before_the_guest_runs() =>
        Prop.ForAll(Offsets(), Gen.Choose(1, 255).ToArbitrary(), (offset, mask) =>
        {
            var damaged = SnapshotStream.Copy();
            damaged[offset] ^= (byte)mask;
            return RefusedWithoutRunning(damaged);
        });

    [Property(MaxTest = 300)]
    public Property Every_truncation_is_refused_before_the_guest_runs() =>
        Prop.ForAll(Offsets(), length => RefusedWithoutRunning(SnapshotStream.Copy()[..length]));

    [Fact]
    public void Truncation_anywhere_in_the_last_record_is_refused()
    {
        var bytes = SnapshotStream.Copy();
        // The Complete record: frame header, three counts, checksum.
        var last = RecordWriter.FrameHeaderSize + 24 + RecordWriter.ChecksumSize;
        for (var length = bytes.Length - last; length < bytes.Length; length++)
            RefusedWithoutRunning(bytes[..length]).ShouldBeTrue($"cut to {length} of {bytes.Length} bytes");
    }

    [Fact]
    public void A_flip_in_the_reserved_header_bytes_is_refused()
    {
        for (var offset = 12; offset < StreamFormat.HeaderSize; offset++)
        {
            var damaged = SnapshotStream.Copy();
            damaged[offset] ^= 0x01;
            RefusedWithoutRunning(damaged).ShouldBeTrue($"flip at offset {offset}");
        }
    }
}
