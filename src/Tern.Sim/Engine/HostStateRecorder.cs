namespace Tern.Sim.Engine;

/// <summary>
/// Accumulates a host's SLA time as its state changes. A state recorded at the same instant as the
/// previous one replaces it; a state holds until the next one is recorded.
/// </summary>
internal sealed class HostStateRecorder
{
    private bool hasPending;
    private double pendingTime;
    private double pendingAllocated;
    private double pendingRequested;
    private bool pendingActive;
    private bool lastCommittedActive = true;

    public double ActiveSeconds { get; private set; }

    /// <summary>Active time during which the host could not give its VMs all they asked for.</summary>
    public double ViolationSeconds { get; private set; }

    /// <summary>Transitions from active to inactive (the reference counts a host that starts idle as one).</summary>
    public int Shutdowns { get; private set; }

    public void Record(double time, double allocatedMips, double requestedMips, bool active)
    {
        if (hasPending && time != pendingTime)
        {
            Commit(time);
        }
        hasPending = true;
        pendingTime = time;
        pendingAllocated = allocatedMips;
        pendingRequested = requestedMips;
        pendingActive = active;
    }

    /// <summary>Closes the last state (it has no duration, but may be a shutdown).</summary>
    public void Finish()
    {
        if (hasPending)
        {
            CountShutdown();
            hasPending = false;
        }
    }

    private void Commit(double nextTime)
    {
        if (pendingActive)
        {
            double seconds = nextTime - pendingTime;
            ActiveSeconds += seconds;
            if (pendingAllocated < pendingRequested)
            {
                ViolationSeconds += seconds;
            }
        }
        CountShutdown();
    }

    private void CountShutdown()
    {
        if (lastCommittedActive && !pendingActive)
        {
            Shutdowns++;
        }
        lastCommittedActive = pendingActive;
    }
}
