namespace Tern.Cluster.Model;

/// <summary>
/// A host as the controller last measured it.
/// <see cref="MeasuredUtilizationMips"/> is the CPU in use at the last measurement, not a
/// prediction: policies that move VMs during planning must track the change themselves.
/// </summary>
public sealed record HostView(int Id, HostSpec Spec, double MeasuredUtilizationMips, IReadOnlyList<int> Vms)
{
    /// <summary>Measured utilisation as a fraction of capacity; readings a hair above 1 (rounding) count as 1.</summary>
    public double MeasuredUtilization
    {
        get
        {
            double utilization = MeasuredUtilizationMips / Spec.TotalMips;
            return utilization > 1 && utilization < 1.01 ? 1 : utilization;
        }
    }

    public bool IsActive => MeasuredUtilizationMips > 0;
}
