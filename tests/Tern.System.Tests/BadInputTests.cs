using System.Diagnostics;
using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>Bad input gets one clear line on stderr and a non-zero exit, never a stack trace.</summary>
public sealed class BadInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static void ShouldBeOneCleanLine(string stderr, string expected)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("tern: ");
        lines[0].ShouldContain(expected);
        stderr.ShouldNotContain("   at ");
        stderr.ShouldNotContain("Exception");
    }

    [Fact]
    public void Missing_kernel_file_is_named()
    {
        var (code, _, stderr) = TernProcess.RunToEnd(Timeout, "run", "--kernel", "/nonexistent/vmlinuz");
        code.ShouldBe(1);
        ShouldBeOneCleanLine(stderr, "/nonexistent/vmlinuz: no such file");
    }

    [Fact]
    public void File_that_is_not_a_kernel_is_refused()
    {
        using var dir = new TempDirectory();
        var path = dir.File("notes.txt");
        File.WriteAllText(path, "this is not a kernel\n");
        var (code, _, stderr) = TernProcess.RunToEnd(Timeout, "run", "--kernel", path);
        code.ShouldBe(1);
        ShouldBeOneCleanLine(stderr, "not a kernel Tern can boot");
    }

    [Theory]
    [InlineData("16M", "below the minimum")]
    [InlineData("64G", "above the maximum")]
    [InlineData("lots", "is not a size")]
    public void Unusable_memory_size_is_refused(string memory, string expected)
    {
        var (code, _, stderr) = TernProcess.RunToEnd(Timeout, "run", "--kernel", RepositoryPaths.TestGuestKernel, "--memory", memory);
        code.ShouldBe(1);
        ShouldBeOneCleanLine(stderr, expected);
    }

    [Fact]
    public void Too_many_vcpus_are_refused()
    {
        KvmAvailability.Require();
        var (code, _, stderr) = TernProcess.RunToEnd(Timeout, "run", "--kernel", RepositoryPaths.TestGuestKernel, "--cpus", "3");
        code.ShouldBe(1);
        ShouldBeOneCleanLine(stderr, "--cpus 3 is out of range");
    }

    [Theory]
    [InlineData("1000")]   // not a power of two
    [InlineData("128")]    // under a page of entries
    [InlineData("131072")] // over KVM's limit
    public void Unusable_dirty_ring_size_is_a_usage_error(string entries)
    {
        var (code, _, stderr) = TernProcess.RunToEnd(Timeout, "run", "--kernel", RepositoryPaths.TestGuestKernel, "--dirty-ring", entries);
        code.ShouldBe(2);
        ShouldBeOneCleanLine(stderr, $"--dirty-ring {entries} is not a power of two");
    }

    [Fact]
    public void Unknown_flag_is_a_usage_error()
    {
        var (code, _, stderr) = TernProcess.RunToEnd(Timeout, "run", "--frobnicate");
        code.ShouldBe(2);
        ShouldBeOneCleanLine(stderr, "--frobnicate");
    }

    [Fact]
    public void Help_documents_every_run_flag()
    {
        var (code, stdout, _) = TernProcess.RunToEnd(Timeout, "run", "--help");
        code.ShouldBe(0);
        foreach (var flag in new[] { "--guest", "--kernel", "--append", "--memory", "--cpus", "--dirty-ring" })
            stdout.ShouldContain(flag);
    }

    [Fact]
    public void No_permission_on_dev_kvm_is_explained()
    {
        KvmAvailability.Require();
        if (Environment.UserName != "root")
            Assert.Skip("needs root to run tern as an unprivileged user");
        // /dev/kvm is root-only here; run tern as 'nobody', who may not open it.
        var info = new ProcessStartInfo("runuser") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-u", "nobody", "--", "env", "DOTNET_CLI_HOME=/tmp", "HOME=/tmp", "dotnet", RepositoryPaths.TernDll,
                     "run", "--kernel", RepositoryPaths.TestGuestKernel })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var mode = File.GetUnixFileMode(KvmAvailability.DevicePath);
        if ((mode & UnixFileMode.OtherWrite) != 0)
            Assert.Skip("/dev/kvm is world-writable here, so nobody can open it");
        process.ExitCode.ShouldBe(1);
        ShouldBeOneCleanLine(stderr, "cannot open /dev/kvm: EACCES");
    }
}
