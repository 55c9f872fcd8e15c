namespace Tern.Cli;

/// <summary>Where a VM's control socket lives when --api is not given: under the runtime directory, named after the VM.</summary>
internal static class ApiPaths
{
    public static string DefaultName() => $"vm-{Environment.ProcessId}";

    public static string ForName(string name)
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var directory = !string.IsNullOrEmpty(runtime) ? Path.Combine(runtime, "tern")
            : Environment.UserName == "root" ? "/run/tern"
            : Path.Combine(Path.GetTempPath(), $"tern-{Environment.UserName}");
        return Path.Combine(directory, $"{name}.sock");
    }
}
