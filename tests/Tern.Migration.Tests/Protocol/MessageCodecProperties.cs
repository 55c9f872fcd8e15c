using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests.Protocol;

/// <summary>Every message decodes to what was encoded, and a payload with bytes missing or left over is refused.</summary>
public sealed class MessageCodecProperties
{
    [Property(MaxTest = 200)]
    public Property Hello_round_trips() =>
        Prop.ForAll(Generators.Hello.ToArbitrary(), hello => Hello.Decode(hello.Encode()) == hello);

    [Property(MaxTest = 200)]
    public Property State_section_round_trips() =>
        Prop.ForAll(Generators.Section.ToArbitrary(), section =>
        {
            var decoded = StateSection.Decode(section.Encode());
            return decoded.Id == section.Id && decoded.Data.AsSpan().SequenceEqual(section.Data);
        });

    [Property]
    public bool Complete_round_trips(ulong pages, ulong zeroPages, ulong sections)
    {
        var complete = new Complete(pages, zeroPages, sections);
        return Complete.Decode(complete.Encode()) == complete;
    }

    [Property]
    public bool Running_round_trips(long resumedAt, long resumeMicros)
    {
        var running = new Running(resumedAt, resumeMicros);
        return Running.Decode(running.Encode()) == running;
    }

    [Property]
    public bool Resume_report_round_trips(long firstTick, double rate)
    {
        var report = new ResumeReport(firstTick, rate);
        return ResumeReport.Decode(report.Encode()) == report;
    }

    [Property(MaxTest = 200)]
    public Property Populated_pages_round_trip() =>
        Prop.ForAll(Gen.ListOf(Gen.Choose(1, 1000).Two()).ToArbitrary(), steps =>
        {
            // Ascending, disjoint ranges built from (gap, length) steps.
            var ranges = new List<(ulong, ulong)>();
            ulong next = 0;
            foreach (var (gap, length) in steps)
            {
                ranges.Add((next + (ulong)gap - 1, (ulong)length));
                next += (ulong)(gap - 1 + length);
            }
            var decoded = PopulatedPages.Decode(new PopulatedPages(ranges).Encode(), pageLimit: next);
            return decoded.Ranges.SequenceEqual(ranges);
        });

    [Theory]
    [InlineData(0UL, 0UL, "an empty range")]
    [InlineData(90UL, 20UL, "past the page limit of 100")]
    [InlineData(ulong.MaxValue, 2UL, "wrapping around")]
    public void Populated_pages_with_a_bad_range_are_refused(ulong first, ulong count, string why)
    {
        var payload = new PopulatedPages([(first, count)]).Encode();
        Should.Throw<MigrationStreamException>(() => PopulatedPages.Decode(payload, pageLimit: 100), why).Message.ShouldContain("bad range");
    }

    [Fact]
    public void Populated_pages_out_of_order_or_overlapping_are_refused()
    {
        var payload = new PopulatedPages([(10, 5), (12, 3)]).Encode();
        Should.Throw<MigrationStreamException>(() => PopulatedPages.Decode(payload, pageLimit: 100)).Message.ShouldContain("bad range");
    }

    [Property]
    public Property Error_message_round_trips() =>
        Prop.ForAll(Generators.Text(0, 1000).ToArbitrary(), message => ErrorMessage.Decode(ErrorMessage.Encode(message)) == message);

    [Property]
    public Property Error_message_is_cut_to_its_first_1000_characters() =>
        Prop.ForAll(Generators.Text(1001, 3000).ToArbitrary(), message => ErrorMessage.Decode(ErrorMessage.Encode(message)) == message[..1000]);

    public static TheoryData<string, byte[], Action<byte[]>> Encoded => new()
    {
        { "hello", new Hello(MigrationMode.Cold, 1 << 28, 2, 4096, "vm", 5).Encode(), p => Hello.Decode(p) },
        { "state section", new StateSection("vcpu/0", [1, 2, 3]).Encode(), p => StateSection.Decode(p) },
        { "complete", new Complete(1, 2, 3).Encode(), p => Complete.Decode(p) },
        { "populated pages", new PopulatedPages([(1, 2), (5, 6)]).Encode(), p => PopulatedPages.Decode(p, 100) },
        { "running", new Running(1, 2).Encode(), p => Running.Decode(p) },
        { "resume report", new ResumeReport(1, 2.5).Encode(), p => ResumeReport.Decode(p) },
        { "error", ErrorMessage.Encode("no room"), p => ErrorMessage.Decode(p) },
    };

    [Theory]
    [MemberData(nameof(Encoded))]
    public void Every_shortened_payload_is_refused(string what, byte[] payload, Action<byte[]> decode)
    {
        for (var length = 0; length < payload.Length; length++)
        {
            var ex = Should.Throw<MigrationStreamException>(() => decode(payload[..length]), $"{what} cut to {length} bytes");
            ex.Message.ShouldContain(what);
        }
    }

    [Theory]
    [MemberData(nameof(Encoded))]
    public void A_payload_with_trailing_bytes_is_refused(string what, byte[] payload, Action<byte[]> decode)
    {
        var ex = Should.Throw<MigrationStreamException>(() => decode([.. payload, 0]));
        ex.Message.ShouldContain($"{what} record has 1 unexpected trailing bytes");
    }

    [Theory]
    [InlineData(MigrationMode.Cold, 1UL << 28, 1, 8192u, "page size 8192")]
    [InlineData(MigrationMode.Cold, 1UL << 28, 0, 4096u, "impossible machine")]
    [InlineData(MigrationMode.Cold, 1UL << 28, 65, 4096u, "impossible machine")]
    [InlineData(MigrationMode.Cold, 0UL, 1, 4096u, "impossible machine")]
    [InlineData(MigrationMode.Cold, (1UL << 28) + 1, 1, 4096u, "impossible machine")]
    [InlineData((MigrationMode)9, 1UL << 28, 1, 4096u, "unknown migration mode 9")]
    public void Hello_describing_an_impossible_machine_is_refused(MigrationMode mode, ulong memory, int vcpus, uint pageSize, string expected)
    {
        var payload = new Hello(mode, memory, vcpus, pageSize, "vm", 0).Encode();
        Should.Throw<MigrationStreamException>(() => Hello.Decode(payload)).Message.ShouldContain(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("an-id-that-is-one-character-longer-than-the-sixty-four-allowed-xy")]
    public void State_section_with_an_empty_or_overlong_id_is_refused(string id)
    {
        id.Length.ShouldNotBeInRange(1, StateSection.MaxIdLength);
        Should.Throw<MigrationStreamException>(() => StateSection.Decode(new StateSection(id, [1]).Encode()))
            .Message.ShouldContain("invalid id");
    }
}
