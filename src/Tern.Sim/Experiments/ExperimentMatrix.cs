using Tern.Cluster.Policies;
using Tern.Sim.Engine;
using Tern.Sim.Results;
using Tern.Sim.Scenario;
using Tern.Sim.Workload;

namespace Tern.Sim.Experiments;

/// <summary>
/// Runs every (day, policy) pair, in parallel. Each day's traces are read once and shared; each
/// run gets its own simulator and its own seeded policy, so results do not depend on scheduling.
/// </summary>
public sealed class ExperimentMatrix(SimulationScenario scenario, int seed, TimeProvider time)
{
    /// <summary>Day folders under <paramref name="root"/> (sorted by name) that hold trace files.</summary>
    /// <exception cref="WorkloadNotFoundException">The folder is missing or has no day folders.</exception>
    public static IReadOnlyList<string> DayFolders(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new WorkloadNotFoundException($"workload folder '{root}' does not exist");
        }
        string[] days = Directory.GetDirectories(root);
        Array.Sort(days, StringComparer.Ordinal);
        if (days.Length == 0)
        {
            throw new WorkloadNotFoundException($"'{root}' holds no day folders (expected one folder of traces per day)");
        }
        return days;
    }

    /// <summary>Results in the order of <paramref name="runs"/>.</summary>
    public IReadOnlyList<SimulationResult> Run(
        IReadOnlyList<ExperimentRun> runs,
        int maxParallelism,
        IProgress<SimulationResult>? progress = null,
        CancellationToken cancellation = default)
    {
        var catalog = new PolicyCatalog(scenario.MigrationCost, scenario.IntervalSeconds);
        foreach (string policy in runs.Select(r => r.Policy).Distinct())
        {
            catalog.Create(policy, seed);
        }
        var workloads = new Dictionary<string, Lazy<PlanetLabWorkload>>();
        foreach (string folder in runs.Select(r => r.WorkloadFolder).Distinct())
        {
            workloads[folder] = new Lazy<PlanetLabWorkload>(() => PlanetLabWorkload.Load(folder), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        var results = new SimulationResult[runs.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = cancellation };
        Parallel.For(0, runs.Count, options, i =>
        {
            ExperimentRun run = runs[i];
            PolicyDescriptor policy = catalog.Create(run.Policy, seed);
            var simulation = new DatacenterSimulation(workloads[run.WorkloadFolder].Value, scenario, policy, time);
            results[i] = simulation.Run();
            progress?.Report(results[i]);
        });
        return results;
    }
}
