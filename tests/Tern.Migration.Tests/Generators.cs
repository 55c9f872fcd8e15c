using FsCheck;
using FsCheck.Fluent;
using Tern.Migration.Protocol;

namespace Tern.Migration.Tests;

/// <summary>FsCheck generators for migration protocol values.</summary>
internal static class Generators
{
    public static Gen<byte[]> Bytes(int maxLength) =>
        from length in Gen.Choose(0, maxLength)
        from bytes in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length)
        select bytes;

    /// <summary>Strings that survive UTF-8 (no lone surrogates), with some non-ASCII characters.</summary>
    public static Gen<string> Text(int minLength, int maxLength) =>
        from length in Gen.Choose(minLength, maxLength)
        from chars in Gen.ArrayOf(Gen.OneOf(Gen.Choose(0x20, 0x7e), Gen.Elements(0xe9, 0x3b1, 0x96c0, 0x0a, 0x00)).Select(c => (char)c), length)
        select new string(chars);

    public static Gen<long> Long => ArbMap.Default.GeneratorFor<long>();
    public static Gen<ulong> ULong => ArbMap.Default.GeneratorFor<ulong>();

    public static Gen<Hello> Hello =>
        from mode in Gen.Elements(Enum.GetValues<MigrationMode>())
        from pages in Gen.Choose(1, int.MaxValue)
        from vcpus in Gen.Choose(1, 64)
        from name in Text(0, 80)
        from started in Long
        select new Hello(mode, (ulong)pages * 4096, vcpus, 4096, name, started);

    public static Gen<StateSection> Section =>
        from id in Text(1, StateSection.MaxIdLength)
        from data in Bytes(5000)
        select new StateSection(id, data);

    /// <summary>A record type the reader knows, and a payload of any length up to a few pages.</summary>
    public static Gen<(RecordType Type, byte[] Payload)> Record =>
        from type in Gen.Elements(Enum.GetValues<RecordType>())
        from payload in Gen.Frequency((3, Bytes(64)), (1, Bytes(20_000)))
        select (type, payload);
}
