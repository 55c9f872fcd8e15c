namespace Tern.Sim.Workload;

/// <summary>A trace file that cannot be used; the message names the file and, when known, the line.</summary>
public sealed class TraceFormatException : Exception
{
    public TraceFormatException(string path, int line, string problem)
        : base($"{path}, line {line}: {problem}")
    {
        Path = path;
        Line = line;
    }

    public TraceFormatException(string path, string problem, Exception inner)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>1-based line number; 0 when the problem concerns the whole file.</summary>
    public int Line { get; }
}
