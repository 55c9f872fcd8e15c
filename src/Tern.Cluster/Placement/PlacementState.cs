using System.Runtime.InteropServices;
using Tern.Cluster.Detection;
using Tern.Cluster.Migration;
using Tern.Cluster.Model;

namespace Tern.Cluster.Placement;

/// <summary>
/// A policy's scratch copy of "which VM sits on which host" while it plans. Starts from a
/// snapshot; moving VMs here changes nothing in the cluster.
/// </summary>
/// <remarks>
/// Free CPU follows a time-shared scheduler that allows oversubscription: a host's VMs reserve
/// what they request (each capped at one core's speed); once the reservations exceed capacity the
/// host has nothing free. The host's <see cref="HostView.MeasuredUtilizationMips"/> is deliberately
/// left at its measured value — the reference policies estimate power from it.
/// </remarks>
public sealed class PlacementState
{
    private readonly HostView[] hosts;
    private readonly VmView[] vms;
    private readonly List<int>[] vmsOnHost;
    private readonly double[] reservedMips;
    private readonly double[] requestedMips;
    private readonly long[] reservedRamMb;
    private readonly double[] reservedBandwidthMbps;
    private readonly double[]?[] historySums;
    private readonly int[] historyLengths;
    private readonly bool[] historyCurrent;
    private readonly double[] longestMigration;
    private readonly double[] vmMigrationSeconds;
    private readonly double[] measuredPower;
    private readonly IMigrationCostModel migrationCost;
    private readonly List<int> poweredHosts;
    private readonly bool[] powered;
    private readonly int[] idleGroupOf;
    private readonly List<int>[] idleGroups;

    public PlacementState(ClusterSnapshot snapshot, IMigrationCostModel migrationCost)
    {
        Snapshot = snapshot;
        this.migrationCost = migrationCost;
        hosts = [.. snapshot.Hosts];
        vms = [.. snapshot.Vms];
        HistoryCapacity = 1;
        foreach (VmView vm in vms)
        {
            HistoryCapacity = Math.Max(HistoryCapacity, vm.History.Length);
        }
        vmsOnHost = new List<int>[hosts.Length];
        reservedMips = new double[hosts.Length];
        requestedMips = new double[hosts.Length];
        reservedRamMb = new long[hosts.Length];
        reservedBandwidthMbps = new double[hosts.Length];
        historySums = new double[hosts.Length][];
        historyLengths = new int[hosts.Length];
        historyCurrent = new bool[hosts.Length];
        longestMigration = new double[hosts.Length];
        vmMigrationSeconds = new double[vms.Length];
        Array.Fill(vmMigrationSeconds, double.NaN);
        measuredPower = new double[hosts.Length];
        Array.Fill(measuredPower, double.NaN);
        poweredHosts = new List<int>(hosts.Length);
        powered = new bool[hosts.Length];
        idleGroupOf = new int[hosts.Length];
        var groups = new List<HostSpec>();
        for (int h = 0; h < hosts.Length; h++)
        {
            int group = GroupOf(groups, hosts[h].Spec);
            if (group < 0)
            {
                group = groups.Count;
                groups.Add(hosts[h].Spec);
            }
            idleGroupOf[h] = group;
        }
        idleGroups = new List<int>[groups.Count];
        for (int g = 0; g < idleGroups.Length; g++)
        {
            idleGroups[g] = [];
        }
        for (int h = 0; h < hosts.Length; h++)
        {
            vmsOnHost[h] = new List<int>(hosts[h].Vms.Count + 4);
            foreach (int vm in hosts[h].Vms)
            {
                vmsOnHost[h].Add(vm);
            }
            RecomputeReservations(h);
            if (vmsOnHost[h].Count > 0 || hosts[h].MeasuredUtilizationMips != 0)
            {
                powered[h] = true;
                poweredHosts.Add(h);
            }
            else
            {
                idleGroups[idleGroupOf[h]].Add(h);
            }
        }
    }

    public ClusterSnapshot Snapshot { get; }

    /// <summary>The longest VM history in the snapshot: the length of a host history buffer.</summary>
    public int HistoryCapacity { get; }

    public int HostCount => hosts.Length;

    public int VmCount => vms.Length;

    public HostView Host(int host) => hosts[host];

    public VmView Vm(int vm) => vms[vm];

    public IReadOnlyList<int> VmsOn(int host) => vmsOnHost[host];

    public IMigrationCostModel MigrationCost => migrationCost;

    /// <summary>Hosts that are on in the plan — they hold VMs or measured load — in ascending id order.</summary>
    public ReadOnlySpan<int> PoweredHosts => CollectionsMarshal.AsSpan(poweredHosts);

    /// <summary>How many groups of interchangeable idle hosts there are (one per host spec).</summary>
    public int IdleGroupCount => idleGroups.Length;

    /// <summary>
    /// Hosts of one spec that are off in the plan (no VMs, no measured load), in ascending id order.
    /// They are interchangeable: each offers its whole capacity and has no history.
    /// </summary>
    public ReadOnlySpan<int> IdleHosts(int group) => CollectionsMarshal.AsSpan(idleGroups[group]);

    /// <summary>The host's power draw at its last measured load (computed once per plan; the load does not change while planning).</summary>
    public double MeasuredPower(int host)
    {
        double watts = measuredPower[host];
        if (double.IsNaN(watts))
        {
            HostView view = hosts[host];
            watts = view.Spec.Power.PowerAt(Math.Min(1, view.MeasuredUtilization));
            measuredPower[host] = watts;
        }
        return watts;
    }

    /// <summary>CPU not yet reserved; zero once the host is oversubscribed.</summary>
    public double AvailableMips(int host)
    {
        double total = hosts[host].Spec.TotalMips;
        return reservedMips[host] <= total ? total - reservedMips[host] : 0;
    }

    /// <summary>CPU the host's current (planned) VMs would be given: their capped requests, at most the capacity.</summary>
    public double AllocatedMips(int host) => Math.Min(reservedMips[host], hosts[host].Spec.TotalMips);

    /// <summary>Sum of what the host's VMs request now (uncapped).</summary>
    public double RequestedMips(int host) => requestedMips[host];

    /// <summary>Whether the host has the core speed, free CPU, memory and network to take the VM.</summary>
    public bool CanHost(int host, int vm)
    {
        HostSpec spec = hosts[host].Spec;
        VmView v = vms[vm];
        return spec.MipsPerCore >= v.RequestedMips
            && AvailableMips(host) >= v.RequestedMips
            && spec.RamMb - reservedRamMb[host] >= v.ReservedRamMb
            && spec.BandwidthMbps - reservedBandwidthMbps[host] >= v.ReservedBandwidthMbps;
    }

    public void Add(int vm, int host)
    {
        VmView v = vms[vm];
        HostSpec spec = hosts[host].Spec;
        vmsOnHost[host].Add(vm);
        if (!powered[host])
        {
            SetPowered(host, true);
        }
        reservedMips[host] += Math.Min(v.RequestedMips, spec.MipsPerCore);
        requestedMips[host] += v.RequestedMips;
        reservedRamMb[host] += v.ReservedRamMb;
        reservedBandwidthMbps[host] += v.ReservedBandwidthMbps;
        longestMigration[host] = Math.Max(longestMigration[host], MigrationSecondsOf(vm, host));
        historyCurrent[host] = false;
    }

    public void Remove(int vm, int host)
    {
        if (!vmsOnHost[host].Remove(vm))
        {
            throw new InvalidOperationException($"VM {vm} is not on host {host}");
        }
        RecomputeReservations(host);
        historyCurrent[host] = false;
        if (vmsOnHost[host].Count == 0 && hosts[host].MeasuredUtilizationMips == 0)
        {
            SetPowered(host, false);
        }
    }

    private static int GroupOf(List<HostSpec> groups, HostSpec spec)
    {
        for (int g = 0; g < groups.Count; g++)
        {
            if (ReferenceEquals(groups[g], spec))
            {
                return g;
            }
        }
        return groups.IndexOf(spec);
    }

    private void SetPowered(int host, bool on)
    {
        powered[host] = on;
        List<int> from = on ? idleGroups[idleGroupOf[host]] : poweredHosts;
        List<int> to = on ? poweredHosts : idleGroups[idleGroupOf[host]];
        from.RemoveAt(from.BinarySearch(host));
        to.Insert(~to.BinarySearch(host), host);
    }

    /// <summary>
    /// The host's load for an overload detector, optionally as if <paramref name="withVm"/> were
    /// added. <paramref name="historyBuffer"/> must hold <see cref="HistoryCapacity"/> values.
    /// </summary>
    public HostLoad LoadOf(int host, Span<double> historyBuffer, int withVm = -1)
    {
        HostSpec spec = hosts[host].Spec;
        EnsureHistory(host);
        Span<double> history = historyBuffer[..HistoryCapacity];
        historySums[host].AsSpan().CopyTo(history);
        int length = historyLengths[host];
        double requested = requestedMips[host];
        double longest = longestMigration[host];
        if (withVm >= 0)
        {
            VmView v = vms[withVm];
            ReadOnlySpan<double> vmHistory = v.History.Span;
            double scale = v.Spec.Mips / spec.TotalMips;
            for (int i = 0; i < vmHistory.Length; i++)
            {
                history[i] += vmHistory[i] * scale;
            }
            length = TrimmedLength(history);
            requested += v.RequestedMips;
            longest = Math.Max(longest, MigrationSecondsOf(withVm, host));
        }
        return new HostLoad(spec.TotalMips, requested, history[..length], longest);
    }

    // Every host here shares one link speed per host type, so a VM's migration time is taken over
    // its host's own link and cached per VM (hosts of different types would differ; the first
    // host asked about fixes it, which is exact for uniform networks).
    private double MigrationSecondsOf(int vm, int host)
    {
        double seconds = vmMigrationSeconds[vm];
        if (double.IsNaN(seconds))
        {
            HostSpec spec = hosts[host].Spec;
            seconds = migrationCost.MigrationSeconds(vms[vm].Spec, spec, spec);
            vmMigrationSeconds[vm] = seconds;
        }
        return seconds;
    }

    private void RecomputeReservations(int host)
    {
        HostSpec spec = hosts[host].Spec;
        double reserved = 0, requested = 0, bandwidth = 0, longest = 0;
        long ram = 0;
        foreach (int vm in vmsOnHost[host])
        {
            VmView v = vms[vm];
            longest = Math.Max(longest, MigrationSecondsOf(vm, host));
            reserved += Math.Min(v.RequestedMips, spec.MipsPerCore);
            requested += v.RequestedMips;
            ram += v.ReservedRamMb;
            bandwidth += v.ReservedBandwidthMbps;
        }
        reservedMips[host] = reserved;
        requestedMips[host] = requested;
        reservedRamMb[host] = ram;
        reservedBandwidthMbps[host] = bandwidth;
        longestMigration[host] = longest;
    }

    // The host's history is the capacity-weighted sum of its current VMs' histories, so a VM
    // that arrives brings its past with it. Trailing all-zero slots are dropped, as in CloudSim,
    // which is what makes a freshly filled host look like it has a short history.
    private void EnsureHistory(int host)
    {
        if (historyCurrent[host])
        {
            return;
        }
        Span<double> sums = historySums[host] ??= new double[HistoryCapacity];
        sums.Clear();
        double totalMips = hosts[host].Spec.TotalMips;
        foreach (int vm in vmsOnHost[host])
        {
            VmView v = vms[vm];
            ReadOnlySpan<double> vmHistory = v.History.Span;
            for (int i = 0; i < vmHistory.Length; i++)
            {
                sums[i] += vmHistory[i] * v.Spec.Mips / totalMips;
            }
        }
        historyLengths[host] = TrimmedLength(sums);
        historyCurrent[host] = true;
    }

    private static int TrimmedLength(ReadOnlySpan<double> values)
    {
        int length = values.Length;
        while (length > 0 && values[length - 1] == 0)
        {
            length--;
        }
        return length;
    }
}
