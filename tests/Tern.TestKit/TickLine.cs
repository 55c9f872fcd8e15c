namespace Tern.TestKit;

/// <summary>A test guest's `tick &lt;guest_ms&gt; &lt;pages_written_total&gt;` console line.</summary>
public readonly record struct TickLine(ulong GuestMilliseconds, ulong PagesWritten)
{
    public static bool TryParse(string line, out TickLine tick)
    {
        tick = default;
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || parts[0] != "tick" || !ulong.TryParse(parts[1], out var ms) || !ulong.TryParse(parts[2], out var pages))
            return false;
        tick = new TickLine(ms, pages);
        return true;
    }

    public static bool IsTick(string line) => TryParse(line, out _);
}
