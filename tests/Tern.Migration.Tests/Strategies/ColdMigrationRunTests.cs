using System.Buffers.Binary;
using Tern.Migration.Metrics;
using Tern.Migration.Protocol;
using Tern.Migration.Strategies;
using Tern.Migration.Tests.Fakes;

namespace Tern.Migration.Tests.Strategies;

/// <summary>
/// <see cref="MigrationSender.Run"/> against <see cref="MigrationReceiver.Receive"/> over an in-memory
/// duplex stream, with fake machines at both ends.
/// </summary>
public sealed class ColdMigrationRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static MigrationOptions Options(MigrationMode mode = MigrationMode.Cold) =>
        new(mode, "fake-source") { ResumeReportTimeout = Patience, StepTimeout = Patience };

    private static MigrationRun.Outcome Migrate(FakeMigrationSource source, FakeMigrationTarget target, MigrationOptions? options = null) =>
        MigrationRun.Both(source, target, options ?? Options(), Patience);

    private static IEnumerable<ulong> NonZeroPages(FakeMigrationSource source) =>
        source.Pages.Where(p => p.Value.AsSpan().ContainsAnyExcept((byte)0)).Select(p => p.Key).Order();

    [Fact]
    public void Cold_migration_transfers_exactly_the_non_zero_pages()
    {
        var source = FakeMigrationSource.Random(seed: 1);
        var target = new FakeMigrationTarget();
        var outcome = Migrate(source, target);
        outcome.SenderError.ShouldBeNull();
        target.Pages.Keys.Order().ShouldBe(NonZeroPages(source));
        foreach (var (pfn, data) in target.Pages)
            data.ShouldBe(source.Pages[pfn], $"page 0x{pfn:x}");
        target.ZeroPages.ShouldBeEmpty();
    }

    [Fact]
    public void Cold_migration_restores_every_state_section_and_then_starts_the_target()
    {
        var source = FakeMigrationSource.Random(seed: 2);
        var target = new FakeMigrationTarget();
        Migrate(source, target).SenderError.ShouldBeNull();
        target.Restored!.Select(s => (s.Id, Convert.ToHexString(s.Data))).ShouldBe(source.Sections.Select(s => (s.Id, Convert.ToHexString(s.Data))));
        target.Booted.ShouldBeNull();
        target.Started.ShouldBeTrue();
        target.Aborted.ShouldBeFalse();
        var hello = target.Hello.ShouldNotBeNull();
        hello.ShouldBe(new Hello(MigrationMode.Cold, source.MemoryBytes, source.VcpuCount, 4096, "fake-source", hello.StartedAtUnixMicros));
    }

    [Fact]
    public void Cold_migration_report_counts_pages_zero_pages_and_bytes()
    {
        var source = FakeMigrationSource.Random(seed: 3);
        var outcome = Migrate(source, new FakeMigrationTarget());
        var report = outcome.Report.ShouldNotBeNull();
        var sent = (ulong)NonZeroPages(source).Count();
        report.Outcome.ShouldBe("completed");
        report.Mode.ShouldBe("cold");
        report.PagesTransferred.ShouldBe(sent);
        report.ZeroPages.ShouldBe(source.MemoryBytes / 4096 - sent);
        report.BytesTransferred.ShouldBeGreaterThanOrEqualTo((long)sent * 4096);
        report.MemoryBytes.ShouldBe(source.MemoryBytes);
        report.Vcpus.ShouldBe(source.VcpuCount);
        outcome.Received!.Pages.ShouldBe(sent);
        outcome.Received.Bytes.ShouldBe(report.BytesTransferred);
    }

    [Fact]
    public void Cold_migration_pauses_the_source_and_stops_it_once_the_destination_runs()
    {
        var source = FakeMigrationSource.Random(seed: 4);
        Migrate(source, new FakeMigrationTarget()).SenderError.ShouldBeNull();
        source.Calls.ShouldBe(["pause", "stop"]);
    }

    [Fact]
    public void Static_migration_sends_only_the_description_and_boots_it()
    {
        var source = FakeMigrationSource.Random(seed: 5);
        var target = new FakeMigrationTarget();
        var outcome = Migrate(source, target, Options(MigrationMode.Static));
        outcome.SenderError.ShouldBeNull();
        target.Pages.ShouldBeEmpty();
        target.Restored.ShouldBeNull();
        target.Booted!.Data.ShouldBe(source.Describe().Data);
        target.Started.ShouldBeTrue();
        source.Calls.ShouldBe(["pause", "stop"]);
        outcome.Report!.PagesTransferred.ShouldBe(0UL);
    }

    [Fact]
    public void Destination_that_cannot_begin_fails_the_migration_and_leaves_the_source_running()
    {
        var source = FakeMigrationSource.Random(seed: 6);
        var target = new FakeMigrationTarget { BeginFailure = new MigrationStreamException("no room for 8 MiB") };
        var outcome = Migrate(source, target);
        var error = outcome.SenderError.ShouldBeOfType<MigrationFailedException>();
        error.Message.ShouldContain("the destination could not accept the migration: no room for 8 MiB");
        source.Calls.ShouldNotContain("stop");
        source.Calls.Count(c => c == "pause").ShouldBe(source.Calls.Count(c => c == "resume"));
        target.Started.ShouldBeFalse();
    }

    [Fact]
    public void Destination_that_fails_after_the_source_paused_resumes_the_source()
    {
        var source = FakeMigrationSource.Random(seed: 7);
        var target = new FakeMigrationTarget { RestoreFailure = new MigrationStreamException("vCPU 0 state does not fit") };
        var outcome = Migrate(source, target);
        var error = outcome.SenderError.ShouldBeOfType<MigrationFailedException>();
        error.Message.ShouldContain("the destination could not resume the guest: vCPU 0 state does not fit");
        source.Calls.ShouldBe(["pause", "resume"]);
        target.Started.ShouldBeFalse();
        target.Aborted.ShouldBeTrue();
    }

    /// <summary>Runs the sender against a destination that answers with <paramref name="reply"/> and then hangs up.</summary>
    private static (FakeMigrationSource Source, Exception? Error) RunAgainstReply(byte[] reply)
    {
        var source = FakeMigrationSource.Random(seed: 8);
        var (sourceEnd, destinationEnd) = DuplexPipe.Create();
        destinationEnd.Write(reply);
        destinationEnd.Dispose();
        var sending = Task.Factory.StartNew(() =>
        {
            using (sourceEnd)
                return new MigrationSender(source, TimeProvider.System).Run(sourceEnd, Options());
        }, TaskCreationOptions.LongRunning);
        ((IAsyncResult)sending).AsyncWaitHandle.WaitOne(Patience).ShouldBeTrue("the sender hung");
        return (source, sending.Exception?.InnerException);
    }

    private static byte[] ReplyHeader(ushort major, ushort minor, string magic = "TERNSTRM")
    {
        var header = new byte[StreamFormat.HeaderSize];
        StreamFormat.WriteHeader(header);
        System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), major);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(10), minor);
        return header;
    }

    private static byte[] ReadyRecord()
    {
        var stream = new MemoryStream();
        new RecordWriter(stream, writeStreamHeader: false).Write(RecordType.Ready, []);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(StreamFormat.Major, StreamFormat.Minor + 1, "1.3 is not supported")]
    [InlineData(StreamFormat.Major + 1, StreamFormat.Minor, "2.2 is not supported")]
    public void Destination_speaking_a_newer_format_is_refused(int major, int minor, string expected)
    {
        var (source, error) = RunAgainstReply([.. ReplyHeader((ushort)major, (ushort)minor), .. ReadyRecord()]);
        error.ShouldBeOfType<MigrationFailedException>().Message.ShouldContain(expected);
        source.Calls.ShouldBeEmpty();
    }

    [Fact]
    public void Destination_reply_with_bad_magic_is_refused()
    {
        var (source, error) = RunAgainstReply([.. ReplyHeader(StreamFormat.Major, StreamFormat.Minor, "HTTP/1.1"), .. ReadyRecord()]);
        error.ShouldBeOfType<MigrationFailedException>().Message.ShouldContain("bad magic");
        source.Calls.ShouldBeEmpty();
    }

    [Fact]
    public void Destination_that_hangs_up_after_ready_resumes_the_source()
    {
        var (source, error) = RunAgainstReply([.. ReplyHeader(StreamFormat.Major, StreamFormat.Minor), .. ReadyRecord()]);
        error.ShouldBeOfType<MigrationFailedException>().Message.ShouldContain("keeps running on the source");
        source.Calls.ShouldBe(["pause", "resume"]);
    }

    [Theory]
    [InlineData(StreamFormat.Major, StreamFormat.Minor + 1, "1.3 is not supported")]
    [InlineData(StreamFormat.Major + 1, StreamFormat.Minor, "2.2 is not supported")]
    public void Receiver_refuses_a_source_speaking_a_newer_format_and_says_why(int major, int minor, string expected)
    {
        var stream = SnapshotStream.Copy();
        BinaryPrimitives.WriteUInt16LittleEndian(stream.AsSpan(8), (ushort)major);
        BinaryPrimitives.WriteUInt16LittleEndian(stream.AsSpan(10), (ushort)minor);
        var replies = new MemoryStream();
        var target = new FakeMigrationTarget();
        Should.Throw<MigrationStreamException>(() => new MigrationReceiver(target, TimeProvider.System).Receive(new MemoryStream(stream), replies, "stream"))
            .Message.ShouldContain(expected);
        target.Begun.ShouldBeFalse();
        var reply = new RecordReader(new MemoryStream(replies.ToArray()), readStreamHeader: true, "replies").Read();
        reply.Type.ShouldBe(RecordType.Error);
        ErrorMessage.Decode(reply.Payload).ShouldContain(expected);
    }
}
