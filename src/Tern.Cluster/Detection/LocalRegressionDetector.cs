using Tern.Cluster.Statistics;

namespace Tern.Cluster.Detection;

/// <summary>
/// LR / LRR: fits a line to the last <see cref="Window"/> host-utilisation values, predicts the
/// utilisation as far ahead as the host's slowest migration would take (in whole intervals), and
/// calls the host overloaded when safety × prediction ≥ 1. With a shorter history it defers to a
/// fallback.
/// </summary>
public sealed class LocalRegressionDetector(
    double safety,
    double intervalSeconds,
    RegressionWeighting weighting,
    IOverloadDetector fallback) : IOverloadDetector
{
    /// <summary>Ten points keep the fit responsive to the latest values.</summary>
    public const int Window = 10;

    public bool IsOverloaded(in HostLoad load)
    {
        if (load.History.Length < Window)
        {
            return fallback.IsOverloaded(load);
        }
        Span<double> oldestFirst = stackalloc double[Window];
        for (int i = 0; i < Window; i++)
        {
            oldestFirst[i] = load.History[Window - 1 - i];
        }
        LinearFit fit = weighting switch
        {
            RegressionWeighting.Unweighted => LinearFit.Ordinary(oldestFirst),
            RegressionWeighting.Tricube => LinearFit.Tricube(oldestFirst),
            _ => LinearFit.RobustTricube(oldestFirst),
        };
        double stepsAhead = Math.Ceiling(load.LongestMigrationSeconds / intervalSeconds);
        double predicted = fit.Predict(Window + stepsAhead) * safety;
        return predicted >= 1;
    }
}
