using System.Buffers.Text;

namespace Tern.Migration.Metrics;

/// <summary>One progress line of a guest workload, stamped with the host time it arrived.</summary>
public readonly record struct ProgressSample(
    [property: System.Text.Json.Serialization.JsonPropertyName("host_unix_us")] long HostUnixMicros,
    [property: System.Text.Json.Serialization.JsonPropertyName("guest_ms")] ulong GuestMilliseconds,
    [property: System.Text.Json.Serialization.JsonPropertyName("pages_written")] ulong PagesWritten);

/// <summary>
/// Watches a guest's console for the workload's `tick &lt;guest_ms&gt; &lt;pages&gt;` lines and stamps each with
/// host wall-clock time as it arrives. Host time, not guest time: a paused guest's own clock does not
/// see the pause. Wall-clock microseconds make source and destination samples comparable (exactly so
/// on one host; across hosts as well as their clocks agree). Fed from the UART's output path, so a
/// feed must be cheap and allocation-free: bytes are scanned, and a line is parsed only when it ends.
/// Feeds come from one writer at a time (the UART serialises its output).
/// </summary>
public sealed class GuestProgressMonitor(TimeProvider time)
{
    private const int MaxSamples = 100_000;
    private readonly object _lock = new();
    private readonly List<ProgressSample> _samples = [];
    private readonly byte[] _line = new byte[64];
    private int _length;
    private bool _overlong;

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b == (byte)'\n')
            {
                if (!_overlong)
                    TryParse(_line.AsSpan(0, _length));
                _length = 0;
                _overlong = false;
            }
            else if (b != (byte)'\r')
            {
                if (_length < _line.Length)
                    _line[_length++] = b;
                else
                    _overlong = true;
            }
        }
    }

    /// <summary>Accepts exactly "tick &lt;ms&gt; &lt;pages&gt;" with single spaces, as the workloads print it.</summary>
    private void TryParse(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("tick "u8))
            return;
        line = line[5..];
        if (!Utf8Parser.TryParse(line, out ulong ms, out var used) || used == 0 || used >= line.Length || line[used] != (byte)' ')
            return;
        line = line[(used + 1)..];
        if (!Utf8Parser.TryParse(line, out ulong pages, out used) || used == 0 || used != line.Length)
            return;
        var sample = new ProgressSample(UnixMicros(time), ms, pages);
        lock (_lock)
        {
            if (_samples.Count == MaxSamples)
                _samples.RemoveRange(0, MaxSamples / 2);
            _samples.Add(sample);
        }
    }

    public IReadOnlyList<ProgressSample> Samples
    {
        get
        {
            lock (_lock)
                return [.. _samples];
        }
    }

    public IReadOnlyList<ProgressSample> SamplesSince(long unixMicros)
    {
        lock (_lock)
            return _samples.Where(s => s.HostUnixMicros >= unixMicros).ToList();
    }

    public static long UnixMicros(TimeProvider time) => (time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>
    /// Workload progress per host second over consecutive samples: pages written when the workload
    /// dirties memory, else guest milliseconds (an idle guest's progress is its clock ticking).
    /// Zero when fewer than two samples.
    /// </summary>
    public static double Rate(IReadOnlyList<ProgressSample> samples)
    {
        if (samples.Count < 2)
            return 0;
        var first = samples[0];
        var last = samples[^1];
        var seconds = (last.HostUnixMicros - first.HostUnixMicros) / 1e6;
        if (seconds <= 0)
            return 0;
        var pages = last.PagesWritten - first.PagesWritten;
        var progress = pages > 0 ? pages : last.GuestMilliseconds - first.GuestMilliseconds;
        return progress / seconds;
    }

    /// <summary>The longest host-time gap between consecutive samples in the window, in microseconds.</summary>
    public static long LargestGap(IReadOnlyList<ProgressSample> samples)
    {
        long gap = 0;
        for (var i = 1; i < samples.Count; i++)
            gap = Math.Max(gap, samples[i].HostUnixMicros - samples[i - 1].HostUnixMicros);
        return gap;
    }
}
