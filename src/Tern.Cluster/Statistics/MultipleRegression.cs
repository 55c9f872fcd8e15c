namespace Tern.Cluster.Statistics;

/// <summary>Ordinary least squares with an intercept, reduced to what VM selection needs: R².</summary>
public static class MultipleRegression
{
    /// <summary>
    /// Coefficient of determination of regressing <paramref name="y"/> on <paramref name="regressors"/>
    /// (each the same length as y) plus an intercept. Columns that are linear combinations of earlier
    /// ones are dropped. NaN when y is constant.
    /// </summary>
    public static double CoefficientOfDetermination(ReadOnlySpan<double> y, IReadOnlyList<double[]> regressors)
    {
        int m = y.Length;
        double meanY = 0;
        foreach (double v in y)
        {
            meanY += v;
        }
        meanY /= m;
        var yc = new double[m];
        double sst = 0;
        for (int i = 0; i < m; i++)
        {
            yc[i] = y[i] - meanY;
            sst += yc[i] * yc[i];
        }
        if (sst == 0)
        {
            return double.NaN;
        }

        // Modified Gram–Schmidt on the centred regressors: the explained sum of squares is the
        // squared length of y's projection onto their span.
        var basis = new List<double[]>(regressors.Count);
        double explained = 0;
        foreach (double[] column in regressors)
        {
            var q = new double[m];
            double mean = 0;
            for (int i = 0; i < m; i++)
            {
                mean += column[i];
            }
            mean /= m;
            double originalNorm = 0;
            for (int i = 0; i < m; i++)
            {
                q[i] = column[i] - mean;
                originalNorm += q[i] * q[i];
            }
            foreach (double[] b in basis)
            {
                double dot = 0;
                for (int i = 0; i < m; i++)
                {
                    dot += b[i] * q[i];
                }
                for (int i = 0; i < m; i++)
                {
                    q[i] -= dot * b[i];
                }
            }
            double norm = 0;
            for (int i = 0; i < m; i++)
            {
                norm += q[i] * q[i];
            }
            if (norm <= 1e-12 * originalNorm || norm == 0)
            {
                continue;
            }
            norm = Math.Sqrt(norm);
            double projection = 0;
            for (int i = 0; i < m; i++)
            {
                q[i] /= norm;
                projection += q[i] * yc[i];
            }
            explained += projection * projection;
            basis.Add(q);
        }
        return Math.Min(1, explained / sst);
    }
}
