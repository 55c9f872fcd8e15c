using System.Reflection;
using System.Xml.Linq;
using Tern.TestKit;

namespace Tern.Architecture.Tests;

/// <summary>
/// The dependency rule of ARCHITECTURE.md: each project references only the projects its row allows,
/// so the graph stays acyclic and a lower layer never learns about a higher one. Checked twice: on the
/// project files (what may be referenced) and on the compiled assemblies (what is).
/// </summary>
public sealed class DependencyRuleTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Tern.Memory"] = [],
        ["Tern.Kvm"] = ["Tern.Memory"],
        ["Tern.Storage"] = ["Tern.Memory"],
        ["Tern.Vmm"] = ["Tern.Memory", "Tern.Kvm", "Tern.Storage"],
        ["Tern.Migration"] = ["Tern.Memory"],
        ["Tern.Api"] = [],
        ["Tern.Host"] = ["Tern.Vmm", "Tern.Migration", "Tern.Storage", "Tern.Api", "Tern.Memory", "Tern.Kvm"],
        ["Tern.Cluster"] = ["Tern.Api"],
        ["Tern.Sim"] = ["Tern.Cluster", "Tern.Migration", "Tern.Api", "Tern.Memory"],
    };

    public static TheoryData<string> SourceProjects() =>
        new(Directory.GetDirectories(Path.Combine(RepositoryPaths.Root, "src")).Select(Path.GetFileName).OfType<string>()
            .Where(name => name != "Tern.Cli"));

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_references_only_what_its_layer_allows(string project)
    {
        Allowed.ShouldContainKey(project, $"{project} is not in the architecture table; add its row to ARCHITECTURE.md and this test");
        var csproj = XDocument.Load(Path.Combine(RepositoryPaths.Root, "src", project, $"{project}.csproj"));
        var references = csproj.Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
        references.ShouldAllBe(r => Allowed[project].Contains(r), $"{project} references {string.Join(", ", references)}");
    }

    [Theory]
    [InlineData(typeof(Tern.Memory.GuestMemory))]
    [InlineData(typeof(Tern.Kvm.Kvm))]
    [InlineData(typeof(Tern.Vmm.Machine))]
    [InlineData(typeof(Tern.Migration.Strategies.MigrationSender))]
    [InlineData(typeof(Tern.Host.MachineMigrationSource))]
    [InlineData(typeof(Tern.Cluster.Policies.PolicyCatalog))]
    [InlineData(typeof(Tern.Sim.Engine.DatacenterSimulation))]
    public void Compiled_assembly_references_only_what_its_layer_allows(Type anchor)
    {
        var assembly = anchor.Assembly;
        var name = assembly.GetName().Name!;
        var ternReferences = assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Tern.", StringComparison.Ordinal));
        ternReferences.ShouldAllBe(r => Allowed[name].Contains(r));
    }

    [Fact]
    public void Nothing_references_the_cli()
    {
        foreach (var csproj in Directory.GetFiles(RepositoryPaths.Root, "*.csproj", SearchOption.AllDirectories)
                     .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            if (Path.GetFileNameWithoutExtension(csproj) == "Tern.Cli" || csproj.Contains($"{Path.DirectorySeparatorChar}tests{Path.DirectorySeparatorChar}Tern.System.Tests"))
                continue;
            File.ReadAllText(csproj).ShouldNotContain("Tern.Cli.csproj", customMessage: csproj);
        }
    }

    [Fact]
    public void Allowed_graph_is_acyclic()
    {
        var state = new Dictionary<string, int>();
        void Visit(string node)
        {
            state[node] = 1;
            foreach (var next in Allowed.GetValueOrDefault(node, []))
            {
                state.GetValueOrDefault(next).ShouldNotBe(1, $"cycle through {node} → {next}");
                if (state.GetValueOrDefault(next) == 0)
                    Visit(next);
            }
            state[node] = 2;
        }
        foreach (var node in Allowed.Keys.Where(n => state.GetValueOrDefault(n) == 0))
            Visit(node);
    }
}
