namespace Tern.Sim.Workload;

/// <summary>One VM's CPU utilisation trace: whole percentages sampled at a fixed interval.</summary>
public sealed class PlanetLabTrace
{
    private readonly byte[] percent;

    public PlanetLabTrace(string name, ReadOnlySpan<byte> percentSamples)
    {
        Name = name;
        percent = percentSamples.ToArray();
    }

    /// <summary>The file name: PlanetLab node and slice.</summary>
    public string Name { get; }

    public ReadOnlySpan<byte> PercentSamples => percent;

    public int SampleCount => percent.Length;
}
