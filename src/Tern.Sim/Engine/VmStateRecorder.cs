namespace Tern.Sim.Engine;

/// <summary>
/// Accumulates the CPU a VM asked for and got, and what it lost while migrating. Same-instant
/// records replace each other; a record holds until the next.
/// </summary>
internal sealed class VmStateRecorder
{
    private bool hasPending;
    private double pendingTime;
    private double pendingAllocated;
    private double pendingRequested;
    private bool pendingMigrating;

    public double RequestedMipsSeconds { get; private set; }

    public double AllocatedMipsSeconds { get; private set; }

    /// <summary>CPU (MIPS·s) withheld because the VM was migrating.</summary>
    public double MigrationShortfallMipsSeconds { get; private set; }

    /// <summary>Sum over short-changed intervals of the fraction of the request not met.</summary>
    public double ShortfallFractionSum { get; private set; }

    public int ShortfallIntervals { get; private set; }

    public void Record(double time, double allocatedMips, double requestedMips, bool migrating)
    {
        if (hasPending && time != pendingTime)
        {
            double seconds = time - pendingTime;
            AllocatedMipsSeconds += pendingAllocated * seconds;
            RequestedMipsSeconds += pendingRequested * seconds;
            if (pendingAllocated < pendingRequested)
            {
                ShortfallFractionSum += (pendingRequested - pendingAllocated) / pendingRequested;
                ShortfallIntervals++;
                if (pendingMigrating)
                {
                    MigrationShortfallMipsSeconds += (pendingRequested - pendingAllocated) * seconds;
                }
            }
        }
        hasPending = true;
        pendingTime = time;
        pendingAllocated = allocatedMips;
        pendingRequested = requestedMips;
        pendingMigrating = migrating;
    }
}
