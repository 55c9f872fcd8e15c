namespace Tern.TestKit;

/// <summary>
/// Integration tests run on the real /dev/kvm. Where it is missing or unusable they fail with a clear
/// message; only TERN_SKIP_KVM=1 turns them into skips.
/// </summary>
public static class KvmAvailability
{
    public const string DevicePath = "/dev/kvm";

    public static void Require()
    {
        var problem = Problem();
        if (problem is null)
            return;
        if (Environment.GetEnvironmentVariable("TERN_SKIP_KVM") == "1")
            Assert.Skip($"skipped (TERN_SKIP_KVM=1): {problem}");
        Assert.Fail($"{problem}. KVM integration tests need a usable {DevicePath}; set TERN_SKIP_KVM=1 to skip them explicitly.");
    }

    private static string? Problem()
    {
        if (!File.Exists(DevicePath))
            return $"{DevicePath} does not exist on this host";
        try
        {
            using var stream = new FileStream(DevicePath, FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return $"no permission to open {DevicePath}";
        }
        catch (IOException ex)
        {
            return $"cannot open {DevicePath}: {ex.Message}";
        }
    }
}
