using Tern.Cluster.Detection;
using Tern.Cluster.Model;
using Tern.Cluster.Placement;
using static Tern.Cluster.Tests.TestCluster;

namespace Tern.Cluster.Tests;

public class PlacementTests
{
    private static readonly IOverloadDetector Thr = new StaticThresholdDetector(0.8);

    [Fact]
    public void Pabfd_chooses_the_host_whose_power_grows_least()
    {
        // Adding 532 MIPS (10 % of a G5) costs 4 W at 10 %→20 % but 6 W at 40 %→50 %.
        var vms = new[] { Vm(0, 2660, 532, host: 0), Vm(1, 2660, 2128, host: 1), Vm(2, 1000, 532) };
        var state = State([G5, G5], vms);
        new PowerAwareBestFit(Thr).FindHost(state, 2, new bool[2]).ShouldBe(0);
    }

    [Fact]
    public void Pabfd_skips_hosts_that_would_become_overloaded()
    {
        // Host 0 would reach (3800 + 532) / 5320 = 0.81 > 0.8.
        var vms = new[] { Vm(0, 2660, 1900, host: 0), Vm(1, 2660, 1900, host: 0), Vm(2, 2660, 2128, host: 1), Vm(3, 1000, 532) };
        var state = State([G5, G5], vms);
        new PowerAwareBestFit(Thr).FindHost(state, 3, new bool[2]).ShouldBe(1);
    }

    [Fact]
    public void Pabfd_respects_exclusions_and_core_speed()
    {
        // A 2000-MIPS request exceeds a G4 core (1860): only the G5 qualifies, and it is excluded.
        var state = State([G4, G5], [Vm(0, 2500, 2000)]);
        new PowerAwareBestFit(Thr).FindHost(state, 0, [false, true]).ShouldBe(-1);
        new PowerAwareBestFit(Thr).FindHost(state, 0, [false, false]).ShouldBe(1);
    }

    [Fact]
    public void Pabfd_counts_vms_placed_earlier_in_the_round_in_the_power_after_but_not_before()
    {
        // Both G5s measured 532 MIPS (10 %). Placing 1596 MIPS on host 0 first makes its planned load
        // 40 %; a second 532-MIPS VM would then cost P(50 %) − P(10 %) = 19 W there against
        // P(20 %) − P(10 %) = 4 W on host 1, as in CloudSim 3.0.3 (planned after, measured before).
        var vms = new[] { Vm(0, 2660, 532, host: 0), Vm(1, 2660, 532, host: 1), Vm(2, 2660, 1596), Vm(3, 1000, 532) };
        var state = State([G5, G5], vms);
        state.Add(2, 0);
        new PowerAwareBestFit(Thr).FindHost(state, 3, new bool[2]).ShouldBe(1);
    }

    [Fact]
    public void Pabfd_switches_on_the_lowest_numbered_idle_host_of_the_cheapest_type()
    {
        // Hosts 1 and 3 (G5) are equally idle; the lower id wins. Host 0 is excluded.
        var state = State([G4, G5, G4, G5], [Vm(0, 1000, 532)]);
        new PowerAwareBestFit(Thr).FindHost(state, 0, [true, false, false, false]).ShouldBe(1);
        new PowerAwareBestFit(Thr).FindHost(state, 0, [false, true, false, false]).ShouldBe(3);
    }

    [Fact]
    public void Pabfd_skips_excluded_idle_hosts_and_finds_none_when_all_are_excluded()
    {
        // Host 1 is powered and excluded in both calls below; only idle hosts remain.
        var state = State([G5, G5, G5], [Vm(0, 2660, 532, host: 1), Vm(1, 1000, 532)]);
        new PowerAwareBestFit(Thr).FindHost(state, 1, [false, true, false]).ShouldBe(0);
        new PowerAwareBestFit(Thr).FindHost(state, 1, [true, true, false]).ShouldBe(2);
        new PowerAwareBestFit(Thr).FindHost(state, 1, [true, true, true]).ShouldBe(-1);
    }

    [Fact]
    public void First_fit_takes_the_lowest_host_with_room()
    {
        // Host 0 has 3720 − 3600 = 120 MIPS free.
        var state = State([G4, G4, G5], [Vm(0, 2000, 1800, host: 0), Vm(1, 2000, 1800, host: 0), Vm(2, 1000, 1000)]);
        new FirstFit().FindHost(state, 2, new bool[3]).ShouldBe(1);
    }

    [Fact]
    public void Initial_placement_fails_clearly_when_a_vm_fits_nowhere()
    {
        var snapshot = Snapshot([G4], [Vm(0, 2500, 2500)]);
        Should.Throw<InsufficientCapacityException>(() => InitialPlacement.PlaceAll(snapshot, new FirstFit(), Cost))
            .Message.ShouldContain("VM 0");
    }
}
