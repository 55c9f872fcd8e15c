using System.Diagnostics;
using Spectre.Console;
using Tern.Cluster.Policies;
using Tern.Sim.Engine;
using Tern.Sim.Reporting;
using Tern.Sim.Scenario;
using Tern.Sim.Workload;

namespace Tern.Cli.Commands.Sim;

/// <summary>`tern sim --workload DAY --policy NAME`: one simulated day.</summary>
internal static class SimSingleRun
{
    public static int Execute(SimOptions options)
    {
        var scenario = SimulationScenario.PlanetLab(options.Hosts);
        var catalog = new PolicyCatalog(scenario.MigrationCost, scenario.IntervalSeconds);
        PolicyDescriptor policy = catalog.Create(options.Policy, options.Seed);
        PlanetLabWorkload workload = PlanetLabWorkload.Load(options.Workload);

        var result = new DatacenterSimulation(workload, scenario, policy, TimeProvider.System).Run();
        long peakBytes = Process.GetCurrentProcess().PeakWorkingSet64;

        var table = SimTables.Metrics([result]);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{result.Vms} VMs on {result.Hosts} hosts; simulated in {result.RuntimeMs:F0} ms, peak memory {peakBytes / (1024 * 1024)} MB[/]");

        if (options.ReportPath is not null)
        {
            SimulationReport.Write(options.ReportPath, SimulationReport.ToJson(result));
        }
        if (options.PlotPath is not null)
        {
            SimulationPlots.ActiveHosts([result], options.PlotPath);
        }
        return 0;
    }
}
