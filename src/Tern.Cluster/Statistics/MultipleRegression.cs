using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    /// prefix of the basis is built once and grown by one column per series. Modified Gram–Schmidt
    /// reduces a column against the basis vectors one at a time, in order, so each later column's
    /// reduction against the prefix is kept as well and extended by one vector when the prefix grows;
    /// regression i then only reduces the columns after i against the vectors it adds itself.
    ///
    /// The reductions run "right-looking": as soon as a basis vector is final, every later column is
    /// reduced against it. Each column still sees the same vectors in the same order, so it goes
    /// through the same operations as in a fresh regression, which is what keeps the results
    /// identical; but the columns are stored interleaved (value k of every column side by side) and
    /// reduced several at a time, one column per SIMD lane, with a separate multiply and subtract per
    /// lane — the scalar arithmetic, only side by side.
    /// </remarks>
    public static void LeaveOneOutDetermination(ReadOnlySpan<double> series, int count, int points, Span<double> determination)
    {
        int m = points;
        int lanes = Vector256<double>.Count;
        int stride = (count + lanes - 1) / lanes * lanes;
        var basis = new double[count * m];
        // partial[k * stride + j]: value k of column j, centred and reduced against the prefix so
        // far; originalNorms[j]: the column's squared length once centred (the rank test uses it).
        var partial = new double[m * stride];
        var work = new double[m * stride];
        var originalNorms = new double[count];
        var yc = new double[m];
        var q = new double[m];
        for (int j = 0; j < count; j++)
        {
            originalNorms[j] = Centre(series.Slice(j * m, m), q);
            Scatter(q, partial, stride, j);
        }
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
                Array.Copy(partial, work, partial.Length);
                for (int j = i + 1; j < count; j++)
                {
                    Gather(work, stride, j, q);
                    if (Normalize(q, originalNorms[j]))
                    {
                        double projection = 0;
                        for (int k = 0; k < m; k++)
                        {
                            projection += q[k] * yc[k];
                        }
                        explained += projection * projection;
                        q.CopyTo(basis.AsSpan(size * m, m));
                        ReduceColumns(work, stride, j + 1, count, basis.AsSpan(size * m, m));
                        size++;
                    }
                }
                determination[i] = Math.Min(1, explained / sst);
            }
            Gather(partial, stride, i, q);
            if (Normalize(q, originalNorms[i]))
            {
                q.CopyTo(basis.AsSpan(prefix * m, m));
                ReduceColumns(partial, stride, i + 1, count, basis.AsSpan(prefix * m, m));
                prefix++;
            }
        }
    }

    // Removes from columns from … to − 1 of the interleaved matrix their components along one unit
    // vector, a SIMD lane per column. Lanes of finished columns that share a block are reduced too;
    // they are never read again.
    private static void ReduceColumns(double[] matrix, int stride, int from, int to, ReadOnlySpan<double> vector)
    {
        int lanes = Vector256<double>.Count;
        ref double origin = ref MemoryMarshal.GetArrayDataReference(matrix);
        for (int column = from / lanes * lanes; column < to; column += lanes)
        {
            Vector256<double> dot = Vector256<double>.Zero;
            for (int k = 0; k < vector.Length; k++)
            {
                dot += Vector256.Create(vector[k]) * Vector256.LoadUnsafe(ref origin, (nuint)(k * stride + column));
            }
            for (int k = 0; k < vector.Length; k++)
            {
                nuint at = (nuint)(k * stride + column);
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref origin, at) - dot * Vector256.Create(vector[k]), ref origin, at);
            }
        }
    }

    private static void Gather(double[] matrix, int stride, int column, Span<double> q)
    {
        for (int k = 0; k < q.Length; k++)
        {
            q[k] = matrix[k * stride + column];
        }
    }

    private static void Scatter(ReadOnlySpan<double> q, double[] matrix, int stride, int column)
    {
        for (int k = 0; k < q.Length; k++)
        {
            matrix[k * stride + column] = q[k];
        }
    }

    // The first half of a modified Gram–Schmidt step, in CoefficientOfDetermination's exact
    // arithmetic: the column minus its mean; returns its squared length.
    private static double Centre(ReadOnlySpan<double> column, Span<double> q)
    {
        int m = column.Length;
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
        return originalNorm;
    }

    // Scales the reduced column to unit length; false when nothing independent is left.
    private static bool Normalize(Span<double> q, double originalNorm)
    {
        int m = q.Length;
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
