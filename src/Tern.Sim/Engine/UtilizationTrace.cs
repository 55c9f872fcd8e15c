using Tern.Sim.Workload;

namespace Tern.Sim.Engine;

/// <summary>A trace as a function of time: linear between samples, the last sample held to the end.</summary>
internal sealed class UtilizationTrace
{
    private readonly double[] samples;
    private readonly double interval;

    public UtilizationTrace(PlanetLabTrace trace, double intervalSeconds)
    {
        ReadOnlySpan<byte> percent = trace.PercentSamples;
        samples = new double[percent.Length + 1];
        for (int i = 0; i < percent.Length; i++)
        {
            samples[i] = percent[i] / 100.0;
        }
        samples[^1] = samples[^2];
        interval = intervalSeconds;
    }

    /// <summary>Utilisation (0–1) at <paramref name="seconds"/>, in the reference's arithmetic.</summary>
    public double At(double seconds)
    {
        if (seconds % interval == 0)
        {
            return samples[Math.Min((int)(seconds / interval), samples.Length - 1)];
        }
        int before = (int)Math.Floor(seconds / interval);
        int after = (int)Math.Ceiling(seconds / interval);
        if (after >= samples.Length)
        {
            return samples[^1];
        }
        double slope = (samples[after] - samples[before]) / ((after - before) * interval);
        return samples[before] + slope * (seconds - before * interval);
    }
}
