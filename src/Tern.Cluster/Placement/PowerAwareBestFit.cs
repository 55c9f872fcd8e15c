using Tern.Cluster.Detection;
using Tern.Cluster.Model;

namespace Tern.Cluster.Placement;

/// <summary>
/// PABFD's host choice: among hosts with room that would not become overloaded, the one whose
/// power draw grows least. Ties go to the lowest host id.
/// </summary>
/// <remarks>
/// As in CloudSim 3.0.3, the power after the move is estimated from the host's <em>planned</em> load
/// (what its scheduler has allocated, including VMs placed earlier in the same planning round) plus
/// the VM's request, but the power before from its last <em>measured</em> load. A host that already
/// took VMs this round therefore looks dearer than its real increase, which spreads VMs over more
/// hosts. The overload test is skipped for hosts with no planned load (they are off, so there is no
/// history to predict from).
///
/// Only hosts that are on are examined one by one. Idle hosts of one spec are interchangeable, so
/// only the lowest-numbered one that is not excluded stands for its group. The overload test, the
/// expensive part, runs only for a host that would beat the best increase so far; skipping it for
/// the others changes nothing, since they could not be chosen anyway.
/// </remarks>
public sealed class PowerAwareBestFit(IOverloadDetector detector) : IHostFinder
{
    public int FindHost(PlacementState state, int vm, ReadOnlySpan<bool> excludedHosts)
    {
        Span<int> idleCandidates = state.IdleGroupCount <= 16 ? stackalloc int[state.IdleGroupCount] : new int[state.IdleGroupCount];
        int idleCount = 0;
        for (int group = 0; group < state.IdleGroupCount; group++)
        {
            foreach (int host in state.IdleHosts(group))
            {
                if (!excludedHosts[host])
                {
                    InsertSorted(idleCandidates, ref idleCount, host);
                    break;
                }
            }
        }

        Span<double> history = state.HistoryCapacity <= 128 ? stackalloc double[state.HistoryCapacity] : new double[state.HistoryCapacity];
        double requested = state.Vm(vm).RequestedMips;
        var best = new Choice(-1, double.MaxValue);
        int next = 0;
        foreach (int host in state.PoweredHosts)
        {
            for (; next < idleCount && idleCandidates[next] < host; next++)
            {
                Consider(state, vm, requested, idleCandidates[next], history, ref best);
            }
            if (!excludedHosts[host])
            {
                Consider(state, vm, requested, host, history, ref best);
            }
        }
        for (; next < idleCount; next++)
        {
            Consider(state, vm, requested, idleCandidates[next], history, ref best);
        }
        return best.Host;
    }

    private void Consider(PlacementState state, int vm, double requested, int host, Span<double> history, ref Choice best)
    {
        if (!state.CanHost(host, vm))
        {
            return;
        }
        HostView view = state.Host(host);
        double planned = state.AllocatedMips(host);
        double after = Math.Min(1, (planned + requested) / view.Spec.TotalMips);
        double increase = view.Spec.Power.PowerAt(after) - state.MeasuredPower(host);
        if (increase >= best.Increase)
        {
            return;
        }
        if (planned != 0 && detector.IsOverloaded(state.LoadOf(host, history, vm)))
        {
            return;
        }
        best = new Choice(host, increase);
    }

    private static void InsertSorted(Span<int> values, ref int count, int value)
    {
        int at = count;
        while (at > 0 && values[at - 1] > value)
        {
            values[at] = values[at - 1];
            at--;
        }
        values[at] = value;
        count++;
    }

    private readonly record struct Choice(int Host, double Increase);
}
