using Tern.Cluster.Migration;
using Tern.Cluster.Model;
using static Tern.Cluster.Tests.TestCluster;

namespace Tern.Cluster.Tests;

public class MigrationCostTests
{
    [Fact]
    public void Half_a_gigabit_moves_870_MB_in_13_92_seconds() =>
        new LinkShareMigrationCost(0.5).MigrationSeconds(new VmSpec("v", 2500, 870, 100), G5, G5).ShouldBe(13.92, 1e-9);

    [Fact]
    public void Measured_costs_interpolate_by_memory_size_and_scale_with_the_link()
    {
        var measured = new MeasuredMigrationCost([(512, 6), (2048, 18)], measuredOnMbps: 1000);
        measured.MigrationSeconds(new VmSpec("v", 1000, 1280, 100), G5, G5).ShouldBe(12, 1e-9);
        var slowLink = G5 with { BandwidthMbps = 500 };
        measured.MigrationSeconds(new VmSpec("v", 1000, 1280, 100), G5, slowLink).ShouldBe(24, 1e-9);
    }
}
