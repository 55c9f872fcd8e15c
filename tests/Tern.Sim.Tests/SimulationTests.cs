using Tern.Cluster.Policies;
using Tern.Cluster.Power;
using Tern.Sim.Engine;
using Tern.Sim.Experiments;
using Tern.Sim.Results;
using Tern.Sim.Scenario;
using Tern.Sim.Workload;

namespace Tern.Sim.Tests;

public class SimulationTests
{
    private static SimulationResult Run(string folder, string policy, int hosts)
    {
        var scenario = SimulationScenario.PlanetLab(hosts);
        var descriptor = new PolicyCatalog(scenario.MigrationCost, scenario.IntervalSeconds).Create(policy, 1);
        return new DatacenterSimulation(PlanetLabWorkload.Load(folder), scenario, descriptor, TimeProvider.System).Run();
    }

    [Fact]
    public void Npa_charges_every_host_its_full_power_for_the_whole_run()
    {
        using var folder = new TraceFolder();
        folder.WriteConstant("a", 50);
        folder.WriteConstant("b", 20);
        var result = Run(folder.Path, "npa", hosts: 4);
        // Steps at 300.1 … 86100.1 s; the first interval runs from 0, so 86 100.1 s in all.
        double expected = 2 * (117 + 135) * 86_100.1 / 3_600_000;
        result.EnergyKwh.ShouldBe(expected, 1e-9);
        result.Migrations.ShouldBe(0);
    }

    [Fact]
    public void Dvfs_energy_follows_the_load_of_the_hosts_in_use()
    {
        using var folder = new TraceFolder();
        folder.WriteConstant("a", 50); // VM 0: 2500 MIPS → 1250
        folder.WriteConstant("b", 50); // VM 1: 2000 MIPS → 1000
        var result = Run(folder.Path, "dvfs", hosts: 2);
        // Neither VM fits a G4 core (1860 MIPS) at full speed, so both land on host 1 (G5):
        // 2250 / 5320 of a G5. The first interval starts from a host that was never measured (0 J);
        // the other 286 intervals of 300 s run at constant load.
        double utilization = 2250.0 / 5320;
        double watts = 110 + (116 - 110) * (utilization - 0.4) * 10;
        result.EnergyKwh.ShouldBe(watts * 300 * 286 / 3_600_000, 1e-9);
        result.SlatahPct.ShouldBe(0);
        result.ActiveHosts.ShouldAllBe(s => s.ActiveHosts == 1);
    }

    [Fact]
    public void Consolidation_packs_vms_that_the_initial_placement_spread_out_and_charges_the_migrations()
    {
        using var folder = new TraceFolder();
        folder.WriteConstant("a", 40); // 2500 MIPS VM → 1000 MIPS
        folder.WriteConstant("b", 40); // 2000 MIPS VM → 800 MIPS
        folder.WriteConstant("c", 40); // 1000 MIPS VM → 400 MIPS
        folder.WriteConstant("d", 40); // 500 MIPS VM → 200 MIPS (613 MB)
        var result = Run(folder.Path, "thr-mmt-0.8", hosts: 4);
        // Placed at full speed, each VM makes its host dearer for the next one (planned load), so
        // a, b, c and d land on hosts 1, 3, 0 and 2. Their 2400 MIPS fit one G5 at 45 % ≤ 0.8, so
        // consolidation ends with a single host on, which takes at least three migrations.
        result.Migrations.ShouldBeGreaterThanOrEqualTo(3);
        result.PdmPct.ShouldBeGreaterThan(0);
        result.ActiveHosts[^1].ActiveHosts.ShouldBe(1);
    }

    [Fact]
    public void Same_inputs_give_the_same_figures()
    {
        using var folder = new TraceFolder();
        for (int i = 0; i < 12; i++)
        {
            var lines = Enumerable.Range(0, 288).Select(k => ((k * (i + 3) + i * 17) % 90).ToString());
            folder.Write($"vm{i:D2}", string.Join('\n', lines) + "\n");
        }
        var first = Run(folder.Path, "lr-rs-1.2", hosts: 8);
        var second = Run(folder.Path, "lr-rs-1.2", hosts: 8);
        second.EnergyKwh.ShouldBe(first.EnergyKwh);
        second.Migrations.ShouldBe(first.Migrations);
        second.SlatahPct.ShouldBe(first.SlatahPct);
    }

    [Fact]
    public void Reference_day_npa_matches_cloudsim()
    {
        string folder = PlanetLabData.Day("20110303") ?? SkipMissingData();
        Run(folder, "npa", 800).EnergyKwh.ShouldBe(2410.80, 0.005);
    }

    [Fact]
    public void Reference_day_lr_mmt_matches_cloudsim()
    {
        string folder = PlanetLabData.Day("20110303") ?? SkipMissingData();
        var result = Run(folder, "lr-mmt-1.2", 800);
        result.EnergyKwh.ShouldBe(163.48, 0.005);
        result.Migrations.ShouldBe(27_859);
        result.SlatahPct.ShouldBe(5.86, 0.005);
    }

    [Fact]
    public void Tern_beats_lr_mmt_on_the_reference_day_in_esv_slatah_and_pdm()
    {
        string folder = PlanetLabData.Day("20110303") ?? SkipMissingData();
        var reference = Run(folder, "lr-mmt-1.2", 800);
        var tern = Run(folder, "tern", 800);
        tern.Esv.ShouldBeLessThan(reference.Esv);
        tern.SlatahPct.ShouldBeLessThan(reference.SlatahPct);
        tern.PdmPct.ShouldBeLessThan(reference.PdmPct);
    }

    [Fact]
    public void A_matrix_runs_a_configuration_once_and_reports_it_under_each_name()
    {
        using var folder = new TraceFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "day"));
        for (int i = 0; i < 12; i++)
        {
            var lines = Enumerable.Range(0, 288).Select(k => ((k * (i + 3) + i * 17) % 90).ToString());
            folder.Write($"day/vm{i:D2}", string.Join('\n', lines) + "\n");
        }
        string day = Path.Combine(folder.Path, "day");
        var runs = new[] { new ExperimentRun(day, "lr-mmt-1.2"), new ExperimentRun(day, "lrr-mmt"), new ExperimentRun(day, "thr-mmt") };
        var results = new ExperimentMatrix(SimulationScenario.PlanetLab(8), 1, TimeProvider.System).Run(runs, 2, cancellation: TestContext.Current.CancellationToken);

        results.Select(r => r.Policy).ShouldBe(["lr-mmt-1.2", "lrr-mmt-1.2", "thr-mmt-0.8"]);
        var alone = Run(day, "lrr-mmt-1.2", hosts: 8);
        results[1].EnergyKwh.ShouldBe(alone.EnergyKwh);
        results[1].Migrations.ShouldBe(alone.Migrations);
        results[1].SlatahPct.ShouldBe(alone.SlatahPct);
        results[0].EnergyKwh.ShouldBe(alone.EnergyKwh);
    }

    [Fact]
    public void A_vm_whose_demand_is_zero_at_a_measurement_is_retired_for_good()
    {
        using var folder = new TraceFolder();
        folder.WriteConstant("a", 50);
        // VM b is idle around the second step (300.1 s lies between two zero samples), then busy.
        folder.Write("b", string.Join('\n', Enumerable.Range(0, 288).Select(k => k is 1 or 2 ? "0" : "50")) + "\n");
        var result = Run(folder.Path, "dvfs", hosts: 2);
        // Both start on host 1 (G5). b is retired at the first step, so from then on only a's
        // 1250 MIPS run there, although b's trace picks up again later.
        double utilization = 1250.0 / 5320;
        double watts = 101 + (105 - 101) * (utilization - 0.2) * 10;
        result.EnergyKwh.ShouldBe(watts * 300 * 286 / 3_600_000, 1e-9);
    }

    private static string SkipMissingData()
    {
        Assert.Skip("PlanetLab traces not found next to the repository (../shared/data/planetlab)");
        return "";
    }
}
