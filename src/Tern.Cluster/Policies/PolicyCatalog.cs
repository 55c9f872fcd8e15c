using System.Globalization;
using Tern.Cluster.Detection;
using Tern.Cluster.Migration;
using Tern.Cluster.Placement;
using Tern.Cluster.Selection;

namespace Tern.Cluster.Policies;

/// <summary>
/// Builds policies from names such as <c>lr-mmt-1.2</c>: an overload detector, a VM selector and the
/// detector's parameter (optional; the published value is the default), plus the baselines
/// <c>npa</c> and <c>dvfs</c> and Tern's own <c>tern</c>.
/// </summary>
public sealed class PolicyCatalog(IMigrationCostModel migrationCost, double intervalSeconds)
{
    /// <summary>Fallback for history-based detectors while the history is short, as in the reference.</summary>
    public const double FallbackThreshold = 0.7;

    private static readonly Dictionary<string, double> DefaultParameters = new()
    {
        ["thr"] = 0.8,
        ["iqr"] = 1.5,
        ["mad"] = 2.5,
        ["lr"] = 1.2,
        ["lrr"] = 1.2,
    };

    private static readonly string[] Selectors = ["mmt", "mc", "mu", "rs"];

    /// <summary>Every policy of the reference study, then Tern's.</summary>
    public static IReadOnlyList<string> StandardNames { get; } =
    [
        "npa", "dvfs",
        .. DefaultParameters.SelectMany(d => Selectors.Select(s => $"{d.Key}-{s}-{d.Value.ToString(CultureInfo.InvariantCulture)}")),
        "tern",
    ];

    public static string Describe =>
        "npa, dvfs, tern, or <detector>-<selector>[-<parameter>] with detector thr|iqr|mad|lr|lrr and selector mmt|mc|mu|rs (e.g. lr-mmt-1.2)";

    /// <summary>
    /// Which configuration a policy of canonical name <paramref name="canonicalName"/> runs: policies
    /// with the same configuration give the same results, so an experiment needs to run it only once.
    /// <c>lrr-*</c> is <c>lr-*</c> here (both are ordinary least squares; see <see cref="CreateDetector"/>).
    /// </summary>
    public static string ConfigurationOf(string canonicalName) =>
        canonicalName.StartsWith("lrr-", StringComparison.Ordinal) ? string.Concat("lr-", canonicalName.AsSpan(4)) : canonicalName;

    /// <param name="seed">Seeds the random selector (rs); other policies ignore it.</param>
    public PolicyDescriptor Create(string name, int seed)
    {
        string normalized = name.Trim().ToLowerInvariant();
        switch (normalized)
        {
            case "npa":
                return new PolicyDescriptor("npa", new FirstFit(), new NoMigrationPolicy(), HostsAlwaysOn: true);
            case "dvfs":
                return new PolicyDescriptor("dvfs", new FirstFit(), new NoMigrationPolicy(), HostsAlwaysOn: false);
            case "tern":
                return CreateTern(TernPolicy.DefaultSafety);
        }

        string[] parts = normalized.Split('-');
        if (parts.Length is < 2 or > 3 || !DefaultParameters.TryGetValue(parts[0], out double parameter) || !Selectors.Contains(parts[1]))
        {
            throw Unknown(name);
        }
        if (parts.Length == 3 && !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out parameter))
        {
            throw Unknown(name);
        }

        IOverloadDetector detector = CreateDetector(parts[0], parameter);
        IVmSelector selector = CreateSelector(parts[1], seed);
        var consolidation = new DynamicConsolidationPolicy(
            detector, selector, new PowerAwareBestFit(detector), migrationCost, new AlwaysEvacuate());
        string canonical = $"{parts[0]}-{parts[1]}-{parameter.ToString(CultureInfo.InvariantCulture)}";
        return new PolicyDescriptor(canonical, new PowerAwareBestFit(new CapacityOnlyDetector()), consolidation, HostsAlwaysOn: false);
    }

    private PolicyDescriptor CreateTern(double safety)
    {
        IOverloadDetector detector = CreateDetector("lr", safety);
        var consolidation = new DynamicConsolidationPolicy(
            detector,
            new MinimumMigrationTimeSelector(),
            new PowerAwareBestFit(detector),
            migrationCost,
            new MigrationCostGate(migrationCost, TernPolicy.Payback));
        return new PolicyDescriptor("tern", new PowerAwareBestFit(new CapacityOnlyDetector()), consolidation, HostsAlwaysOn: false);
    }

    // CloudSim 3.0.3 applies LRR's robust weights only when at least 40 % of them are zero, which
    // never happens with its ten-value window, so LRR is built exactly as LR.
    private IOverloadDetector CreateDetector(string kind, double parameter)
    {
        var fallback = new StaticThresholdDetector(FallbackThreshold);
        return kind switch
        {
            "thr" => new StaticThresholdDetector(parameter),
            "iqr" => new InterQuartileRangeDetector(parameter, fallback),
            "mad" => new MedianAbsoluteDeviationDetector(parameter, fallback),
            "lr" => new LocalRegressionDetector(parameter, intervalSeconds, RegressionWeighting.Unweighted, fallback),
            "lrr" => new LocalRegressionDetector(parameter, intervalSeconds, RegressionWeighting.Unweighted, fallback),
            _ => throw new UnknownPolicyException($"unknown overload detector '{kind}'"),
        };
    }

    private static IVmSelector CreateSelector(string kind, int seed) => kind switch
    {
        "mmt" => new MinimumMigrationTimeSelector(),
        "mc" => new MaximumCorrelationSelector(new MinimumMigrationTimeSelector()),
        "mu" => new MinimumUtilizationSelector(),
        "rs" => new RandomSelector(new Random(seed)),
        _ => throw new UnknownPolicyException($"unknown VM selector '{kind}'"),
    };

    private static UnknownPolicyException Unknown(string name) =>
        new($"unknown policy '{name}'; valid policies: {Describe}");
}
