using Tern.Cluster.Statistics;

namespace Tern.Cluster.Tests;

public class StatisticsTests
{
    [Fact]
    public void Median_of_an_odd_count_is_the_middle_value() =>
        RobustStatistics.Median([5, 1, 3]).ShouldBe(3);

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_middle_two() =>
        RobustStatistics.Median([4, 1, 3, 2]).ShouldBe(2.5);

    [Fact]
    public void Iqr_takes_the_quartiles_at_rounded_positions_of_n_plus_one()
    {
        // n = 11: Q1 at position round(3) = 3 → 3, Q3 at round(9) = 9 → 9.
        RobustStatistics.InterQuartileRange([11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).ShouldBe(6);
        // n = 12: Q1 at round(3.25) = 3 → 0.3, Q3 at round(9.75) = 10 → 1.0.
        RobustStatistics.InterQuartileRange([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]).ShouldBe(0.7, 1e-12);
    }

    [Fact]
    public void Mad_is_the_median_distance_from_the_median() =>
        // median 3; deviations 2, 1, 0, 1, 6 → median 1.
        RobustStatistics.MedianAbsoluteDeviation([1, 2, 3, 4, 9]).ShouldBe(1);

    [Fact]
    public void Ordinary_fit_of_a_known_sample()
    {
        // x = 1..4, y = 1, 3, 2, 5: x̄ = 2.5, ȳ = 2.75, Sxy = 5.5, Sxx = 5 → slope 1.1, intercept 0.
        LinearFit fit = LinearFit.Ordinary([1, 3, 2, 5]);
        fit.Slope.ShouldBe(1.1, 1e-12);
        fit.Intercept.ShouldBe(0, 1e-12);
        fit.Predict(5).ShouldBe(5.5, 1e-12);
    }

    [Fact]
    public void Weighted_fits_reproduce_an_exact_line()
    {
        double[] line = [.. Enumerable.Range(1, 10).Select(x => 0.3 + 0.05 * x)];
        LinearFit.Tricube(line).Predict(11).ShouldBe(0.85, 1e-12);
        LinearFit.RobustTricube(line).Predict(11).ShouldBe(0.85, 1e-12);
    }

    [Fact]
    public void Robust_fit_is_not_pulled_by_one_outlier()
    {
        double[] y = [.. Enumerable.Range(1, 10).Select(x => 0.1 * x)];
        y[4] = 3;
        double robust = Math.Abs(LinearFit.RobustTricube(y).Slope - 0.1);
        double plain = Math.Abs(LinearFit.Ordinary(y).Slope - 0.1);
        robust.ShouldBeLessThan(plain);
    }

    [Fact]
    public void R_squared_is_one_for_an_exact_linear_relation()
    {
        double[] x = [1, 2, 3, 4, 5];
        double[] y = [.. x.Select(v => 2 * v + 1)];
        MultipleRegression.CoefficientOfDetermination(y, [x]).ShouldBe(1, 1e-12);
    }

    [Fact]
    public void R_squared_of_a_known_sample()
    {
        // y = 1, 3, 2, 5 on x = 1..4: SSR = Sxy²/Sxx = 6.05, SST = 8.75.
        MultipleRegression.CoefficientOfDetermination([1, 3, 2, 5], [[1, 2, 3, 4]]).ShouldBe(6.05 / 8.75, 1e-12);
    }

    [Fact]
    public void R_squared_is_undefined_for_a_constant_response() =>
        double.IsNaN(MultipleRegression.CoefficientOfDetermination([2, 2, 2], [[1, 2, 3]])).ShouldBeTrue();

    [Theory]
    [InlineData(9)]
    [InlineData(12)]
    [InlineData(17)]
    public void Leave_one_out_r_squared_matches_one_regression_per_series_bit_for_bit(int n)
    {
        // Includes a constant series (NaN), a duplicate and a linear combination (dropped columns);
        // the counts fill the SIMD blocks partly and exactly.
        var random = new Random(7);
        const int m = 30;
        var series = new double[n][];
        for (int i = 0; i < n; i++)
        {
            series[i] = [.. Enumerable.Range(0, m).Select(_ => random.NextDouble())];
        }
        series[3] = [.. Enumerable.Repeat(0.25, m)];
        series[5] = [.. series[1]];
        series[7] = [.. series[0].Zip(series[2], (a, b) => 2 * a - b)];

        var all = new double[n * m];
        for (int i = 0; i < n; i++)
        {
            series[i].CopyTo(all, i * m);
        }
        var together = new double[n];
        MultipleRegression.LeaveOneOutDetermination(all, n, m, together);

        for (int i = 0; i < n; i++)
        {
            double alone = MultipleRegression.CoefficientOfDetermination(series[i], [.. series.Where((_, j) => j != i)]);
            BitConverter.DoubleToInt64Bits(together[i]).ShouldBe(BitConverter.DoubleToInt64Bits(alone), $"series {i}");
        }
    }
}
