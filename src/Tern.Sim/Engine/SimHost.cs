using Tern.Cluster.Model;

namespace Tern.Sim.Engine;

/// <summary>
/// A simulated host: shares its CPU among its VMs and records what it could and could not give.
/// </summary>
/// <remarks>
/// CPU sharing follows a time-shared scheduler with oversubscription: each VM gets what it asks
/// for, capped at one core; a VM migrating out gets (1 − degradation) of that; a VM migrating in
/// occupies only the destination's reservation share. When the requests exceed capacity every VM is
/// scaled down by the same factor (whole MIPS, rounded down).
/// </remarks>
internal sealed class SimHost(int id, HostSpec spec, double migrationDegradation, double targetReservation)
{
    public int Id { get; } = id;

    public HostSpec Spec { get; } = spec;

    /// <summary>VMs on the host in arrival order, including VMs migrating in.</summary>
    public List<SimVm> Vms { get; } = [];

    public HashSet<SimVm> MigratingIn { get; } = [];

    public double UtilizationMips { get; private set; }

    public double PreviousUtilizationMips { get; private set; }

    public HostStateRecorder Sla { get; } = new();

    public double Utilization => Clamp(UtilizationMips / Spec.TotalMips);

    public double PreviousUtilization => Clamp(PreviousUtilizationMips / Spec.TotalMips);

    public void Update(double seconds, bool isStep)
    {
        double coreMips = Spec.MipsPerCore;
        double demand = 0;
        bool anyIncoming = MigratingIn.Count != 0;
        foreach (SimVm vm in Vms)
        {
            vm.Advance(seconds, isStep);
            double capped = Math.Min(vm.RequestedMips, coreMips);
            demand += anyIncoming && MigratingIn.Contains(vm) ? capped * targetReservation : capped;
        }

        bool oversubscribed = demand > Spec.TotalMips;
        double scale = oversubscribed ? Spec.TotalMips / demand : 1;
        PreviousUtilizationMips = UtilizationMips;
        double used = 0;
        double requested = 0;
        foreach (SimVm vm in Vms)
        {
            bool incoming = anyIncoming && MigratingIn.Contains(vm);
            bool outgoing = vm.InMigration && !incoming;
            double capped = Math.Min(vm.RequestedMips, coreMips);
            double allocated = (oversubscribed, outgoing, incoming) switch
            {
                (false, true, _) => capped * (1 - migrationDegradation),
                (false, _, true) => capped * targetReservation,
                (false, _, _) => capped,
                (true, true, _) => Math.Floor(capped * scale * (1 - migrationDegradation)),
                (true, _, true) => Math.Floor(capped * targetReservation * scale),
                (true, _, _) => Math.Floor(capped * scale),
            };
            if (!incoming)
            {
                vm.Sla.Record(seconds, allocated, vm.RequestedMips, outgoing);
                if (outgoing)
                {
                    // The migration's own work keeps the source busy: count the CPU as used.
                    allocated /= 1 - migrationDegradation;
                }
            }
            used += allocated;
            requested += vm.RequestedMips;
        }
        UtilizationMips = used;
        Sla.Record(seconds, used, requested, used > 0);
    }

    /// <summary>Energy (J) over the last <paramref name="seconds"/>: the mean of the power at the previous and current load; none if it was off.</summary>
    public double EnergySince(double seconds)
    {
        double from = PreviousUtilization;
        if (from == 0)
        {
            return 0;
        }
        double fromWatts = Spec.Power.PowerAt(from);
        double toWatts = Spec.Power.PowerAt(Utilization);
        return (fromWatts + (toWatts - fromWatts) / 2) * seconds;
    }

    private static double Clamp(double utilization) => Math.Min(utilization, 1);
}
