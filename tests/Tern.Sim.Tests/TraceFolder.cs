namespace Tern.Sim.Tests;

/// <summary>A temporary folder of trace files, deleted on dispose.</summary>
internal sealed class TraceFolder : IDisposable
{
    public TraceFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tern-sim-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string content)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, content);
        return file;
    }

    /// <summary>A well-formed trace: 288 lines of the same percentage.</summary>
    public string WriteConstant(string name, int percent) =>
        Write(name, string.Concat(Enumerable.Repeat($"{percent}\n", 288)));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
