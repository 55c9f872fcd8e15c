using Tern.Cluster.Statistics;

namespace Tern.Cluster.Detection;

/// <summary>
/// IQR: the upper threshold adapts to how much the host's load has varied,
/// 1 − safety × IQR(history). With fewer than <see cref="MinimumHistory"/> values it defers to a fallback.
/// </summary>
public sealed class InterQuartileRangeDetector(double safety, IOverloadDetector fallback) : IOverloadDetector
{
    /// <summary>Twelve values are the smallest sample the authors considered safe for the estimate.</summary>
    public const int MinimumHistory = 12;

    public bool IsOverloaded(in HostLoad load)
    {
        if (load.History.Length < MinimumHistory)
        {
            return fallback.IsOverloaded(load);
        }
        double upper = 1 - safety * RobustStatistics.InterQuartileRange(load.History);
        return load.RequestedUtilization > upper;
    }
}
