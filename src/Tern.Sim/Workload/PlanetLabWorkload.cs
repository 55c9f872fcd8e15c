namespace Tern.Sim.Workload;

/// <summary>
/// One day of PlanetLab traces: a folder with one file per VM, each holding one integer
/// CPU percentage (0–100) per line. VMs are taken in ordinal file-name order.
/// </summary>
public sealed class PlanetLabWorkload
{
    public const int SamplesPerDay = 288;

    private PlanetLabWorkload(string name, IReadOnlyList<PlanetLabTrace> traces)
    {
        Name = name;
        Traces = traces;
    }

    /// <summary>The folder's name, e.g. 20110303.</summary>
    public string Name { get; }

    public IReadOnlyList<PlanetLabTrace> Traces { get; }

    /// <summary>Builds a workload from traces already in memory (tests, synthetic scenarios).</summary>
    public static PlanetLabWorkload FromTraces(string name, IReadOnlyList<PlanetLabTrace> traces) => new(name, traces);

    /// <exception cref="WorkloadNotFoundException">The folder does not exist or is empty.</exception>
    /// <exception cref="TraceFormatException">A file is unreadable or malformed.</exception>
    public static PlanetLabWorkload Load(string folder, int samplesPerTrace = SamplesPerDay)
    {
        if (!Directory.Exists(folder))
        {
            throw new WorkloadNotFoundException($"workload folder '{folder}' does not exist");
        }
        string[] files = Directory.GetFiles(folder);
        if (files.Length == 0)
        {
            throw new WorkloadNotFoundException($"workload folder '{folder}' holds no trace files");
        }
        Array.Sort(files, StringComparer.Ordinal);
        var traces = new PlanetLabTrace[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            traces[i] = ReadTrace(files[i], samplesPerTrace);
        }
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return new PlanetLabWorkload(name, traces);
    }

    /// <exception cref="TraceFormatException">The file is unreadable, has the wrong number of lines, or a line is not an integer in 0–100.</exception>
    public static PlanetLabTrace ReadTrace(string path, int samplesPerTrace = SamplesPerDay)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TraceFormatException(path, $"cannot read the trace ({e.Message})", e);
        }

        Span<byte> samples = stackalloc byte[samplesPerTrace];
        int count = 0;
        int lineNumber = 0;
        ReadOnlySpan<char> rest = text;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf('\n');
            ReadOnlySpan<char> line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            lineNumber++;
            line = line.Trim();
            if (line.IsEmpty)
            {
                if (rest.IsWhiteSpace())
                {
                    break;
                }
                throw new TraceFormatException(path, lineNumber, "empty line; expected a CPU percentage");
            }
            if (count == samplesPerTrace)
            {
                throw new TraceFormatException(path, lineNumber, $"more than {samplesPerTrace} samples");
            }
            if (!int.TryParse(line, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value))
            {
                throw new TraceFormatException(path, lineNumber, $"'{line.ToString()}' is not an integer CPU percentage");
            }
            if (value is < 0 or > 100)
            {
                throw new TraceFormatException(path, lineNumber, $"CPU percentage {value} is outside 0-100");
            }
            samples[count++] = (byte)value;
        }
        if (count != samplesPerTrace)
        {
            throw new TraceFormatException(path, lineNumber, $"{count} samples; expected {samplesPerTrace}");
        }
        return new PlanetLabTrace(Path.GetFileName(path), samples);
    }
}
