using System.Buffers.Binary;

namespace Tern.Migration.Protocol;

/// <summary>
/// The 16-byte header that opens every migration stream and snapshot file: magic "TERNSTRM", then
/// format major and minor. A reader refuses another major, and a newer minor (which may carry records
/// it does not know); an older minor is read as it is.
/// </summary>
public static class StreamFormat
{
    public const int HeaderSize = 16;
    public const ushort Major = 1;
    /// <summary>1.1 added XBZRLE page entries; 1.2 the PopulatedPages record.</summary>
    public const ushort Minor = 2;
    private static ReadOnlySpan<byte> Magic => "TERNSTRM"u8;

    public static void WriteHeader(Span<byte> header)
    {
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], Major);
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], Minor);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
    }

    public static void ValidateHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderSize || !header[..8].SequenceEqual(Magic))
            throw new MigrationStreamException("not a Tern migration stream or snapshot (bad magic)");
        var major = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        var minor = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
        if (major != Major || minor > Minor)
            throw new MigrationStreamException($"stream format {major}.{minor} is not supported (this Tern reads {Major}.0 to {Major}.{Minor})");
        // The header has no checksum of its own: its reserved bytes must be exactly as written.
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != 0)
            throw new MigrationStreamException("the stream header is corrupted (reserved bytes are not zero)");
    }
}
