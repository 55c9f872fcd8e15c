using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// A broken Linux kernel or initrd given to `tern run --kernel/--initrd` ends tern with one clear line and
/// exit code 1, before the guest runs. The files are cut from the built Linux guest, so the tests skip
/// where it is not built.
/// </summary>
public sealed class LinuxBadInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static void ShouldFailWithOneLine((int ExitCode, string Stdout, string Stderr) result, string expected)
    {
        result.ExitCode.ShouldBe(1, result.Stderr);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, result.Stderr);
        lines[0].ShouldStartWith("tern: ");
        lines[0].ShouldContain(expected);
        result.Stdout.ShouldBeEmpty("the guest never ran");
    }

    private static string CopyPrefix(TempDirectory dir, string source, int bytes, string name)
    {
        var path = dir.File(name);
        using var input = File.OpenRead(source);
        var prefix = new byte[bytes];
        input.ReadExactly(prefix);
        File.WriteAllBytes(path, prefix);
        return path;
    }

    [Theory]
    [InlineData(0x240)]         // inside the setup header
    [InlineData(64 * 1024)]     // inside the compressed payload
    public void Truncated_bzImage_is_refused(int keptBytes)
    {
        LinuxGuest.Require("bzImage");
        using var dir = new TempDirectory();
        var kernel = CopyPrefix(dir, LinuxGuest.File("bzImage"), keptBytes, "bzImage");
        ShouldFailWithOneLine(TernProcess.RunToEnd(Timeout, "run", "--kernel", kernel, "--append", "console=ttyS0"), "truncated bzImage");
    }

    [Fact]
    public void Linux_kernel_for_another_architecture_is_refused()
    {
        LinuxGuest.Require("vmlinux");
        using var dir = new TempDirectory();
        var kernel = CopyPrefix(dir, LinuxGuest.File("vmlinux"), 64 * 1024, "vmlinux-arm64");
        using (var file = File.OpenWrite(kernel))
        {
            file.Position = 18; // e_machine
            file.Write([183, 0]); // EM_AARCH64
        }
        ShouldFailWithOneLine(TernProcess.RunToEnd(Timeout, "run", "--kernel", kernel), "not x86: not a kernel Tern can boot");
    }

    [Fact]
    public void Initrd_larger_than_ram_allows_is_refused()
    {
        LinuxGuest.Require("vmlinux");
        using var dir = new TempDirectory();
        var initrd = dir.File("huge.cpio");
        using (var file = File.Create(initrd))
            file.SetLength(200L << 20); // sparse: 200 MiB of zeros in 128 MiB of guest RAM
        ShouldFailWithOneLine(
            TernProcess.RunToEnd(Timeout, "run", "--kernel", LinuxGuest.File("vmlinux"), "--initrd", initrd, "--memory", "128M"),
            "huge.cpio is 200 MiB, but with 128 MiB of RAM only");
    }

    [Fact]
    public void Missing_initrd_is_named()
    {
        LinuxGuest.Require("vmlinux");
        ShouldFailWithOneLine(
            TernProcess.RunToEnd(Timeout, "run", "--kernel", LinuxGuest.File("vmlinux"), "--initrd", "/nonexistent/initrd.cpio"),
            "initrd /nonexistent/initrd.cpio: no such file");
    }

    [Fact]
    public void Initrd_with_a_multiboot_kernel_is_refused()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        var initrd = dir.File("initrd.cpio");
        File.WriteAllBytes(initrd, new byte[4096]);
        ShouldFailWithOneLine(
            TernProcess.RunToEnd(Timeout, "run", "--kernel", RepositoryPaths.TestGuestKernel, "--initrd", initrd),
            "--initrd needs a Linux kernel");
    }
}
