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
    /// <remarks>
    /// Runs whose policies have the same configuration on the same day (<see cref="PolicyCatalog.ConfigurationOf"/>)
    /// are simulated once and the result is reported under each name: the simulation is
    /// deterministic, so running it again would only repeat the figures.
    /// </remarks>
    public IReadOnlyList<SimulationResult> Run(
        IReadOnlyList<ExperimentRun> runs,
        int maxParallelism,
        IProgress<SimulationResult>? progress = null,
        CancellationToken cancellation = default)
    {
        var catalog = new PolicyCatalog(scenario.MigrationCost, scenario.IntervalSeconds);
        var names = new Dictionary<string, string>();
        foreach (string policy in runs.Select(r => r.Policy).Distinct())
        {
            names[policy] = catalog.Create(policy, seed).Name;
        }
        var workloads = new Dictionary<string, Lazy<PlanetLabWorkload>>();
        foreach (string folder in runs.Select(r => r.WorkloadFolder).Distinct())
        {
            workloads[folder] = new Lazy<PlanetLabWorkload>(() => PlanetLabWorkload.Load(folder), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        // Each distinct (day, configuration) once, first occurrence first; `sharing` maps it to its runs.
        var distinct = new List<ExperimentRun>();
        var sharing = new List<List<int>>();
        var index = new Dictionary<(string Folder, string Configuration), int>();
        for (int i = 0; i < runs.Count; i++)
        {
            var key = (runs[i].WorkloadFolder, PolicyCatalog.ConfigurationOf(names[runs[i].Policy]));
            if (!index.TryGetValue(key, out int at))
            {
                at = distinct.Count;
                index[key] = at;
                distinct.Add(runs[i]);
                sharing.Add([]);
            }
            sharing[at].Add(i);
        }

        var results = new SimulationResult[runs.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = cancellation };
        Parallel.For(0, distinct.Count, options, d =>
        {
            ExperimentRun run = distinct[d];
            PolicyDescriptor policy = catalog.Create(run.Policy, seed);
            var simulation = new DatacenterSimulation(workloads[run.WorkloadFolder].Value, scenario, policy, time);
            SimulationResult result = simulation.Run();
            foreach (int i in sharing[d])
            {
                results[i] = result with { Policy = names[runs[i].Policy] };
                progress?.Report(results[i]);
            }
        });
        return results;
    }
}
