using Tern.Cluster.Detection;
using Tern.Cluster.Model;
using Tern.Cluster.Placement;
using Tern.Cluster.Policies;
using Tern.Cluster.Selection;
using static Tern.Cluster.Tests.TestCluster;

namespace Tern.Cluster.Tests;

public class PolicyTests
{
    private static DynamicConsolidationPolicy Thr(IEvacuationGate? gate = null)
    {
        var detector = new StaticThresholdDetector(0.8);
        return new DynamicConsolidationPolicy(detector, new MinimumMigrationTimeSelector(), new PowerAwareBestFit(detector), Cost, gate ?? new AlwaysEvacuate());
    }

    [Fact]
    public void Moves_the_smallest_vm_off_an_overloaded_host()
    {
        // Host 0 requests 4600 / 5320 = 0.86 > 0.8: the 613 MB VM leaves for host 1 ((500 + 2300) / 5320 = 0.53).
        var vms = new[] { Vm(0, 2500, 2300, ram: 870, host: 0), Vm(1, 2500, 2300, ram: 613, host: 0), Vm(2, 2500, 500, host: 1) };
        MigrationPlan plan = Thr().Plan(Snapshot([G5, G5], vms));
        plan.Migrations[0].ShouldBe(new PlannedMigration(1, 1));
    }

    [Fact]
    public void Empties_the_least_used_host_into_the_others()
    {
        var vms = new[] { Vm(0, 2500, 2000, host: 0), Vm(1, 1000, 300, host: 1), Vm(2, 500, 200, host: 1) };
        MigrationPlan plan = Thr().Plan(Snapshot([G5, G5], vms));
        plan.Migrations.ShouldBe([new PlannedMigration(1, 0), new PlannedMigration(2, 0)]);
    }

    [Fact]
    public void Leaves_a_host_alone_when_not_all_its_vms_fit_elsewhere()
    {
        var vms = new[] { Vm(0, 2500, 2500, host: 0), Vm(1, 2500, 1500, host: 0), Vm(2, 2500, 1000, host: 1), Vm(3, 2500, 900, host: 1) };
        Thr().Plan(Snapshot([G5, G5], vms)).Count.ShouldBe(0);
    }

    [Fact]
    public void A_gate_can_veto_an_evacuation()
    {
        var vms = new[] { Vm(0, 2500, 2000, host: 0), Vm(1, 1000, 300, host: 1) };
        Thr(new NeverEvacuate()).Plan(Snapshot([G5, G5], vms)).Count.ShouldBe(0);
    }

    [Fact]
    public void Does_not_plan_when_nothing_is_running() =>
        Thr().Plan(Snapshot([G4, G5], [])).Count.ShouldBe(0);

    [Theory]
    [InlineData("lr-mmt-1.2", "lr-mmt-1.2")]
    [InlineData("LR-MMT", "lr-mmt-1.2")]
    [InlineData("thr-rs", "thr-rs-0.8")]
    [InlineData("iqr-mc-1.5", "iqr-mc-1.5")]
    [InlineData("mad-mu-2", "mad-mu-2")]
    [InlineData("npa", "npa")]
    [InlineData("tern", "tern")]
    public void Catalog_resolves_policy_names(string name, string canonical) =>
        new PolicyCatalog(Cost, 300).Create(name, 1).Name.ShouldBe(canonical);

    [Theory]
    [InlineData("lr-xyz-1.2")]
    [InlineData("foo")]
    [InlineData("lr-mmt-abc")]
    public void Catalog_lists_the_valid_names_for_an_unknown_one(string name) =>
        Should.Throw<UnknownPolicyException>(() => new PolicyCatalog(Cost, 300).Create(name, 1)).Message.ShouldContain("thr|iqr|mad|lr|lrr");

    [Theory]
    [InlineData("lrr-mmt-1.2", "lr-mmt-1.2")]
    [InlineData("lrr-rs-1.1", "lr-rs-1.1")]
    [InlineData("lr-mc-1.2", "lr-mc-1.2")]
    [InlineData("thr-mmt-0.8", "thr-mmt-0.8")]
    [InlineData("tern", "tern")]
    public void Catalog_names_the_configuration_a_policy_runs(string canonical, string configuration) =>
        PolicyCatalog.ConfigurationOf(canonical).ShouldBe(configuration);

    [Fact]
    public void Catalog_names_every_published_combination() =>
        PolicyCatalog.StandardNames.Count.ShouldBe(2 + 5 * 4 + 1);

    private sealed class NeverEvacuate : IEvacuationGate
    {
        public bool ShouldEvacuate(PlacementState state, int host, IReadOnlyList<(int Vm, int Target)> moves) => false;
    }
}
