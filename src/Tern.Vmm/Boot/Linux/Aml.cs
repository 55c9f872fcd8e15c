using System.Buffers.Binary;
using System.Text;

namespace Tern.Vmm.Boot.Linux;

/// <summary>
/// The few ACPI Machine Language terms Tern's DSDT needs (ACPI 6.x chapter 20, "ACPI Machine Language
/// Specification"; resource descriptors in section 6.4). Each method returns the encoded term, so a
/// namespace is written the way ASL nests: <c>Scope("\\_SB_", Device("COM1", Name("_HID", …)))</c>.
/// </summary>
public static class Aml
{
    private const byte ZeroOp = 0x00, OneOp = 0x01, NameOp = 0x08, BytePrefix = 0x0a, WordPrefix = 0x0b,
        DWordPrefix = 0x0c, QWordPrefix = 0x0e, ScopeOp = 0x10, BufferOp = 0x11, PackageOp = 0x12,
        ExtOpPrefix = 0x5b, DeviceOp = 0x82, RootChar = (byte)'\\';

    /// <summary><c>Name (name, value)</c>: binds a 4-character name in the current scope.</summary>
    public static byte[] Name(string name, byte[] value) => [NameOp, .. NameString(name), .. value];

    /// <summary><c>Scope (path) { terms }</c>.</summary>
    public static byte[] Scope(string path, params byte[][] terms) => [ScopeOp, .. Package(NameString(path), terms)];

    /// <summary><c>Device (name) { terms }</c>.</summary>
    public static byte[] Device(string name, params byte[][] terms) => [ExtOpPrefix, DeviceOp, .. Package(NameString(name), terms)];

    /// <summary>An integer constant in its shortest encoding (section 20.2.3).</summary>
    public static byte[] Integer(ulong value)
    {
        if (value == 0)
            return [ZeroOp];
        if (value == 1)
            return [OneOp];
        if (value <= byte.MaxValue)
            return [BytePrefix, (byte)value];
        if (value <= ushort.MaxValue)
            return Prefixed(WordPrefix, 2, value);
        if (value <= uint.MaxValue)
            return Prefixed(DWordPrefix, 4, value);
        return Prefixed(QWordPrefix, 8, value);
    }

    /// <summary><c>Package () { elements }</c> of integer constants.</summary>
    public static byte[] IntegerPackage(params ulong[] elements)
    {
        if (elements.Length > byte.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(elements), "a Package holds at most 255 elements");
        return [PackageOp, .. Package([(byte)elements.Length], elements.Select(Integer).ToArray())];
    }

    /// <summary>
    /// <c>EisaId ("PNP0501")</c>: three upper-case letters packed 5 bits each, then four hex digits, stored as
    /// the bytes of a big-endian 32-bit value and read by the guest as a little-endian DWord integer.
    /// </summary>
    public static byte[] EisaId(string id)
    {
        if (id.Length != 7 || !id[..3].All(char.IsAsciiLetterUpper) || !id[3..].All(char.IsAsciiHexDigit))
            throw new ArgumentException($"'{id}' is not an EISA id (three upper-case letters, four hex digits)", nameof(id));
        var vendor = ((id[0] - '@') << 10) | ((id[1] - '@') << 5) | (id[2] - '@');
        var product = Convert.ToUInt16(id[3..], 16);
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)vendor);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), product);
        return Integer(BinaryPrimitives.ReadUInt32LittleEndian(bytes));
    }

    /// <summary>
    /// <c>ResourceTemplate () { descriptors }</c>: a Buffer holding the descriptors followed by the End Tag
    /// (section 6.4.2.9) with a zero checksum, which means "not checked".
    /// </summary>
    public static byte[] ResourceTemplate(params byte[][] descriptors)
    {
        byte[] bytes = [.. descriptors.SelectMany(d => d), 0x79, 0x00];
        return [BufferOp, .. Package(Integer((ulong)bytes.Length), [bytes])];
    }

    /// <summary>
    /// <c>IO (Decode16, port, port, 1, length)</c>: an I/O port descriptor (section 6.4.2.5) for a fixed range.
    /// </summary>
    public static byte[] IoPort(ushort port, byte length)
    {
        var descriptor = new byte[8];
        descriptor[0] = 0x47;  // small item, type 0x08, 7 bytes follow
        descriptor[1] = 0x01;  // decodes 16 address bits
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(2), port);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(4), port);
        descriptor[6] = 1;     // alignment
        descriptor[7] = length;
        return descriptor;
    }

    /// <summary>
    /// <c>IRQNoFlags () { irq }</c>: the 2-byte IRQ descriptor (section 6.4.2.1), which means an ISA IRQ,
    /// edge-triggered and active high.
    /// </summary>
    public static byte[] IsaIrq(int irq)
    {
        if (irq is < 0 or > 15)
            throw new ArgumentOutOfRangeException(nameof(irq), irq, "an ISA IRQ is 0–15");
        var descriptor = new byte[3];
        descriptor[0] = 0x22;  // small item, type 0x04, 2 bytes follow
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(1), (ushort)(1 << irq));
        return descriptor;
    }

    /// <summary>
    /// A NameString (section 20.2.2): an optional root prefix and one or more 4-character segments
    /// separated by dots, each padded with '_' as ASL does.
    /// </summary>
    private static byte[] NameString(string path)
    {
        var rooted = path.StartsWith('\\');
        var segments = (rooted ? path[1..] : path).Split('.');
        if (segments.Length > 2)
            throw new ArgumentException($"'{path}': Tern's AML writer takes at most two name segments", nameof(path));
        var bytes = new List<byte>();
        if (rooted)
            bytes.Add(RootChar);
        if (segments.Length == 2)
            bytes.Add(0x2e); // DualNamePrefix
        foreach (var segment in segments)
        {
            if (segment.Length is 0 or > 4 || !(segment[0] is '_' || char.IsAsciiLetterUpper(segment[0]))
                || !segment.All(c => c is '_' || char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)))
                throw new ArgumentException($"'{segment}' is not an ACPI name segment", nameof(path));
            bytes.AddRange(Encoding.ASCII.GetBytes(segment.PadRight(4, '_')));
        }
        return [.. bytes];
    }

    /// <summary>A PkgLength (section 20.2.4) covering itself and <paramref name="head"/> and <paramref name="terms"/>, then those bytes.</summary>
    private static byte[] Package(byte[] head, byte[][] terms)
    {
        var contentLength = head.Length + terms.Sum(t => t.Length);
        // The encoded length counts the PkgLength bytes themselves: 1 byte holds up to 63, then 4 + 8n bits.
        var lengthBytes = contentLength + 1 <= 0x3f ? 1 : contentLength + 2 <= 0xfff ? 2 : contentLength + 3 <= 0xf_ffff ? 3 : 4;
        var total = contentLength + lengthBytes;
        if (total > 0xfff_ffff)
            throw new ArgumentOutOfRangeException(nameof(terms), "an AML package is at most 2^28 - 1 bytes");
        var encoded = new byte[lengthBytes];
        if (lengthBytes == 1)
            encoded[0] = (byte)total;
        else
        {
            encoded[0] = (byte)(((lengthBytes - 1) << 6) | (total & 0x0f));
            for (var i = 1; i < lengthBytes; i++)
                encoded[i] = (byte)(total >> (4 + 8 * (i - 1)));
        }
        return [.. encoded, .. head, .. terms.SelectMany(t => t)];
    }

    private static byte[] Prefixed(byte prefix, int size, ulong value)
    {
        var bytes = new byte[1 + size];
        bytes[0] = prefix;
        Span<byte> le = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(le, value);
        le[..size].CopyTo(bytes.AsSpan(1));
        return bytes;
    }
}
