using System.Text.Json.Nodes;
using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>`tern migrate --mode precopy` from a test: to completion, or started in the background to be interfered with.</summary>
internal static class PreCopyCommand
{
    /// <summary>The bandwidth cap of the tests that need pre-copy to be slower than the guest: 400 Mbit/s, about 48 MiB/s.</summary>
    public const string SlowLink = "400M";

    /// <summary>Runs `tern migrate` to the end and returns its exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(TernVm source, int port, params string[] options) =>
        source.Control("migrate", ["--to", $"127.0.0.1:{port}", "--mode", "precopy", .. options]);

    /// <summary>Starts `tern migrate` and returns at once, so the test can act while the migration runs.</summary>
    public static TernProcess Start(TernVm source, int port, params string[] options) =>
        TernProcess.Start(["migrate", "--api", source.Api, "--to", $"127.0.0.1:{port}", "--mode", "precopy", .. options]);

    /// <summary>Runs a migration that must succeed with a JSON report, and returns the report.</summary>
    public static JsonObject RunWithReport(TempDirectory dir, TernVm source, int port, params string[] options)
    {
        var report = dir.File($"report-{Guid.NewGuid():N}.json");
        var (code, _, stderr) = Run(source, port, [.. options, "--report", report]);
        code.ShouldBe(0, stderr);
        return JsonNode.Parse(File.ReadAllText(report))!.AsObject();
    }

    /// <summary>Waits until the source has sent <paramref name="bytes"/> through <paramref name="link"/>; fails if the migration ends first.</summary>
    public static void WaitUntilForwarded(TcpFaultProxy link, long bytes, TernProcess migrate)
    {
        var deadline = DateTime.UtcNow + TernVm.Patience;
        while (link.SourceBytes < bytes)
        {
            if (migrate.HasExited)
                Assert.Fail($"tern migrate ended after {link.SourceBytes} bytes, before the test could act; stderr:\n{migrate.Stderr}");
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"only {link.SourceBytes} bytes reached the destination within {TernVm.Patience.TotalSeconds:0} s");
            Thread.Sleep(20);
        }
    }
}
