namespace Tern.Migration.Protocol;

public enum MigrationMode : byte
{
    Cold = 1,
    Static = 2,
    PreCopy = 3,
    Snapshot = 4,
}

/// <summary>The first record: what kind of migration, and the shape of the machine that comes.</summary>
public sealed record Hello(MigrationMode Mode, ulong MemoryBytes, int VcpuCount, uint PageSize, string SourceName, long StartedAtUnixMicros)
{
    public byte[] Encode()
    {
        var w = new PayloadWriter();
        w.Byte((byte)Mode);
        w.ULong(MemoryBytes);
        w.UInt((uint)VcpuCount);
        w.UInt(PageSize);
        w.String(SourceName);
        w.Long(StartedAtUnixMicros);
        return w.Written.ToArray();
    }

    public static Hello Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "hello");
        var mode = (MigrationMode)r.Byte();
        if (!Enum.IsDefined(mode))
            throw new MigrationStreamException($"hello names unknown migration mode {(byte)mode}");
        var hello = new Hello(mode, r.ULong(), (int)r.UInt(), r.UInt(), r.String(), r.Long());
        r.End();
        if (hello.PageSize != 4096)
            throw new MigrationStreamException($"page size {hello.PageSize} is not supported");
        if (hello.VcpuCount is < 1 or > 64 || hello.MemoryBytes == 0 || hello.MemoryBytes % 4096 != 0)
            throw new MigrationStreamException($"hello describes an impossible machine ({hello.VcpuCount} vCPUs, {hello.MemoryBytes} bytes)");
        return hello;
    }
}

/// <summary>One piece of opaque machine state under a stable id ("machine", "vm", "vcpu/0", "device/uart0").</summary>
public sealed record StateSection(string Id, byte[] Data)
{
    public const int MaxIdLength = 64;

    public byte[] Encode()
    {
        var w = new PayloadWriter(Data.Length + 80);
        w.String(Id);
        w.Blob(Data);
        return w.Written.ToArray();
    }

    public static StateSection Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "state section");
        var id = r.String();
        if (id.Length is 0 or > MaxIdLength)
            throw new MigrationStreamException("state section has an invalid id");
        var section = new StateSection(id, r.Blob().ToArray());
        r.End();
        return section;
    }
}

/// <summary>
/// The pages of the source's RAM that hold data, as ascending, disjoint ranges, sent before pre-copy's
/// first round so the destination can allocate them while the guest still runs: a page whose first
/// copy arrives only in the stop-and-copy would otherwise be allocated inside the downtime.
/// </summary>
public sealed record PopulatedPages(IReadOnlyList<(ulong FirstPage, ulong PageCount)> Ranges)
{
    public const int MaxRanges = 1 << 20;

    public byte[] Encode()
    {
        var w = new PayloadWriter(4 + Ranges.Count * 16);
        w.UInt((uint)Ranges.Count);
        foreach (var (first, count) in Ranges)
        {
            w.ULong(first);
            w.ULong(count);
        }
        return w.Written.ToArray();
    }

    /// <summary>Decodes and checks the ranges against <paramref name="pageLimit"/>, one past the highest page of the destination's RAM.</summary>
    public static PopulatedPages Decode(ReadOnlySpan<byte> payload, ulong pageLimit)
    {
        var r = new PayloadReader(payload, "populated pages");
        var n = r.UInt();
        if (n > MaxRanges)
            throw new MigrationStreamException($"populated pages record lists {n} ranges, more than {MaxRanges}");
        var ranges = new List<(ulong, ulong)>((int)n);
        ulong end = 0;
        for (var i = 0; i < n; i++)
        {
            var first = r.ULong();
            var count = r.ULong();
            if (count == 0 || first < end || count > pageLimit || first > pageLimit - count)
                throw new MigrationStreamException($"populated pages record has a bad range (page 0x{first:x}, {count} pages)");
            end = first + count;
            ranges.Add((first, count));
        }
        r.End();
        return new PopulatedPages(ranges);
    }
}

/// <summary>The last source record: counts the destination checks against what it received.</summary>
public sealed record Complete(ulong Pages, ulong ZeroPages, ulong StateSections)
{
    public byte[] Encode()
    {
        var w = new PayloadWriter();
        w.ULong(Pages);
        w.ULong(ZeroPages);
        w.ULong(StateSections);
        return w.Written.ToArray();
    }

    public static Complete Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "complete");
        var complete = new Complete(r.ULong(), r.ULong(), r.ULong());
        r.End();
        return complete;
    }
}

/// <summary>The destination runs the guest: when it resumed, and how long restoring took.</summary>
public sealed record Running(long ResumedAtUnixMicros, long ResumeMicros)
{
    public byte[] Encode()
    {
        var w = new PayloadWriter();
        w.Long(ResumedAtUnixMicros);
        w.Long(ResumeMicros);
        return w.Written.ToArray();
    }

    public static Running Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "running");
        var running = new Running(r.Long(), r.Long());
        r.End();
        return running;
    }
}

/// <summary>What the destination saw of the guest's progress after resuming: its first tick and its rate.</summary>
public sealed record ResumeReport(long FirstTickAtUnixMicros, double ProgressPerSecond)
{
    public byte[] Encode()
    {
        var w = new PayloadWriter();
        w.Long(FirstTickAtUnixMicros);
        w.Double(ProgressPerSecond);
        return w.Written.ToArray();
    }

    public static ResumeReport Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "resume report");
        var report = new ResumeReport(r.Long(), r.Double());
        r.End();
        return report;
    }
}

public static class ErrorMessage
{
    public static byte[] Encode(string message)
    {
        var w = new PayloadWriter();
        w.String(message.Length > 1000 ? message[..1000] : message);
        return w.Written.ToArray();
    }

    public static string Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, "error");
        var message = r.String();
        r.End();
        return message;
    }
}
