namespace Tern.Cluster.Statistics;

/// <summary>Order statistics with the exact conventions of the reference implementation (Apache Commons Math, CloudSim's MathUtil).</summary>
public static class RobustStatistics
{
    /// <summary>Median; the mean of the two middle values for an even count.</summary>
    public static double Median(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("the median of no values is undefined", nameof(values));
        }
        Span<double> sorted = values.Length <= 64 ? stackalloc double[values.Length] : new double[values.Length];
        values.CopyTo(sorted);
        sorted.Sort();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>
    /// Interquartile range with quartiles taken as the sorted values at positions
    /// round(¼(n+1)) and round(¾(n+1)) (1-based, rounding halves up), as CloudSim does.
    /// </summary>
    public static double InterQuartileRange(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("the IQR of no values is undefined", nameof(values));
        }
        Span<double> sorted = values.Length <= 64 ? stackalloc double[values.Length] : new double[values.Length];
        values.CopyTo(sorted);
        sorted.Sort();
        int q1 = (int)Math.Floor(0.25 * (sorted.Length + 1) + 0.5) - 1;
        int q3 = (int)Math.Floor(0.75 * (sorted.Length + 1) + 0.5) - 1;
        q1 = Math.Clamp(q1, 0, sorted.Length - 1);
        q3 = Math.Clamp(q3, 0, sorted.Length - 1);
        return sorted[q3] - sorted[q1];
    }

    /// <summary>Median absolute deviation from the median.</summary>
    public static double MedianAbsoluteDeviation(ReadOnlySpan<double> values)
    {
        double median = Median(values);
        Span<double> deviations = values.Length <= 64 ? stackalloc double[values.Length] : new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            deviations[i] = Math.Abs(median - values[i]);
        }
        return Median(deviations);
    }
}
