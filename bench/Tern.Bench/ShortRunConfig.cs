using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Tern.Bench;

/// <summary>
/// One short job for every benchmark, so the whole suite runs in a few minutes on a 2-core machine:
/// 3 warm-up and 8 measured iterations of about 150 ms each, in one launched process. Enough to
/// see 0 B allocated and nanoseconds to within a few percent; not enough for fine comparisons between
/// commits (use the default job for that: `--job default`).
/// </summary>
public sealed class ShortRunConfig : ManualConfig
{
    public ShortRunConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(8)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150))
            .WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
        WithOptions(ConfigOptions.DisableLogFile);
    }
}
