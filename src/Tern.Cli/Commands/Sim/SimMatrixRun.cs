using System.Diagnostics;
using Spectre.Console;
using Tern.Cluster.Policies;
using Tern.Sim.Experiments;
using Tern.Sim.Reporting;
using Tern.Sim.Results;
using Tern.Sim.Scenario;

namespace Tern.Cli.Commands.Sim;

/// <summary>`tern sim --all-days`: every day × every policy, in parallel, with a progress bar.</summary>
internal static class SimMatrixRun
{
    public static int Execute(SimOptions options)
    {
        IReadOnlyList<string> days = ExperimentMatrix.DayFolders(options.Workload);
        IReadOnlyList<string> policies = options.Policies is null
            ? PolicyCatalog.StandardNames
            : [.. options.Policies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        var runs = days.SelectMany(day => policies.Select(policy => new ExperimentRun(day, policy))).ToArray();

        var scenario = SimulationScenario.PlanetLab(options.Hosts);
        var matrix = new ExperimentMatrix(scenario, options.Seed, TimeProvider.System);
        var clock = Stopwatch.StartNew();
        IReadOnlyList<SimulationResult> results = [];
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask($"{runs.Length} simulations ({days.Count} days × {policies.Count} policies)", maxValue: runs.Length);
                results = matrix.Run(runs, options.Parallelism, new SynchronousProgress(task));
            });
        clock.Stop();
        long peakBytes = Process.GetCurrentProcess().PeakWorkingSet64;

        AnsiConsole.Write(SimTables.Summary(results));
        AnsiConsole.MarkupLine($"[grey]{runs.Length} simulations in {clock.Elapsed.TotalSeconds:F1} s, peak memory {peakBytes / (1024 * 1024)} MB[/]");

        if (options.ReportPath is not null)
        {
            SimulationReport.Write(options.ReportPath, SimulationReport.ToJson(results));
        }
        if (options.PlotPath is not null)
        {
            SimulationPlots.EnergyVersusSlav(results, options.PlotPath);
            string firstDay = results[0].Workload;
            SimulationPlots.ActiveHosts([.. results.Where(r => r.Workload == firstDay)], SimOptions.ActiveHostsPlotPath(options.PlotPath));
        }
        return 0;
    }

    // Progress<T> posts to a captured context; the bar must move from the worker threads directly.
    private sealed class SynchronousProgress(ProgressTask task) : IProgress<SimulationResult>
    {
        public void Report(SimulationResult value) => task.Increment(1);
    }
}
