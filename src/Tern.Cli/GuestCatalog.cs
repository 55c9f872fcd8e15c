using Tern.Vmm;

namespace Tern.Cli;

/// <summary>
/// Finds the guests Tern builds for itself. A guest directory is taken from TERN_GUEST_DIR, else the
/// first `guest/build` found walking up from the tern binary (a source checkout), else ~/.cache/tern/guest.
/// </summary>
internal static class GuestCatalog
{
    public static readonly string[] Names = ["test"];

    public static string KernelFor(string guest) => guest switch
    {
        "test" => Require(Path.Combine(GuestDirectory(), "testguest", "testguest.elf"),
            "the test guest is not built: run guest/testguest/build.sh (or pass --kernel PATH)"),
        _ => throw new VmmConfigurationException($"unknown guest '{guest}' (known: {string.Join(", ", Names)})"),
    };

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
