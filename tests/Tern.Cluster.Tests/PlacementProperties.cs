using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tern.Cluster.Detection;
using Tern.Cluster.Model;
using Tern.Cluster.Placement;
using Tern.Cluster.Policies;
using Tern.Cluster.Selection;
using static Tern.Cluster.Tests.TestCluster;

namespace Tern.Cluster.Tests;

public class PlacementProperties
{
    private static readonly double[] VmMips = [2500, 2000, 1000, 500];
    private static readonly int[] VmRam = [870, 1740, 1740, 613];

    private static (HostSpec[] Hosts, VmView[] Vms) Cluster(int hostCount, int[] vmTypes, double[] loads)
    {
        HostSpec[] hosts = [.. Enumerable.Range(0, hostCount).Select(i => i % 2 == 0 ? G4 : G5)];
        VmView[] vms = [.. vmTypes.Select((t, i) => new VmView(i, new VmSpec($"vm{i}", VmMips[t], VmRam[t], 100), VmMips[t] * loads[i], ReadOnlyMemory<double>.Empty, -1, false, VmRam[t], 100))];
        return (hosts, vms);
    }

    private static Arbitrary<(int Hosts, int[] Types, double[] Loads)> Clusters() =>
        (from hosts in Gen.Choose(1, 12)
         from count in Gen.Choose(0, 30)
         from types in Gen.ArrayOf(Gen.Choose(0, 3), count)
         from loads in Gen.ArrayOf(Gen.Choose(0, 100).Select(p => p / 100.0), count)
         select (hosts, types, loads)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Initial_placement_puts_every_vm_on_exactly_one_host_within_capacity() =>
        Prop.ForAll(Clusters(), c =>
        {
            var (hosts, vms) = Cluster(c.Hosts, c.Types, c.Loads);
            var snapshot = Snapshot(hosts, vms);
            int[] placement;
            try
            {
                placement = InitialPlacement.PlaceAll(snapshot, new PowerAwareBestFit(new CapacityOnlyDetector()), Cost);
            }
            catch (InsufficientCapacityException)
            {
                return true; // a full cluster is reported, never overfilled
            }
            if (placement.Any(h => h < 0 || h >= hosts.Length))
            {
                return false;
            }
            for (int h = 0; h < hosts.Length; h++)
            {
                var on = vms.Where(v => placement[v.Id] == h).ToArray();
                if (on.Sum(v => v.RequestedMips) > hosts[h].TotalMips + 1e-9 || on.Sum(v => v.ReservedRamMb) > hosts[h].RamMb
                    || on.Any(v => v.RequestedMips > hosts[h].MipsPerCore))
                {
                    return false;
                }
            }
            return true;
        });

    [Property(MaxTest = 100)]
    public Property Consolidation_moves_each_vm_at_most_to_hosts_with_room() =>
        Prop.ForAll(Clusters(), c =>
        {
            var (hosts, vms) = Cluster(c.Hosts + 1, c.Types, c.Loads);
            int[] placement;
            try
            {
                placement = InitialPlacement.PlaceAll(Snapshot(hosts, vms), new FirstFit(), Cost);
            }
            catch (InsufficientCapacityException)
            {
                return true;
            }
            VmView[] placed = [.. vms.Select(v => v with { HostId = placement[v.Id], ReservedRamMb = 0, ReservedBandwidthMbps = 0 })];
            var detector = new StaticThresholdDetector(0.8);
            var policy = new DynamicConsolidationPolicy(detector, new MinimumMigrationTimeSelector(), new PowerAwareBestFit(detector), Cost, new AlwaysEvacuate());
            MigrationPlan plan = policy.Plan(Snapshot(hosts, placed));

            int[] final = [.. placement];
            foreach (var migration in plan.Migrations)
            {
                if (migration.TargetHostId == placement[migration.VmId])
                {
                    return false; // never "moves" a VM onto the host it is on
                }
                final[migration.VmId] = migration.TargetHostId;
            }
            for (int h = 0; h < hosts.Length; h++)
            {
                var on = placed.Where(v => final[v.Id] == h).ToArray();
                bool receivedVms = plan.Migrations.Any(m => m.TargetHostId == h);
                if (receivedVms && on.Sum(v => Math.Min(v.RequestedMips, hosts[h].MipsPerCore)) > hosts[h].TotalMips + 1e-6)
                {
                    return false;
                }
            }
            return true;
        });
}
