using Tern.Sim.Engine;
using Tern.Sim.Workload;

namespace Tern.Sim.Tests;

public class AccountingTests
{
    [Fact]
    public void Host_sla_time_counts_active_intervals_with_unmet_demand()
    {
        var host = new HostStateRecorder();
        host.Record(0, 100, 100, active: true);   // 0–10 s: satisfied
        host.Record(10, 90, 100, active: true);   // 10–15 s: short
        host.Record(15, 50, 50, active: true);    // 15–20 s: satisfied
        host.Record(20, 0, 0, active: false);     // 20–30 s: off, not counted
        host.Record(30, 10, 20, active: true);    // last state has no duration
        host.Finish();
        host.ActiveSeconds.ShouldBe(20);
        host.ViolationSeconds.ShouldBe(5);
        host.Shutdowns.ShouldBe(1);
    }

    [Fact]
    public void A_state_recorded_twice_at_one_instant_keeps_the_last()
    {
        var host = new HostStateRecorder();
        host.Record(0, 10, 100, active: true);
        host.Record(0, 100, 100, active: true);
        host.Record(10, 100, 100, active: true);
        host.ViolationSeconds.ShouldBe(0);
        host.ActiveSeconds.ShouldBe(10);
    }

    [Fact]
    public void A_host_that_starts_idle_counts_as_one_shutdown_like_the_reference()
    {
        var host = new HostStateRecorder();
        host.Record(0, 0, 0, active: false);
        host.Record(300, 0, 0, active: false);
        host.Finish();
        host.Shutdowns.ShouldBe(1);
    }

    [Fact]
    public void Vm_accounting_separates_migration_losses()
    {
        var vm = new VmStateRecorder();
        vm.Record(0, 1000, 1000, migrating: false);  // 0–300: full
        vm.Record(300, 900, 1000, migrating: true);  // 300–314: migrating, 10 % lost
        vm.Record(314, 800, 1000, migrating: false); // 314–400: host short, not migration
        vm.Record(400, 1000, 1000, migrating: false);
        vm.RequestedMipsSeconds.ShouldBe(400_000, 1e-6);
        vm.AllocatedMipsSeconds.ShouldBe(300_000 + 900 * 14 + 800 * 86, 1e-6);
        vm.MigrationShortfallMipsSeconds.ShouldBe(100 * 14, 1e-6);
        vm.ShortfallIntervals.ShouldBe(2);
        vm.ShortfallFractionSum.ShouldBe(0.1 + 0.2, 1e-12);
    }

    [Fact]
    public void Traces_interpolate_between_samples_and_hold_the_last()
    {
        byte[] samples = new byte[288];
        samples[1] = 30;
        samples[2] = 60;
        samples[287] = 50;
        var trace = new UtilizationTrace(new PlanetLabTrace("t", samples), 300);
        trace.At(300).ShouldBe(0.3);
        trace.At(450).ShouldBe(0.45, 1e-12);
        trace.At(300.1).ShouldBe(0.3 + 0.3 * 0.1 / 300, 1e-12);
        trace.At(86_100.1).ShouldBe(0.5, 1e-12);
    }
}
