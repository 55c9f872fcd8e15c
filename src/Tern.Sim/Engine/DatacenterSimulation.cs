using System.Diagnostics;
using Tern.Cluster.Model;
using Tern.Cluster.Placement;
using Tern.Cluster.Policies;
using Tern.Sim.Results;
using Tern.Sim.Scenario;
using Tern.Sim.Workload;

namespace Tern.Sim.Engine;

/// <summary>
/// A deterministic discrete-time datacenter: every interval the hosts are measured, energy and SLA
/// are accounted, and the policy's migrations start; migrations complete as events in between.
/// </summary>
/// <remarks>
/// Ordering requirements (they decide the published figures):
/// 1. At a step, all hosts are measured and energy for the elapsed time is added before the policy
///    runs, so the policy sees this step's load and VM histories.
/// 2. When the scenario retires idle VMs, VMs whose demand is exactly zero leave right after each
///    measurement (steps and migration completions alike), before the policy runs, as CloudSim
///    3.0.3 removes "completed VMs".
/// 3. A migration completion first measures every host up to that instant (energy with the
///    in-flight state), then moves the VM, then measures again once all completions at that instant
///    are done, so the new placement holds from then on.
/// </remarks>
public sealed class DatacenterSimulation
{
    private readonly SimulationScenario scenario;
    private readonly PolicyDescriptor policy;
    private readonly PlanetLabWorkload workload;
    private readonly TimeProvider time;
    private readonly SimHost[] hosts;
    private readonly SimVm[] vms;
    private readonly List<ActiveHostSample> activeHosts = [];
    private readonly List<PendingMigration> inFlight = [];
    private double lastMeasured;
    private double energyJoules;
    private int migrations;

    public DatacenterSimulation(PlanetLabWorkload workload, SimulationScenario scenario, PolicyDescriptor policy, TimeProvider time)
    {
        this.workload = workload;
        this.scenario = scenario;
        this.policy = policy;
        this.time = time;
        hosts = new SimHost[scenario.HostCount];
        for (int i = 0; i < hosts.Length; i++)
        {
            hosts[i] = new SimHost(i, scenario.HostTypeOf(i), scenario.MigrationDegradation, scenario.TargetReservation);
        }
        vms = new SimVm[workload.Traces.Count];
        for (int i = 0; i < vms.Length; i++)
        {
            vms[i] = new SimVm(i, scenario.VmTypeOf(i, vms.Length), new UtilizationTrace(workload.Traces[i], scenario.IntervalSeconds), HistoryLength);
        }
    }

    /// <summary>How many past utilisation values each VM keeps for the policies.</summary>
    public const int HistoryLength = 30;

    public SimulationResult Run()
    {
        long started = time.GetTimestamp();
        PlaceInitially();

        for (double step = scenario.ClockOffsetSeconds + scenario.IntervalSeconds; step <= scenario.DurationSeconds; step += scenario.IntervalSeconds)
        {
            if (policy.HostsAlwaysOn)
            {
                energyJoules += hosts.Sum(h => h.Spec.Power.MaxPower) * (step - lastMeasured);
                MeasureAll(step, isStep: true, accountEnergy: false);
                SampleActiveHosts(step);
                continue;
            }
            MeasureAll(step, isStep: true, accountEnergy: true);
            SampleActiveHosts(step);
            MigrationPlan plan = policy.Consolidation.Plan(Snapshot(step));
            foreach (PlannedMigration migration in plan.Migrations)
            {
                StartMigration(vms[migration.VmId], hosts[migration.TargetHostId], step);
            }
            CompleteMigrations();
        }

        foreach (SimHost host in hosts)
        {
            host.Sla.Finish();
        }
        return Summarize(time.GetElapsedTime(started).TotalMilliseconds);
    }

    private void PlaceInitially()
    {
        var hostViews = new HostView[hosts.Length];
        for (int i = 0; i < hosts.Length; i++)
        {
            hostViews[i] = new HostView(i, hosts[i].Spec, 0, []);
        }
        var vmViews = new VmView[vms.Length];
        for (int i = 0; i < vms.Length; i++)
        {
            VmSpec spec = vms[i].Spec;
            vmViews[i] = new VmView(i, spec, spec.Mips, ReadOnlyMemory<double>.Empty, -1, false, spec.RamMb, spec.BandwidthMbps);
        }
        int[] placement = InitialPlacement.PlaceAll(new ClusterSnapshot(0, hostViews, vmViews), policy.InitialPlacement, scenario.MigrationCost);
        for (int i = 0; i < vms.Length; i++)
        {
            vms[i].HostId = placement[i];
            hosts[placement[i]].Vms.Add(vms[i]);
        }
    }

    private void MeasureAll(double now, bool isStep, bool accountEnergy)
    {
        double elapsed = now - lastMeasured;
        foreach (SimHost host in hosts)
        {
            host.Update(now, isStep);
        }
        if (accountEnergy && elapsed > 0)
        {
            foreach (SimHost host in hosts)
            {
                energyJoules += host.EnergySince(elapsed);
            }
        }
        if (scenario.RetireIdleVms)
        {
            RetireFinishedVms();
        }
        lastMeasured = now;
    }

    private void RetireFinishedVms()
    {
        foreach (SimHost host in hosts)
        {
            for (int i = host.Vms.Count - 1; i >= 0; i--)
            {
                SimVm vm = host.Vms[i];
                if (!vm.InMigration && vm.RequestedMips == 0)
                {
                    host.Vms.RemoveAt(i);
                    vm.Finished = true;
                    vm.HostId = -1;
                }
            }
        }
    }

    private void SampleActiveHosts(double now)
    {
        int active = 0;
        foreach (SimHost host in hosts)
        {
            if (host.UtilizationMips > 0)
            {
                active++;
            }
        }
        activeHosts.Add(new ActiveHostSample(now, active));
    }

    private ClusterSnapshot Snapshot(double now)
    {
        var hostViews = new HostView[hosts.Length];
        for (int i = 0; i < hosts.Length; i++)
        {
            SimHost host = hosts[i];
            var ids = new int[host.Vms.Count];
            for (int j = 0; j < ids.Length; j++)
            {
                ids[j] = host.Vms[j].Id;
            }
            hostViews[i] = new HostView(i, host.Spec, host.UtilizationMips, ids);
        }
        var vmViews = new VmView[vms.Length];
        bool reserve = scenario.ReserveMemoryAfterPlacement;
        for (int i = 0; i < vms.Length; i++)
        {
            SimVm vm = vms[i];
            vmViews[i] = new VmView(
                i, vm.Spec, vm.RequestedMips, vm.History, vm.HostId, vm.InMigration,
                reserve ? vm.Spec.RamMb : 0, reserve ? vm.Spec.BandwidthMbps : 0);
        }
        return new ClusterSnapshot(now, hostViews, vmViews);
    }

    private void StartMigration(SimVm vm, SimHost target, double now)
    {
        if (vm.Finished || vm.HostId < 0)
        {
            return;
        }
        vm.InMigration = true;
        migrations++;
        SimHost source = hosts[vm.HostId];
        if (target.MigratingIn.Add(vm))
        {
            target.Vms.Add(vm);
            target.Update(now, isStep: true);
            source.Update(now, isStep: true);
        }
        double seconds = scenario.MigrationCost.MigrationSeconds(vm.Spec, source.Spec, target.Spec);
        inFlight.Add(new PendingMigration(now + seconds, inFlight.Count, vm, target));
    }

    private void CompleteMigrations()
    {
        inFlight.Sort((a, b) => a.CompletesAt != b.CompletesAt ? a.CompletesAt.CompareTo(b.CompletesAt) : a.Order.CompareTo(b.Order));
        int i = 0;
        while (i < inFlight.Count && inFlight[i].CompletesAt <= scenario.DurationSeconds)
        {
            double instant = inFlight[i].CompletesAt;
            if (instant > lastMeasured)
            {
                MeasureAll(instant, isStep: false, accountEnergy: true);
            }
            for (; i < inFlight.Count && inFlight[i].CompletesAt == instant; i++)
            {
                Arrive(inFlight[i].Vm, inFlight[i].Target);
            }
            MeasureAll(instant, isStep: false, accountEnergy: true);
        }
        inFlight.Clear();
    }

    private void Arrive(SimVm vm, SimHost target)
    {
        if (vm.HostId >= 0)
        {
            hosts[vm.HostId].Vms.Remove(vm);
        }
        target.MigratingIn.Remove(vm);
        target.Vms.Remove(vm);
        vm.InMigration = false;
        target.Vms.Add(vm);
        vm.HostId = target.Id;
    }

    private SimulationResult Summarize(double runtimeMs)
    {
        double activeSeconds = 0, violationSeconds = 0;
        int shutdowns = 0;
        foreach (SimHost host in hosts)
        {
            activeSeconds += host.Sla.ActiveSeconds;
            violationSeconds += host.Sla.ViolationSeconds;
            shutdowns += host.Sla.Shutdowns;
        }
        double requested = 0, allocated = 0, migrationShortfall = 0, shortfallSum = 0;
        int shortfallCount = 0;
        foreach (SimVm vm in vms)
        {
            requested += vm.Sla.RequestedMipsSeconds;
            allocated += vm.Sla.AllocatedMipsSeconds;
            migrationShortfall += vm.Sla.MigrationShortfallMipsSeconds;
            shortfallSum += vm.Sla.ShortfallFractionSum;
            shortfallCount += vm.Sla.ShortfallIntervals;
        }
        double slatah = activeSeconds > 0 ? violationSeconds / activeSeconds : 0;
        double pdm = requested > 0 ? migrationShortfall / requested : 0;
        double energyKwh = energyJoules / 3_600_000;
        double slav = slatah * pdm;
        return new SimulationResult(
            workload.Name,
            policy.Name,
            hosts.Length,
            vms.Length,
            energyKwh,
            migrations,
            slatah * 100,
            pdm * 100,
            slav * 100,
            energyKwh * slav,
            requested > 0 ? (requested - allocated) / requested * 100 : 0,
            shortfallCount > 0 ? shortfallSum / shortfallCount * 100 : 0,
            shutdowns,
            runtimeMs,
            activeHosts);
    }

    private readonly record struct PendingMigration(double CompletesAt, int Order, SimVm Vm, SimHost Target);
}
