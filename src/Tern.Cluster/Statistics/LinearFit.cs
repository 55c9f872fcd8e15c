namespace Tern.Cluster.Statistics;

/// <summary>
/// A straight line fitted to equally spaced samples y₁…yₙ placed at x = 1…n (oldest first).
/// </summary>
public readonly record struct LinearFit(double Intercept, double Slope)
{
    public double Predict(double x) => Intercept + Slope * x;

    public static LinearFit Ordinary(ReadOnlySpan<double> y)
    {
        Span<double> ones = y.Length <= 64 ? stackalloc double[y.Length] : new double[y.Length];
        ones.Fill(1);
        return Weighted(y, ones);
    }

    /// <summary>Tricube weights by distance from the newest point; the oldest point gets weight 0.</summary>
    public static LinearFit Tricube(ReadOnlySpan<double> y)
    {
        Span<double> weights = y.Length <= 64 ? stackalloc double[y.Length] : new double[y.Length];
        TricubeWeights(weights);
        return Weighted(y, weights);
    }

    /// <summary>
    /// Tricube fit, then refits with each tricube weight multiplied by the bisquare of the point's
    /// residual over six median absolute residuals, so that outliers stop pulling the line
    /// (three robustness passes, as in Cleveland's lowess).
    /// </summary>
    public static LinearFit RobustTricube(ReadOnlySpan<double> y)
    {
        const int RobustnessPasses = 3;
        int n = y.Length;
        Span<double> tricube = n <= 64 ? stackalloc double[n] : new double[n];
        Span<double> weights = n <= 64 ? stackalloc double[n] : new double[n];
        Span<double> residuals = n <= 64 ? stackalloc double[n] : new double[n];
        TricubeWeights(tricube);
        LinearFit fit = Weighted(y, tricube);
        for (int pass = 0; pass < RobustnessPasses; pass++)
        {
            for (int i = 0; i < n; i++)
            {
                residuals[i] = Math.Abs(y[i] - fit.Predict(i + 1));
            }
            double sixMedians = 6 * RobustStatistics.Median(residuals);
            if (sixMedians == 0)
            {
                return fit;
            }
            for (int i = 0; i < n; i++)
            {
                double r = residuals[i] / sixMedians;
                weights[i] = tricube[i] * (r < 1 ? (1 - r * r) * (1 - r * r) : 0);
            }
            LinearFit next = Weighted(y, weights);
            if (!double.IsFinite(next.Slope) || !double.IsFinite(next.Intercept))
            {
                return fit;
            }
            fit = next;
        }
        return fit;
    }

    /// <summary>Weighted least squares at x = 1…n. A window with no spread in x yields a flat line.</summary>
    public static LinearFit Weighted(ReadOnlySpan<double> y, ReadOnlySpan<double> weights)
    {
        if (y.Length != weights.Length || y.Length < 2)
        {
            throw new ArgumentException("need at least two samples and one weight per sample");
        }
        double sumW = 0, sumX = 0, sumY = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sumW += weights[i];
            sumX += weights[i] * (i + 1);
            sumY += weights[i] * y[i];
        }
        if (sumW <= 0)
        {
            return new LinearFit(double.NaN, double.NaN);
        }
        double meanX = sumX / sumW;
        double meanY = sumY / sumW;
        double sxy = 0, sxx = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double dx = i + 1 - meanX;
            sxy += weights[i] * dx * (y[i] - meanY);
            sxx += weights[i] * dx * dx;
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        return new LinearFit(meanY - slope * meanX, slope);
    }

    private static void TricubeWeights(Span<double> weights)
    {
        int n = weights.Length;
        double spread = n - 1;
        for (int i = 0; i < n; i++)
        {
            double distance = (n - 1 - i) / spread;
            double k = 1 - distance * distance * distance;
            weights[i] = k * k * k;
        }
    }
}
