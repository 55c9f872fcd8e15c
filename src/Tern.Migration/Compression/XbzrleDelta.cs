using Tern.Migration.Protocol;

namespace Tern.Migration.Compression;

/// <summary>
/// XBZRLE (Xor-Based Zero Run Length Encoding, Svärd et al., VEE 2011; QEMU's format): a page that
/// was sent before travels as the difference to the copy the destination already holds — pairs of
/// (run of unchanged bytes, run of changed bytes followed by those bytes), both lengths in ULEB128.
/// A trailing run of unchanged bytes is implied. Guests that rewrite a few words of a page cost a few
/// bytes per page instead of 4096.
/// </summary>
public static class XbzrleDelta
{
    /// <summary>
    /// A changed run ends only at this many unchanged bytes: shorter gaps cost more as a new pair
    /// (two length bytes) than as literal bytes.
    /// </summary>
    private const int MinUnchangedRun = 3;

    /// <summary>
    /// Encodes <paramref name="current"/> against <paramref name="previous"/> into <paramref name="output"/>.
    /// Returns the encoded length (0 when the pages are equal), or -1 when the delta does not fit in
    /// <paramref name="output"/>: then the page is better sent whole.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> current, Span<byte> output)
    {
        if (previous.Length != current.Length)
            throw new ArgumentException("pages differ in size");
        var length = current.Length;
        var position = 0;
        var written = 0;
        while (position < length)
        {
            var unchanged = previous[position..].CommonPrefixLength(current[position..]);
            var start = position + unchanged;
            if (start == length)
                break;
            var end = start + 1;
            while (end < length)
            {
                if (previous[end] != current[end])
                {
                    end++;
                    continue;
                }
                var equal = 1;
                while (equal < MinUnchangedRun && end + equal < length && previous[end + equal] == current[end + equal])
                    equal++;
                if (equal == MinUnchangedRun || end + equal == length)
                    break;
                end += equal;
            }
            var changed = end - start;
            if (written + UlebLength(unchanged) + UlebLength(changed) + changed > output.Length)
                return -1;
            written += WriteUleb(output[written..], unchanged);
            written += WriteUleb(output[written..], changed);
            current.Slice(start, changed).CopyTo(output[written..]);
            written += changed;
            position = end;
        }
        return written;
    }

    /// <summary>
    /// Applies <paramref name="delta"/> to <paramref name="page"/> (which must hold what the source
    /// encoded against). A malformed delta — a run past the page, a truncated length, an empty changed
    /// run — is refused before the page is touched beyond its bounds.
    /// </summary>
    public static void Apply(ReadOnlySpan<byte> delta, Span<byte> page)
    {
        var position = 0;
        var read = 0;
        while (read < delta.Length)
        {
            position += ReadUleb(delta, ref read, page.Length);
            var changed = ReadUleb(delta, ref read, page.Length);
            if (changed == 0)
                throw new MigrationStreamException("XBZRLE delta has an empty run of changed bytes");
            if (position + changed > page.Length || read + changed > delta.Length)
                throw new MigrationStreamException("XBZRLE delta runs past the end of its page");
            delta.Slice(read, changed).CopyTo(page[position..]);
            position += changed;
            read += changed;
        }
    }

    private static int UlebLength(int value) => value < 0x80 ? 1 : value < 0x4000 ? 2 : 3;

    private static int WriteUleb(Span<byte> output, int value)
    {
        var count = 0;
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            output[count++] = value == 0 ? b : (byte)(b | 0x80);
        }
        while (value != 0);
        return count;
    }

    private static int ReadUleb(ReadOnlySpan<byte> input, ref int offset, int limit)
    {
        var value = 0;
        for (var shift = 0; shift < 21; shift += 7)
        {
            if (offset >= input.Length)
                throw new MigrationStreamException("XBZRLE delta is truncated");
            var b = input[offset++];
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                if (value > limit)
                    throw new MigrationStreamException("XBZRLE delta runs past the end of its page");
                return value;
            }
        }
        throw new MigrationStreamException("XBZRLE delta has an overlong run length");
    }
}
