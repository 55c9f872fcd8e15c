using System.Runtime.InteropServices;
using Tern.Memory.Interop;

namespace Tern.Memory;

/// <summary>
/// Owns one host mapping that backs guest RAM and unmaps it when released. Both kinds use
/// MAP_NORESERVE so a 4 GiB guest costs only the pages it touches. Guest RAM is anonymous (huge
/// pages where the host allows); memfd-backed mappings exist for an owner that must share the pages
/// with another process.
/// </summary>
public sealed class MappedMemory : SafeHandle
{
    private MappedMemory(nint address, ulong length, int memfd) : base(Mman.MAP_FAILED, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
        Memfd = memfd;
    }

    public ulong Length { get; }

    /// <summary>The memfd behind the mapping, or -1 for anonymous memory.</summary>
    public int Memfd { get; }

    public nint Address => handle;

    public override bool IsInvalid => handle == Mman.MAP_FAILED || handle == 0;

    /// <summary>The size of a transparent huge page on x86-64.</summary>
    public const ulong HugePageSize = 2 << 20;

    /// <summary>
    /// Private anonymous memory aligned to 2 MiB and advised for transparent huge pages, as QEMU maps
    /// guest RAM: the first touch of a 2 MiB range faults once instead of 512 times (a restore or an
    /// incoming migration writes every page once), and KVM can map the range with one large page.
    /// Where THP is off the advice fails and the memory simply uses 4 KiB pages.
    /// </summary>
    public static MappedMemory Anonymous(ulong length)
    {
        // Over-map by one huge page so the start can be aligned, then give back the unused head and tail.
        var span = length + HugePageSize;
        var raw = Mman.Mmap(0, (nuint)span, Mman.PROT_READ | Mman.PROT_WRITE,
            Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_NORESERVE, -1, 0);
        if (raw == Mman.MAP_FAILED)
            throw new MemoryException($"cannot map {length >> 20} MiB of guest RAM", Marshal.GetLastPInvokeError());
        var address = (nint)(((ulong)raw + HugePageSize - 1) & ~(HugePageSize - 1));
        var head = (ulong)(address - raw);
        if (head != 0)
            Mman.Munmap(raw, (nuint)head);
        if (span - head - length != 0)
            Mman.Munmap(address + (nint)length, (nuint)(span - head - length));
        _ = Mman.Madvise(address, (nuint)length, Mman.MADV_HUGEPAGE);
        return new MappedMemory(address, length, -1);
    }

    public static MappedMemory SharedMemfd(string name, ulong length)
    {
        var fd = Mman.MemfdCreate(name, Mman.MFD_CLOEXEC);
        if (fd < 0)
            throw new MemoryException("cannot create memfd for guest RAM", Marshal.GetLastPInvokeError());
        if (Mman.Ftruncate(fd, (long)length) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Mman.Close(fd);
            throw new MemoryException($"cannot size memfd to {length >> 20} MiB", errno);
        }
        var address = Mman.Mmap(0, (nuint)length, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED | Mman.MAP_NORESERVE, fd, 0);
        if (address == Mman.MAP_FAILED)
        {
            var errno = Marshal.GetLastPInvokeError();
            Mman.Close(fd);
            throw new MemoryException($"cannot map {length >> 20} MiB of guest RAM", errno);
        }
        return new MappedMemory(address, length, fd);
    }

    /// <summary>
    /// The byte ranges that may hold non-zero data, in order; everything else reads as zero and
    /// scanning it through the mapping would only allocate it. For a memfd these are the file's data
    /// extents (SEEK_DATA/SEEK_HOLE); for anonymous memory the pages this process has touched
    /// (/proc/self/pagemap: present or swapped out). A page touched by a huge-page fault counts as
    /// touched even if only its neighbour was written; it reads as zero.
    /// </summary>
    public IReadOnlyList<(ulong Offset, ulong Length)> DataRanges() => Memfd < 0 ? TouchedRanges() : FileDataRanges();

    private List<(ulong Offset, ulong Length)> FileDataRanges()
    {
        var ranges = new List<(ulong, ulong)>();
        long position = 0;
        while (position < (long)Length)
        {
            var data = Mman.Lseek(Memfd, position, Mman.SEEK_DATA);
            if (data < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Tern.Memory.Errno.ENXIO)
                    break; // no data after position
                throw new MemoryException("lseek(SEEK_DATA) on guest RAM failed", errno);
            }
            var hole = Mman.Lseek(Memfd, data, Mman.SEEK_HOLE);
            if (hole < 0)
                throw new MemoryException("lseek(SEEK_HOLE) on guest RAM failed", Marshal.GetLastPInvokeError());
            ranges.Add(((ulong)data, (ulong)Math.Min(hole, (long)Length) - (ulong)data));
            position = hole;
        }
        return ranges;
    }

    private unsafe List<(ulong Offset, ulong Length)> TouchedRanges()
    {
        const ulong present = 1UL << 63, swapped = 1UL << 62;
        const int entriesPerRead = 4096;
        var pageSize = (ulong)GuestAddress.PageSize;
        var fd = Mman.Open("/proc/self/pagemap", Mman.O_RDONLY | Mman.O_CLOEXEC);
        if (fd < 0)
            throw new MemoryException("cannot open /proc/self/pagemap to find touched guest pages", Marshal.GetLastPInvokeError());
        var ranges = new List<(ulong, ulong)>();
        try
        {
            var entries = new ulong[entriesPerRead];
            var pages = Length / pageSize;
            var firstEntry = (ulong)handle / pageSize;
            ulong runStart = 0;
            var inRun = false;
            for (ulong first = 0; first < pages; first += entriesPerRead)
            {
                var count = (int)Math.Min(entriesPerRead, pages - first);
                fixed (ulong* buffer = entries)
                {
                    var wanted = (nuint)(count * sizeof(ulong));
                    var read = Mman.Pread(fd, buffer, wanted, (long)((firstEntry + first) * sizeof(ulong)));
                    if (read != (nint)wanted)
                        throw new MemoryException("reading /proc/self/pagemap failed", read < 0 ? Marshal.GetLastPInvokeError() : Tern.Memory.Errno.EIO);
                }
                for (var i = 0; i < count; i++)
                {
                    var touched = (entries[i] & (present | swapped)) != 0;
                    if (touched == inRun)
                        continue;
                    var page = first + (ulong)i;
                    if (touched)
                        runStart = page;
                    else
                        ranges.Add((runStart * pageSize, (page - runStart) * pageSize));
                    inRun = touched;
                }
            }
            if (inRun)
                ranges.Add((runStart * pageSize, Length - runStart * pageSize));
        }
        finally
        {
            Mman.Close(fd);
        }
        return ranges;
    }

    /// <summary>
    /// Has the host allocate (and zero) the pages of [<paramref name="offset"/>, +<paramref name="length"/>)
    /// now rather than at their first write (MADV_POPULATE_WRITE, Linux 5.14). Pages already there are
    /// left as they are. Returns false when the kernel cannot; the pages then come at first write as usual.
    /// </summary>
    public bool Populate(ulong offset, ulong length)
    {
        if (offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(length));
        return Mman.Madvise(handle + (nint)offset, (nuint)length, Mman.MADV_POPULATE_WRITE) == 0;
    }

    /// <summary>Gives pages back to the host; they read as zero afterwards.</summary>
    public void Discard(ulong offset, ulong length)
    {
        if (offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(length));
        // For a memfd, MADV_DONTNEED would only drop this mapping's view of pages the file still holds;
        // MADV_REMOVE frees the file's pages too, so they read as zero through every mapping.
        var advice = Memfd >= 0 ? Mman.MADV_REMOVE : Mman.MADV_DONTNEED;
        if (Mman.Madvise(handle + (nint)offset, (nuint)length, advice) != 0)
            throw new MemoryException("madvise failed to discard guest pages", Marshal.GetLastPInvokeError());
    }

    protected override bool ReleaseHandle()
    {
        var ok = Mman.Munmap(handle, (nuint)Length) == 0;
        if (Memfd >= 0)
            Mman.Close(Memfd);
        return ok;
    }
}
