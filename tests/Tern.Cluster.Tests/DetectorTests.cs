using Tern.Cluster.Detection;

namespace Tern.Cluster.Tests;

public class DetectorTests
{
    private static readonly StaticThresholdDetector Fallback = new(0.7);

    private static HostLoad Load(double requestedUtilization, double[] history, double longestMigration = 13.92) =>
        new(1000, requestedUtilization * 1000, history, longestMigration);

    [Theory]
    [InlineData(0.80, false)]
    [InlineData(0.81, true)]
    public void Thr_flags_requests_above_the_threshold(double utilization, bool overloaded) =>
        new StaticThresholdDetector(0.8).IsOverloaded(Load(utilization, [])).ShouldBe(overloaded);

    [Fact]
    public void Iqr_falls_back_with_fewer_than_twelve_values()
    {
        var detector = new InterQuartileRangeDetector(1.5, Fallback);
        detector.IsOverloaded(Load(0.75, new double[11])).ShouldBeTrue();
        detector.IsOverloaded(Load(0.65, new double[11])).ShouldBeFalse();
    }

    [Fact]
    public void Iqr_threshold_shrinks_with_the_spread_of_the_history()
    {
        // IQR of 0.1..1.2 is 0.7 (see StatisticsTests): threshold 1 − 0.5 × 0.7 = 0.65.
        double[] history = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2];
        var detector = new InterQuartileRangeDetector(0.5, Fallback);
        detector.IsOverloaded(Load(0.66, history)).ShouldBeTrue();
        detector.IsOverloaded(Load(0.64, history)).ShouldBeFalse();
    }

    [Fact]
    public void Mad_threshold_is_one_minus_safety_times_mad()
    {
        // 12 values, median 0.5, deviations all 0.1 → MAD 0.1; threshold 1 − 2.5 × 0.1 = 0.75.
        double[] history = [0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6, 0.4, 0.6];
        var detector = new MedianAbsoluteDeviationDetector(2.5, Fallback);
        detector.IsOverloaded(Load(0.76, history)).ShouldBeTrue();
        detector.IsOverloaded(Load(0.74, history)).ShouldBeFalse();
    }

    [Fact]
    public void Lr_predicts_one_migration_interval_ahead_of_a_rising_trend()
    {
        // Oldest first 0.5, 0.55, …, 0.95 → at x = 11 the line gives 1.0; × 1.2 ≥ 1.
        double[] mostRecentFirst = [.. Enumerable.Range(1, 10).Select(x => 0.45 + 0.05 * x).Reverse()];
        var detector = new LocalRegressionDetector(1.2, 300, RegressionWeighting.Unweighted, Fallback);
        detector.IsOverloaded(Load(0.1, mostRecentFirst)).ShouldBeTrue();
    }

    [Theory]
    [InlineData(0.83, false)]
    [InlineData(0.84, true)]
    public void Lr_on_a_flat_history_compares_safety_times_level_with_one(double level, bool overloaded)
    {
        var detector = new LocalRegressionDetector(1.2, 300, RegressionWeighting.Unweighted, Fallback);
        detector.IsOverloaded(Load(0.1, [.. Enumerable.Repeat(level, 10)])).ShouldBe(overloaded);
    }

    [Fact]
    public void Lr_looks_further_ahead_when_migrations_take_longer_than_an_interval()
    {
        // Oldest first 0.35 … 0.8: at x = 11 → 0.85 (× 1.2 = 1.02), but the threshold case is x = 12 → 0.9.
        double[] rising = [.. Enumerable.Range(1, 10).Select(x => 0.3 + 0.05 * x).Reverse()];
        var detector = new LocalRegressionDetector(1.1, 300, RegressionWeighting.Unweighted, Fallback);
        detector.IsOverloaded(Load(0.1, rising, longestMigration: 100)).ShouldBeFalse(); // 0.85 × 1.1 = 0.935
        detector.IsOverloaded(Load(0.1, rising, longestMigration: 400)).ShouldBeFalse(); // 0.90 × 1.1 = 0.99
        detector.IsOverloaded(Load(0.1, rising, longestMigration: 700)).ShouldBeTrue();  // 0.95 × 1.1 = 1.045
    }

    [Fact]
    public void Lr_falls_back_with_fewer_than_ten_values()
    {
        var detector = new LocalRegressionDetector(1.2, 300, RegressionWeighting.Unweighted, Fallback);
        detector.IsOverloaded(Load(0.71, new double[9])).ShouldBeTrue();
        detector.IsOverloaded(Load(0.69, new double[9])).ShouldBeFalse();
    }
}
