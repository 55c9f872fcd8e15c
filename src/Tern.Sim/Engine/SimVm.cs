using Tern.Cluster.Model;

namespace Tern.Sim.Engine;

/// <summary>A simulated VM: its trace-driven demand, its utilisation history and where it runs.</summary>
internal sealed class SimVm
{
    private readonly UtilizationTrace trace;
    private readonly double[] history;
    private double demandTime = double.NaN;
    private double lastHistoryTime;

    public SimVm(int id, VmSpec spec, UtilizationTrace trace, int historyLength)
    {
        Id = id;
        Spec = spec;
        this.trace = trace;
        history = new double[historyLength];
    }

    public int Id { get; }

    public VmSpec Spec { get; }

    public double RequestedMips { get; private set; }

    /// <summary>The host it runs on (the source while it migrates); -1 once finished.</summary>
    public int HostId { get; set; } = -1;

    public bool InMigration { get; set; }

    /// <summary>Its demand dropped to exactly zero and it was retired, as the reference retires finished work.</summary>
    public bool Finished { get; set; }

    public int HistoryCount { get; private set; }

    /// <summary>Past utilisation values, most recent first.</summary>
    public ReadOnlyMemory<double> History => history.AsMemory(0, HistoryCount);

    public VmStateRecorder Sla { get; } = new();

    /// <summary>Brings the demand to <paramref name="seconds"/>; at a step, also appends to the history (once per step).</summary>
    public void Advance(double seconds, bool isStep)
    {
        if (seconds != demandTime)
        {
            demandTime = seconds;
            RequestedMips = trace.At(seconds) * Spec.Mips;
        }
        if (isStep && seconds > lastHistoryTime)
        {
            lastHistoryTime = seconds;
            int keep = Math.Min(HistoryCount, history.Length - 1);
            Array.Copy(history, 0, history, 1, keep);
            history[0] = RequestedMips / Spec.Mips;
            HistoryCount = keep + 1;
        }
    }
}
