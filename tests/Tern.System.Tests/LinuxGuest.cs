using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// The Linux guest built by guest/linux/build.sh, as the Linux system tests use it. Guest kernel mode is
/// emulated on kvm-pvm hosts (about 35 s to `Run /init`, a few seconds more to user space), so every wait
/// is generous; nothing here measures time.
/// </summary>
internal static class LinuxGuest
{
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(8);

    /// <summary>
    /// The test collection of every test that boots the Linux guest: they run one at a time, because two
    /// emulated Linux kernels on a 2-core host would also starve the other system tests running beside them.
    /// </summary>
    public const string Collection = "Linux guest";

    /// <summary>guest/linux's default command line (docs/linux-guest.md) with <paramref name="extra"/> added.</summary>
    public static string CommandLine(string extra = "") =>
        ("console=ttyS0 noxsave clearcpuid=cx16,smap,popcnt,ssse3,fsgsbase,rdrand,rdseed,pku,rdpid nopti " + extra).Trim();

    public static string File(string name) => Path.Combine(RepositoryPaths.GuestBuild, "linux", name);

    /// <summary>Fails without a usable /dev/kvm (unless TERN_SKIP_KVM=1); skips only when the guest is not built.</summary>
    public static void Require(params string[] files)
    {
        KvmAvailability.Require();
        foreach (var file in files.Length == 0 ? ["vmlinux", "initramfs.cpio"] : files)
            if (!global::System.IO.File.Exists(File(file)))
                Assert.Skip($"the Linux guest is not built ({file} is missing): run guest/linux/build.sh");
    }

    /// <summary>`tern run --guest linux` with a control socket, so it can be snapshotted or migrated.</summary>
    public static TernVm Run(TempDirectory dir, string name, string append) =>
        TernVm.RunGuest(dir, name, "linux", CommandLine(append));

    public static bool IsKernelVersionLine(string line) => line.StartsWith("Linux version 6.1", StringComparison.Ordinal);

    public static bool IsRunInitLine(string line) => line.Contains("Run /init as init process", StringComparison.Ordinal);

    public static bool IsReadyLine(string line) => line == "tern-guest: ready";
}
