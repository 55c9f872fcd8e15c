using Tern.Cluster.Detection;
using Tern.Cluster.Migration;
using Tern.Cluster.Model;
using Tern.Cluster.Placement;
using Tern.Cluster.Selection;

namespace Tern.Cluster.Policies;

/// <summary>
/// The Beloglazov–Buyya consolidation loop: find overloaded hosts, pick VMs off them until they are
/// not, place those VMs (largest first), then repeatedly try to empty the least-used active host.
/// </summary>
public sealed class DynamicConsolidationPolicy(
    IOverloadDetector detector,
    IVmSelector selector,
    IHostFinder placement,
    IMigrationCostModel migrationCost,
    IEvacuationGate evacuationGate) : IConsolidationPolicy
{
    public IOverloadDetector Detector => detector;

    public MigrationPlan Plan(ClusterSnapshot snapshot)
    {
        var state = new PlacementState(snapshot, migrationCost);
        int hostCount = state.HostCount;
        Span<double> history = state.HistoryCapacity <= 128 ? stackalloc double[state.HistoryCapacity] : new double[state.HistoryCapacity];

        var overloaded = new bool[hostCount];
        var overloadedHosts = new List<int>();
        // An idle host (no VMs, no load) is never overloaded, so only the powered ones are tested.
        foreach (int host in state.PoweredHosts)
        {
            if (detector.IsOverloaded(state.LoadOf(host, history)))
            {
                overloaded[host] = true;
                overloadedHosts.Add(host);
            }
        }

        var toMove = new List<int>();
        foreach (int host in overloadedHosts)
        {
            while (true)
            {
                int vm = selector.SelectVm(state, host);
                if (vm < 0)
                {
                    break;
                }
                toMove.Add(vm);
                state.Remove(vm, host);
                if (!detector.IsOverloaded(state.LoadOf(host, history)))
                {
                    break;
                }
            }
        }

        var migrations = new List<PlannedMigration>();
        foreach (int vm in ByRequestDescending(state, toMove))
        {
            int target = placement.FindHost(state, vm, overloaded);
            if (target >= 0)
            {
                state.Add(vm, target);
                migrations.Add(new PlannedMigration(vm, target));
            }
        }

        EvacuateUnderusedHosts(state, overloaded, migrations);
        return new MigrationPlan(migrations);
    }

    private void EvacuateUnderusedHosts(PlacementState state, bool[] overloaded, List<PlannedMigration> migrations)
    {
        int hostCount = state.HostCount;
        // Hosts that measured no load are off: they are neither emptied nor used as targets here.
        var notCandidates = new bool[hostCount];
        var notTargets = new bool[hostCount];
        int excludedCount = 0;
        for (int host = 0; host < hostCount; host++)
        {
            bool off = state.Host(host).MeasuredUtilization == 0;
            notTargets[host] = notCandidates[host] = overloaded[host] || off;
            if (notCandidates[host])
            {
                excludedCount++;
            }
        }

        var moves = new List<(int Vm, int Target)>();
        while (excludedCount < hostCount)
        {
            int host = LeastUsedCandidate(state, notCandidates);
            if (host < 0)
            {
                break;
            }
            notCandidates[host] = true;
            excludedCount++;
            notTargets[host] = true;

            List<int> vms = MigratableVms.On(state, host);
            if (vms.Count == 0)
            {
                continue;
            }
            moves.Clear();
            bool allPlaced = true;
            foreach (int vm in ByRequestDescending(state, vms))
            {
                int target = placement.FindHost(state, vm, notTargets);
                if (target < 0)
                {
                    allPlaced = false;
                    break;
                }
                state.Add(vm, target);
                moves.Add((vm, target));
            }
            if (!allPlaced || !evacuationGate.ShouldEvacuate(state, host, moves))
            {
                // Roll back: the VMs never left the host itself, only their tentative copies go.
                foreach ((int vm, int target) in moves)
                {
                    state.Remove(vm, target);
                }
                continue;
            }
            foreach ((int vm, int target) in moves)
            {
                migrations.Add(new PlannedMigration(vm, target));
                if (!notCandidates[target])
                {
                    notCandidates[target] = true;
                    excludedCount++;
                }
            }
        }
    }

    private static int LeastUsedCandidate(PlacementState state, bool[] notCandidates)
    {
        double lowest = 1;
        int chosen = -1;
        // A host with measured load is always powered, so the idle ones need not be looked at.
        foreach (int host in state.PoweredHosts)
        {
            if (notCandidates[host])
            {
                continue;
            }
            double utilization = state.Host(host).MeasuredUtilization;
            if (utilization > 0 && utilization < lowest && HasVmThatCanLeave(state, host))
            {
                lowest = utilization;
                chosen = host;
            }
        }
        return chosen;
    }

    private static bool HasVmThatCanLeave(PlacementState state, int host)
    {
        foreach (int vm in state.VmsOn(host))
        {
            if (!state.Vm(vm).InMigration)
            {
                return true;
            }
        }
        return false;
    }

    // Largest request first; equal requests keep their original order (a stable sort, as the reference's).
    private static int[] ByRequestDescending(PlacementState state, List<int> vms)
    {
        int[] ordered = [.. vms];
        var keys = new (double Request, int Position)[ordered.Length];
        for (int i = 0; i < ordered.Length; i++)
        {
            keys[i] = (-state.Vm(ordered[i]).RequestedMips, i);
        }
        Array.Sort(keys, ordered);
        return ordered;
    }
}
