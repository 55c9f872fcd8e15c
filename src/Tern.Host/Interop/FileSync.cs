using System.Runtime.InteropServices;

namespace Tern.Host.Interop;

/// <summary>sync_file_range(2).</summary>
internal static partial class FileSync
{
    public const uint SYNC_FILE_RANGE_WRITE = 2;

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    public static partial int SyncFileRange(SafeHandle fd, long offset, long nbytes, uint flags);
}
