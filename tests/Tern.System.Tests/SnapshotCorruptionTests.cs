using System.Buffers.Binary;
using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>One real snapshot of a running guest, taken once for the tests that damage copies of it.</summary>
public sealed class RealSnapshot : IDisposable
{
    private readonly object _lock = new();
    private readonly TempDirectory _dir = new();
    private byte[]? _bytes;

    /// <summary>The snapshot file's bytes (a 256 MiB, 1-vCPU test guest that ticks).</summary>
    public byte[] Bytes
    {
        get
        {
            lock (_lock)
            {
                if (_bytes is null)
                {
                    using var source = TernVm.Run(_dir, "source", "tick=50");
                    source.WaitForTicks(2);
                    var (code, _, stderr) = source.Control("snapshot", "--out", _dir.File("snap"), "--stop");
                    code.ShouldBe(0, stderr);
                    source.Process.WaitForExit(TernVm.Patience);
                    _bytes = File.ReadAllBytes(Path.Combine(_dir.File("snap"), "snapshot.tern"));
                }
                return _bytes;
            }
        }
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// `tern restore` reads and checks the whole snapshot before any guest code runs: a damaged, newer or
/// mismatched snapshot ends it with one clear line on stderr and no guest output.
/// </summary>
public sealed class SnapshotCorruptionTests(RealSnapshot snapshot) : IClassFixture<RealSnapshot>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Restores <paramref name="bytes"/> as a snapshot; returns the exit code, stdout and stderr.</summary>
    private static (int ExitCode, string Stdout, string Stderr) Restore(TempDirectory dir, string name, byte[] bytes, params string[] arguments)
    {
        var snapshotDir = dir.File(name);
        Directory.CreateDirectory(snapshotDir);
        File.WriteAllBytes(Path.Combine(snapshotDir, "snapshot.tern"), bytes);
        return TernProcess.RunToEnd(Timeout, ["restore", snapshotDir, "--api", dir.File($"{name}.sock"), .. arguments]);
    }

    private static void ShouldBeRefusedBeforeTheGuestRuns((int ExitCode, string Stdout, string Stderr) result, string damage)
    {
        result.ExitCode.ShouldNotBe(0, damage);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, $"{damage}: {result.Stderr}");
        lines[0].ShouldStartWith("tern: ", customMessage: damage);
        result.Stderr.ShouldNotContain("   at ", customMessage: damage);
        result.Stdout.Split('\n').ShouldNotContain(l => TickLine.IsTick(l), damage);
    }

    /// <summary>Restores every damaged copy, a few at a time, and checks each was refused.</summary>
    private static void ShouldAllBeRefused(IReadOnlyList<(string Damage, byte[] Bytes)> copies)
    {
        using var dir = new TempDirectory();
        var results = new (int, string, string)[copies.Count];
        Parallel.For(0, copies.Count, new ParallelOptions { MaxDegreeOfParallelism = 3 },
            i => results[i] = Restore(dir, $"copy{i}", copies[i].Bytes));
        for (var i = 0; i < copies.Count; i++)
            ShouldBeRefusedBeforeTheGuestRuns(results[i], copies[i].Damage);
    }

    [Fact]
    public void The_undamaged_snapshot_restores()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        var path = dir.File("snap");
        Directory.CreateDirectory(path);
        File.WriteAllBytes(Path.Combine(path, "snapshot.tern"), snapshot.Bytes);
        using var restored = TernVm.Restore(dir, "restored", path);
        restored.WaitForTicks(2);
    }

    [Fact]
    public void Single_byte_flips_anywhere_are_refused()
    {
        KvmAvailability.Require();
        var original = snapshot.Bytes;
        var random = new Random(1234);
        var offsets = new List<int> { 0, 7, 9, 11, 13, 16, 20, 31 };
        while (offsets.Count < 15)
            offsets.Add(random.Next(0, original.Length));
        ShouldAllBeRefused(offsets.Select(offset =>
        {
            var copy = (byte[])original.Clone();
            copy[offset] ^= (byte)random.Next(1, 256);
            return ($"byte {offset} of {original.Length} flipped", copy);
        }).ToList());
    }

    [Fact]
    public void Truncations_anywhere_are_refused()
    {
        KvmAvailability.Require();
        var original = snapshot.Bytes;
        var random = new Random(5678);
        var lengths = new List<int> { 0, 10, original.Length - 1 };
        while (lengths.Count < 8)
            lengths.Add(random.Next(16, original.Length));
        ShouldAllBeRefused(lengths.Select(length => ($"cut to {length} of {original.Length} bytes", original[..length])).ToList());
    }

    [Fact]
    public void A_snapshot_of_a_newer_format_minor_is_refused_naming_the_version()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        var copy = (byte[])snapshot.Bytes.Clone();
        var minor = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(10));
        var major = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(8));
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(10), (ushort)(minor + 1));
        var result = Restore(dir, "newer", copy);
        ShouldBeRefusedBeforeTheGuestRuns(result, "minor bumped");
        result.Stderr.ShouldContain($"format {major}.{minor + 1} is not supported");
    }

    [Fact]
    public void Restore_with_another_memory_size_is_refused_naming_the_shape()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        var result = Restore(dir, "bigger", snapshot.Bytes, "--memory", "512M");
        ShouldBeRefusedBeforeTheGuestRuns(result, "--memory 512M");
        result.Stderr.ShouldContain("256 MiB");
        result.Stderr.ShouldContain("512 MiB");
    }
}
