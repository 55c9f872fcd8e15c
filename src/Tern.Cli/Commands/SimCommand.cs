using System.CommandLine;
using Tern.Cli.Commands.Sim;
using Tern.Cluster.Policies;

namespace Tern.Cli.Commands;

/// <summary>`tern sim`: run the datacenter simulator on PlanetLab traces.</summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var workload = new Option<string>("--workload")
        {
            Description = "A day folder of PlanetLab traces (one file per VM), or with --all-days the folder holding the day folders.",
            Required = true,
        };
        var policy = new Option<string>("--policy")
        {
            Description = $"Policy to run: {PolicyCatalog.Describe}.",
            DefaultValueFactory = _ => "lr-mmt-1.2",
        };
        var policies = new Option<string?>("--policies")
        {
            Description = "With --all-days: comma-separated policies (default: every published policy, the baselines and tern).",
        };
        var allDays = new Option<bool>("--all-days") { Description = "Run every day folder under --workload with every policy, in parallel." };
        var hosts = new Option<int>("--hosts")
        {
            Description = "Number of hosts (alternately HP ML110 G4 and G5).",
            DefaultValueFactory = _ => 800,
        };
        hosts.Validators.Add(result =>
        {
            if (result.GetValue(hosts) < 1)
            {
                result.AddError("--hosts must be at least 1");
            }
        });
        var seed = new Option<int>("--seed")
        {
            Description = "Seed for randomised policies (rs).",
            DefaultValueFactory = _ => 1,
        };
        var report = new Option<string?>("--report") { Description = "Also write the results as JSON to this file." };
        var plot = new Option<string?>("--plot")
        {
            Description = "Write PNG charts: FILE gets active hosts over time (single run) or energy vs SLAV (--all-days); FILE-active-hosts.png gets active hosts per policy.",
        };
        var parallelism = new Option<int>("--parallel")
        {
            Description = "Simulations to run at once with --all-days (default: one per CPU).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };

        var command = new Command("sim", """
            Simulate a day of a datacenter running PlanetLab VMs under a consolidation policy and
            report energy, migrations and SLA figures (the Beloglazov & Buyya experiment).
            """)
        {
            workload, policy, policies, allDays, hosts, seed, report, plot, parallelism,
        };
        command.SetAction(parse =>
        {
            var options = new SimOptions(
                parse.GetValue(workload)!,
                parse.GetValue(policy)!,
                parse.GetValue(policies),
                parse.GetValue(hosts),
                parse.GetValue(seed),
                parse.GetValue(report),
                parse.GetValue(plot),
                Math.Max(1, parse.GetValue(parallelism)));
            return parse.GetValue(allDays) ? SimMatrixRun.Execute(options) : SimSingleRun.Execute(options);
        });
        return command;
    }
}
