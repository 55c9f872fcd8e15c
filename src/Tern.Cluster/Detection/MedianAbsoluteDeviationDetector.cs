using Tern.Cluster.Statistics;

namespace Tern.Cluster.Detection;

/// <summary>
/// MAD: the upper threshold is 1 − safety × MAD(history). With fewer than
/// <see cref="InterQuartileRangeDetector.MinimumHistory"/> values it defers to a fallback.
/// </summary>
public sealed class MedianAbsoluteDeviationDetector(double safety, IOverloadDetector fallback) : IOverloadDetector
{
    public bool IsOverloaded(in HostLoad load)
    {
        if (load.History.Length < InterQuartileRangeDetector.MinimumHistory)
        {
            return fallback.IsOverloaded(load);
        }
        double upper = 1 - safety * RobustStatistics.MedianAbsoluteDeviation(load.History);
        return load.RequestedUtilization > upper;
    }
}
