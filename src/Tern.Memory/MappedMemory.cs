using System.Runtime.InteropServices;
using Tern.Memory.Interop;

namespace Tern.Memory;

/// <summary>
/// Owns one host mapping that backs guest RAM and unmaps it when released. Anonymous mappings use
/// MAP_NORESERVE so a 4 GiB guest costs only the pages it touches; memfd-backed mappings exist so a
/// later owner (post-copy, a second process) can map the same pages.
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

    public static MappedMemory Anonymous(ulong length)
    {
        var address = Mman.Mmap(0, (nuint)length, Mman.PROT_READ | Mman.PROT_WRITE,
            Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_NORESERVE, -1, 0);
        if (address == Mman.MAP_FAILED)
            throw new MemoryException($"cannot map {length >> 20} MiB of guest RAM", Marshal.GetLastPInvokeError());
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
    /// The byte ranges that may hold non-zero data, in order. For a memfd these are the file's data
    /// extents (SEEK_DATA/SEEK_HOLE): pages never written are holes and read as zero, and scanning
    /// them through the mapping would make shmem allocate them. Swapped-out pages count as data.
    /// Anonymous memory reports one range covering everything.
    /// </summary>
    public IEnumerable<(ulong Offset, ulong Length)> DataRanges()
    {
        if (Memfd < 0)
        {
            yield return (0, Length);
            yield break;
        }
        long position = 0;
        while (position < (long)Length)
        {
            var data = Mman.Lseek(Memfd, position, Mman.SEEK_DATA);
            if (data < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Tern.Memory.Errno.ENXIO)
                    yield break; // no data after position
                throw new MemoryException("lseek(SEEK_DATA) on guest RAM failed", errno);
            }
            var hole = Mman.Lseek(Memfd, data, Mman.SEEK_HOLE);
            if (hole < 0)
                throw new MemoryException("lseek(SEEK_HOLE) on guest RAM failed", Marshal.GetLastPInvokeError());
            yield return ((ulong)data, (ulong)Math.Min(hole, (long)Length) - (ulong)data);
            position = hole;
        }
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
