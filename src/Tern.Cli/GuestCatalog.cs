using Tern.Vmm;

namespace Tern.Cli;

/// <summary>
/// Finds the guests Tern builds for itself. A guest directory is taken from TERN_GUEST_DIR, else the
/// first `guest/build` found walking up from the tern binary (a source checkout), else ~/.cache/tern/guest.
/// </summary>
internal static class GuestCatalog
{
    public static readonly string[] Names = ["test", "linux"];

    /// <summary>
    /// The Linux guest's command line (docs/linux-guest.md): COM1 console, and the kernel options that
    /// keep Linux 6.1 off instructions KVM's emulator lacks on kvm-pvm hosts (KVM-FACTS).
    /// </summary>
    public const string LinuxCommandLine =
        "console=ttyS0 noxsave clearcpuid=cx16,smap,popcnt,ssse3,fsgsbase,rdrand,rdseed,pku,rdpid nopti";

    private const string LinuxMissing = "the Linux guest is not built: run guest/linux/build.sh (or pass --kernel PATH)";

    public static string KernelFor(string guest) => guest switch
    {
        "test" => Require(Path.Combine(GuestDirectory(), "testguest", "testguest.elf"),
            "the test guest is not built: run guest/testguest/build.sh (or pass --kernel PATH)"),
        "linux" => Require(Path.Combine(GuestDirectory(), "linux", "vmlinux"), LinuxMissing),
        _ => throw new VmmConfigurationException($"unknown guest '{guest}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>The initrd a built-in guest boots with, or null.</summary>
    public static string? InitrdFor(string guest) => guest switch
    {
        "linux" => Require(Path.Combine(GuestDirectory(), "linux", "initramfs.cpio"), LinuxMissing),
        _ => null,
    };

    /// <summary>The command line a built-in guest gets when --append is not given.</summary>
    public static string DefaultCommandLineFor(string guest) => guest == "linux" ? LinuxCommandLine : "";

    public static string GuestDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("TERN_GUEST_DIR");
        if (!string.IsNullOrEmpty(fromEnvironment))
            return fromEnvironment;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "guest", "build");
            if (Directory.Exists(candidate))
                return candidate;
        }
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "tern", "guest");
    }

    private static string Require(string path, string whenMissing) =>
        File.Exists(path) ? path : throw new VmmConfigurationException($"{whenMissing} (looked for {path})");
}
