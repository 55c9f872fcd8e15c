using Tern.Sim.Workload;

namespace Tern.Sim.Tests;

public class WorkloadTests
{
    [Fact]
    public void Reads_traces_in_ordinal_file_name_order()
    {
        using var folder = new TraceFolder();
        folder.WriteConstant("b-node_slice", 20);
        folder.WriteConstant("a node_slice", 10);
        folder.WriteConstant("B-node", 30);
        var workload = PlanetLabWorkload.Load(folder.Path);
        workload.Traces.Select(t => t.Name).ShouldBe(["B-node", "a node_slice", "b-node_slice"]);
        workload.Traces[1].PercentSamples[0].ShouldBe((byte)10);
        workload.Traces[1].SampleCount.ShouldBe(288);
    }

    [Fact]
    public void A_missing_folder_is_named()
    {
        Should.Throw<WorkloadNotFoundException>(() => PlanetLabWorkload.Load("/no/such/day"))
            .Message.ShouldContain("/no/such/day");
    }

    [Fact]
    public void An_empty_folder_is_refused()
    {
        using var folder = new TraceFolder();
        Should.Throw<WorkloadNotFoundException>(() => PlanetLabWorkload.Load(folder.Path)).Message.ShouldContain("no trace files");
    }

    [Fact]
    public void A_short_trace_names_the_file_and_its_last_line()
    {
        using var folder = new TraceFolder();
        string file = folder.Write("short", string.Concat(Enumerable.Repeat("5\n", 287)));
        var error = Should.Throw<TraceFormatException>(() => PlanetLabWorkload.Load(folder.Path));
        error.Message.ShouldBe($"{file}, line 287: 287 samples; expected 288");
        error.Line.ShouldBe(287);
    }

    [Fact]
    public void A_long_trace_names_the_first_extra_line()
    {
        using var folder = new TraceFolder();
        string file = folder.Write("long", string.Concat(Enumerable.Repeat("5\n", 289)));
        Should.Throw<TraceFormatException>(() => PlanetLabWorkload.Load(folder.Path)).Message.ShouldBe($"{file}, line 289: more than 288 samples");
    }

    [Theory]
    [InlineData("abc", "'abc' is not an integer CPU percentage")]
    [InlineData("12.5", "'12.5' is not an integer CPU percentage")]
    [InlineData("101", "CPU percentage 101 is outside 0-100")]
    [InlineData("-1", "CPU percentage -1 is outside 0-100")]
    [InlineData("", "empty line; expected a CPU percentage")]
    public void A_bad_line_is_reported_with_file_and_line(string bad, string problem)
    {
        using var folder = new TraceFolder();
        var lines = Enumerable.Repeat("7", 288).ToArray();
        lines[41] = bad;
        string file = folder.Write("bad", string.Join('\n', lines) + "\n");
        Should.Throw<TraceFormatException>(() => PlanetLabWorkload.Load(folder.Path)).Message.ShouldBe($"{file}, line 42: {problem}");
    }

    [Fact]
    public void An_unreadable_file_is_named()
    {
        using var folder = new TraceFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "not-a-file"));
        string file = folder.WriteConstant("fine", 3);
        Should.Throw<TraceFormatException>(() => PlanetLabWorkload.ReadTrace(Path.Combine(folder.Path, "not-a-file")))
            .Message.ShouldContain("not-a-file: cannot read the trace");
    }

    [Fact]
    public void Tolerates_windows_line_endings_and_a_final_line_without_newline()
    {
        using var folder = new TraceFolder();
        string file = folder.Write("crlf", string.Join("\r\n", Enumerable.Repeat("9", 288)));
        PlanetLabWorkload.ReadTrace(file).SampleCount.ShouldBe(288);
    }
}
