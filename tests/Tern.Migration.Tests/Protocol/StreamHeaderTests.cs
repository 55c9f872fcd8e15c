using System.Buffers.Binary;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests.Protocol;

/// <summary>The stream header: magic, then major and minor. Another major or a newer minor is refused.</summary>
public sealed class StreamHeaderTests
{
    private static byte[] Header(ushort major = StreamFormat.Major, ushort minor = StreamFormat.Minor)
    {
        var header = new byte[StreamFormat.HeaderSize];
        StreamFormat.WriteHeader(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), major);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(10), minor);
        return header;
    }

    [Fact]
    public void The_header_is_the_magic_then_major_and_minor_little_endian()
    {
        var header = new byte[StreamFormat.HeaderSize];
        StreamFormat.WriteHeader(header);
        header[..8].ShouldBe("TERNSTRM"u8.ToArray());
        BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)).ShouldBe(StreamFormat.Major);
        BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(10)).ShouldBe(StreamFormat.Minor);
    }

    [Fact]
    public void The_header_this_Tern_writes_is_accepted() => StreamFormat.ValidateHeader(Header());

    [Fact]
    public void A_newer_minor_is_refused_naming_both_versions()
    {
        var ex = Should.Throw<MigrationStreamException>(() => StreamFormat.ValidateHeader(Header(minor: StreamFormat.Minor + 1)));
        ex.Message.ShouldContain($"{StreamFormat.Major}.{StreamFormat.Minor + 1} is not supported");
    }

    [Theory]
    [InlineData(StreamFormat.Major + 1)]
    [InlineData(StreamFormat.Major - 1)]
    public void Another_major_is_refused(int major)
    {
        var ex = Should.Throw<MigrationStreamException>(() => StreamFormat.ValidateHeader(Header(major: (ushort)major)));
        ex.Message.ShouldContain($"{major}.{StreamFormat.Minor} is not supported");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void A_header_with_bad_magic_is_refused(int index)
    {
        var header = Header();
        header[index] ^= 0x20;
        Should.Throw<MigrationStreamException>(() => StreamFormat.ValidateHeader(header)).Message.ShouldContain("bad magic");
    }

    [Fact]
    public void A_short_header_is_refused() =>
        Should.Throw<MigrationStreamException>(() => StreamFormat.ValidateHeader(Header()[..8]));

    [Fact]
    public void A_stream_shorter_than_its_header_is_a_truncation()
    {
        var ex = Should.Throw<MigrationStreamException>(() => new RecordReader(new MemoryStream(Header()[..10]), true, "test stream"));
        ex.Message.ShouldContain("truncated");
    }
}
