using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>`tern migrate --mode static` shuts the guest down here and boots the same configuration afresh there.</summary>
public sealed class StaticMigrationTests
{
    [Fact]
    public void Destination_boots_the_same_configuration_afresh()
    {
        KvmAvailability.Require();
        using var dir = new TempDirectory();
        using var source = TernVm.Run(dir, "source", "dirty=16,0 tick=50", cpus: 2);
        var sourceTicks = source.WaitForTicks(10);
        var port = LoopbackPort.Free();
        using var destination = TernVm.Receive(dir, "destination", port);
        var (code, _, stderr) = source.Control("migrate", "--to", $"127.0.0.1:{port}", "--mode", "static");
        code.ShouldBe(0, stderr);
        source.Process.WaitForExit(TernVm.Patience).ShouldBe(0);
        var last = source.Ticks[^1];

        destination.Process.WaitForLine(l => l == "tern-guest: ready", TernVm.Patience);
        destination.Process.WaitForLine(l => l == "cpus 2", TernVm.Patience);
        destination.Process.WaitForLine(l => l.StartsWith("testguest: ", StringComparison.Ordinal) && l.Contains("dirty_mib=16") && l.Contains("tick=50"),
            TernVm.Patience);
        var first = destination.WaitForTicks(1)[0];
        sourceTicks.Count.ShouldBeGreaterThanOrEqualTo(10);
        first.PagesWritten.ShouldBeLessThan(last.PagesWritten, "the workload starts over");
        first.GuestMilliseconds.ShouldBeLessThan(last.GuestMilliseconds, "the guest's clock starts over");
    }
}
