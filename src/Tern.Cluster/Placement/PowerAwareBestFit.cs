using Tern.Cluster.Detection;
using Tern.Cluster.Model;

namespace Tern.Cluster.Placement;

/// <summary>
/// PABFD's host choice: among hosts with room that would not become overloaded, the one whose
/// power draw grows least. Ties go to the lowest host id.
/// </summary>
/// <remarks>
/// As in the reference, the power increase is estimated from the host's last measured
/// utilisation plus the VM's request — VMs placed earlier in the same planning round are not
/// counted — and the overload test is skipped for hosts that measured no load (they are off, so
/// there is no history to predict from). Free capacity, in contrast, does count earlier placements.
/// </remarks>
public sealed class PowerAwareBestFit(IOverloadDetector detector) : IHostFinder
{
    public int FindHost(PlacementState state, int vm, ReadOnlySpan<bool> excludedHosts)
    {
        Span<double> history = state.HistoryCapacity <= 128 ? stackalloc double[state.HistoryCapacity] : new double[state.HistoryCapacity];
        double requested = state.Vm(vm).RequestedMips;
        double leastIncrease = double.MaxValue;
        int chosen = -1;
        for (int host = 0; host < state.HostCount; host++)
        {
            if (excludedHosts[host] || !state.CanHost(host, vm))
            {
                continue;
            }
            HostView view = state.Host(host);
            double measured = view.MeasuredUtilizationMips;
            if (measured != 0 && detector.IsOverloaded(state.LoadOf(host, history, vm)))
            {
                continue;
            }
            double after = Math.Min(1, (measured + requested) / view.Spec.TotalMips);
            double increase = view.Spec.Power.PowerAt(after) - view.Spec.Power.PowerAt(Math.Min(1, view.MeasuredUtilization));
            if (increase < leastIncrease)
            {
                leastIncrease = increase;
                chosen = host;
            }
        }
        return chosen;
    }
}
