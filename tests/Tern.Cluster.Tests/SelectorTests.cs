using Tern.Cluster.Model;
using Tern.Cluster.Selection;
using static Tern.Cluster.Tests.TestCluster;

namespace Tern.Cluster.Tests;

public class SelectorTests
{
    private static readonly HostSpec[] OneHost = [G5];

    [Fact]
    public void Mmt_picks_the_vm_with_the_least_memory()
    {
        var state = State(OneHost, [Vm(0, 1000, 500, ram: 1740, host: 0), Vm(1, 1000, 500, ram: 613, host: 0), Vm(2, 1000, 500, ram: 870, host: 0)]);
        new MinimumMigrationTimeSelector().SelectVm(state, 0).ShouldBe(1);
    }

    [Fact]
    public void Mmt_breaks_ties_by_host_order()
    {
        var state = State(OneHost, [Vm(0, 1000, 500, ram: 870, host: 0), Vm(1, 1000, 500, ram: 870, host: 0)]);
        new MinimumMigrationTimeSelector().SelectVm(state, 0).ShouldBe(0);
    }

    [Fact]
    public void Mu_picks_the_vm_using_the_smallest_share_of_its_vcpu()
    {
        // 400/2500 = 0.16 beats 100/500 = 0.2 although it uses more MIPS.
        var state = State(OneHost, [Vm(0, 500, 100, host: 0), Vm(1, 2500, 400, host: 0)]);
        new MinimumUtilizationSelector().SelectVm(state, 0).ShouldBe(1);
    }

    [Fact]
    public void Selectors_return_minus_one_on_an_empty_host()
    {
        var state = State(OneHost, []);
        new MinimumMigrationTimeSelector().SelectVm(state, 0).ShouldBe(-1);
        new MinimumUtilizationSelector().SelectVm(state, 0).ShouldBe(-1);
        new RandomSelector(new Random(1)).SelectVm(state, 0).ShouldBe(-1);
        new MaximumCorrelationSelector(new MinimumMigrationTimeSelector()).SelectVm(state, 0).ShouldBe(-1);
    }

    [Fact]
    public void Rs_is_repeatable_for_a_seed()
    {
        var state = State(OneHost, [.. Enumerable.Range(0, 8).Select(i => Vm(i, 1000, 100, host: 0))]);
        int[] first = [.. Enumerable.Range(0, 20).Select(_ => 0)];
        var a = new RandomSelector(new Random(42));
        var b = new RandomSelector(new Random(42));
        for (int i = 0; i < 20; i++)
        {
            a.SelectVm(state, 0).ShouldBe(b.SelectVm(state, 0));
        }
    }

    [Fact]
    public void Mc_picks_the_vm_best_explained_by_the_others()
    {
        // vm2 = vm0 + vm1 exactly, so its R² is 1; vm0 and vm1 are only partly explained.
        double[] h0 = [0.1, 0.5, 0.2, 0.8, 0.3, 0.9, 0.4, 0.2];
        double[] h1 = [0.3, 0.1, 0.6, 0.2, 0.7, 0.1, 0.5, 0.3];
        double[] h2 = [.. h0.Zip(h1, (x, y) => (x + y) / 2)];
        double[] h3 = [0.2, 0.2, 0.9, 0.1, 0.4, 0.6, 0.3, 0.8];
        var state = State(OneHost, [Vm(0, 500, 50, host: 0, history: h0), Vm(1, 500, 50, host: 0, history: h1), Vm(2, 500, 50, host: 0, history: h3), Vm(3, 500, 50, host: 0, history: h2)]);
        new MaximumCorrelationSelector(new MinimumMigrationTimeSelector()).SelectVm(state, 0).ShouldBeOneOf(0, 1, 3);
        // With the history no longer than the number of VMs the regression is undetermined: fall back to MMT.
        var shortState = State(OneHost, [Vm(0, 500, 50, ram: 870, host: 0, history: [0.1, 0.2]), Vm(1, 500, 50, ram: 613, host: 0, history: [0.3, 0.1])]);
        new MaximumCorrelationSelector(new MinimumMigrationTimeSelector()).SelectVm(shortState, 0).ShouldBe(1);
    }
}
