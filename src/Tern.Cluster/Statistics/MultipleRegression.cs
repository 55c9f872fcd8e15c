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
    /// <summary>
    /// For each of <paramref name="count"/> series (consecutive runs of <paramref name="points"/>
    /// values in <paramref name="series"/>), the R² of regressing it on all the others plus an
    /// intercept: the same figures, bit for bit, as <see cref="CoefficientOfDetermination"/> called
    /// once per series with the others in their original order.
    /// </summary>
    /// <remarks>
    /// Regression i orthogonalises columns 0 … i − 1 first, exactly as regression i + 1 does, so that
    /// prefix of the basis is built once and grown by one column per series; only the columns after
    /// i are orthogonalised afresh. This halves the work and allocates only the scratch buffers.
    /// </remarks>
    public static void LeaveOneOutDetermination(ReadOnlySpan<double> series, int count, int points, Span<double> determination)
    {
        int m = points;
        var basis = new double[count * m];
        var yc = new double[m];
        var q = new double[m];
        int prefix = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<double> y = series.Slice(i * m, m);
            double meanY = 0;
            foreach (double v in y)
            {
                meanY += v;
            }
            meanY /= m;
            double sst = 0;
            for (int k = 0; k < m; k++)
            {
                yc[k] = y[k] - meanY;
                sst += yc[k] * yc[k];
            }
            if (sst == 0)
            {
                determination[i] = double.NaN;
            }
            else
            {
                double explained = 0;
                for (int b = 0; b < prefix; b++)
                {
                    double projection = 0;
                    ReadOnlySpan<double> vector = basis.AsSpan(b * m, m);
                    for (int k = 0; k < m; k++)
                    {
                        projection += vector[k] * yc[k];
                    }
                    explained += projection * projection;
                }
                int size = prefix;
                for (int j = i + 1; j < count; j++)
                {
                    if (Orthonormalize(series.Slice(j * m, m), basis, size, m, q))
                    {
                        double projection = 0;
                        for (int k = 0; k < m; k++)
                        {
                            projection += q[k] * yc[k];
                        }
                        explained += projection * projection;
                        q.CopyTo(basis.AsSpan(size * m, m));
                        size++;
                    }
                }
                determination[i] = Math.Min(1, explained / sst);
            }
            if (Orthonormalize(y, basis, prefix, m, q))
            {
                q.CopyTo(basis.AsSpan(prefix * m, m));
                prefix++;
            }
        }
    }

    // One modified Gram–Schmidt step, in CoefficientOfDetermination's exact arithmetic: centre the
    // column, remove its components along the first `size` basis vectors, normalise. False when
    // nothing independent is left.
    private static bool Orthonormalize(ReadOnlySpan<double> column, double[] basis, int size, int m, double[] q)
    {
        double mean = 0;
        for (int k = 0; k < m; k++)
        {
            mean += column[k];
        }
        mean /= m;
        double originalNorm = 0;
        for (int k = 0; k < m; k++)
        {
            q[k] = column[k] - mean;
            originalNorm += q[k] * q[k];
        }
        for (int b = 0; b < size; b++)
        {
            ReadOnlySpan<double> vector = basis.AsSpan(b * m, m);
            double dot = 0;
            for (int k = 0; k < m; k++)
            {
                dot += vector[k] * q[k];
            }
            for (int k = 0; k < m; k++)
            {
                q[k] -= dot * vector[k];
            }
        }
        double norm = 0;
        for (int k = 0; k < m; k++)
        {
            norm += q[k] * q[k];
        }
        if (norm <= 1e-12 * originalNorm || norm == 0)
        {
            return false;
        }
        norm = Math.Sqrt(norm);
        for (int k = 0; k < m; k++)
        {
            q[k] /= norm;
        }
        return true;
    }
}
