using Tern.Migration.Strategies;
using Tern.Migration.Tests.Fakes;

namespace Tern.Migration.Tests.Strategies;

/// <summary>One snapshot stream of a fake machine (a few hundred random pages and some state sections), made once.</summary>
internal static class SnapshotStream
{
    private static readonly Lazy<(FakeMigrationSource Source, byte[] Bytes)> Made = new(() =>
    {
        var source = FakeMigrationSource.Random(seed: 2024);
        var file = new MemoryStream();
        new MigrationSender(source, TimeProvider.System).WriteSnapshot(file, "fake");
        return (source, file.ToArray());
    });

    public static FakeMigrationSource Source => Made.Value.Source;

    /// <summary>A fresh copy of the stream's bytes, for a test to damage.</summary>
    public static byte[] Copy() => (byte[])Made.Value.Bytes.Clone();

    public static int Length => Made.Value.Bytes.Length;
}
