namespace Tern.TestKit;

/// <summary>Where things are in the source checkout the tests run from.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string GuestBuild => Path.Combine(Root, "guest", "build");

    public static string TestGuestKernel
    {
        get
        {
            var path = Path.Combine(GuestBuild, "testguest", "testguest.elf");
            if (!File.Exists(path))
                Assert.Fail($"the test guest is not built ({path} is missing): run guest/testguest/build.sh");
            return path;
        }
    }

    /// <summary>The tern CLI built in the same configuration as the tests.</summary>
    public static string TernDll
    {
        get
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            var path = Path.Combine(Root, "src", "Tern.Cli", "bin", configuration, "net10.0", "tern.dll");
            if (!File.Exists(path))
                Assert.Fail($"tern is not built ({path} is missing): run dotnet build");
            return path;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Tern.slnx")))
                return dir.FullName;
        throw new InvalidOperationException($"no Tern.slnx above {AppContext.BaseDirectory}");
    }
}
