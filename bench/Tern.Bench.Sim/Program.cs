using System.Diagnostics;
using System.Globalization;
using Tern.Cluster.Policies;
using Tern.Sim.Engine;
using Tern.Sim.Experiments;
using Tern.Sim.Scenario;
using Tern.Sim.Workload;

// Wall-clock benchmark of the simulator (not a test): one simulated day of LR-MMT 1.2 and the
// whole 10-day × all-policy matrix, with the process's peak working set.
//   dotnet run -c Release --project bench/Tern.Bench.Sim -- day|matrix [PLANETLAB_ROOT]
string mode = args.Length > 0 ? args[0] : "day";
string root = args.Length > 1 ? args[1] : LocatePlanetLab();
var scenario = SimulationScenario.PlanetLab();
var catalog = new PolicyCatalog(scenario.MigrationCost, scenario.IntervalSeconds);

switch (mode)
{
    case "day":
    {
        var workload = PlanetLabWorkload.Load(Path.Combine(root, "20110303"));
        var runs = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            var clock = Stopwatch.StartNew();
            var result = new DatacenterSimulation(workload, scenario, catalog.Create("lr-mmt-1.2", 1), TimeProvider.System).Run();
            clock.Stop();
            runs.Add(clock.Elapsed.TotalMilliseconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {i}: {clock.Elapsed.TotalMilliseconds:F0} ms ({result.Migrations} migrations, {result.EnergyKwh:F2} kWh)"));
        }
        runs.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"one day, lr-mmt-1.2, 1052 VMs × 800 hosts × 287 steps: best {runs[0]:F0} ms, median {runs[runs.Count / 2]:F0} ms (first run includes JIT), peak working set {PeakMb()} MB"));
        break;
    }
    case "matrix":
    {
        var days = ExperimentMatrix.DayFolders(root);
        var runs = days.SelectMany(d => PolicyCatalog.StandardNames.Select(p => new ExperimentRun(d, p))).ToArray();
        var clock = Stopwatch.StartNew();
        var results = new ExperimentMatrix(scenario, 1, TimeProvider.System).Run(runs, Environment.ProcessorCount);
        clock.Stop();
        foreach (var group in results.GroupBy(r => r.Policy))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{group.Key,-14} mean runtime {group.Average(r => r.RuntimeMs),7:F0} ms per day"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"matrix: {runs.Length} simulations ({days.Count} days × {PolicyCatalog.StandardNames.Count} policies) on {Environment.ProcessorCount} CPUs in {clock.Elapsed.TotalSeconds:F1} s, peak working set {PeakMb()} MB"));
        break;
    }
    default:
        Console.Error.WriteLine("usage: Tern.Bench.Sim day|matrix [PLANETLAB_ROOT]");
        return 2;
}
return 0;

static long PeakMb() => Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);

static string LocatePlanetLab()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Tern.slnx")))
        {
            return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "planetlab"));
        }
    }
    throw new DirectoryNotFoundException("cannot find ../shared/data/planetlab next to the repository; pass the folder as the second argument");
}
