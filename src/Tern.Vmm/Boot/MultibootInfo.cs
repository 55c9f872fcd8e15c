using System.Buffers.Binary;
using System.Text;

namespace Tern.Vmm.Boot;

/// <summary>
/// The Multiboot information structure (spec section 3.3) a loader hands the kernel in EBX: memory
/// sizes, memory map, command line and loader name, packed into one page-aligned block placed right
/// after the kernel image, as QEMU does.
/// </summary>
public static class MultibootInfo
{
    private const uint FlagMemory = 1 << 0, FlagCommandLine = 1 << 2, FlagMemoryMap = 1 << 6, FlagLoaderName = 1 << 9;
    private const int InfoSize = 120;
    private const int MapEntrySize = 24; // size field (4) + base (8) + length (8) + type (4)
    public const string LoaderName = "Tern";

    /// <summary>Builds the block for guest address <paramref name="baseAddress"/>; all pointers inside are guest-physical.</summary>
    public static byte[] Build(ulong baseAddress, IReadOnlyList<MemoryMapEntry> memoryMap, string commandLine)
    {
        var mapOffset = InfoSize;
        var commandLineOffset = mapOffset + memoryMap.Count * MapEntrySize;
        var commandLineBytes = Encoding.UTF8.GetBytes(commandLine + "\0");
        var nameOffset = commandLineOffset + commandLineBytes.Length;
        var nameBytes = Encoding.ASCII.GetBytes(LoaderName + "\0");
        var block = new byte[nameOffset + nameBytes.Length];
        var info = block.AsSpan();

        var conventional = memoryMap.Where(e => e.Base == 0 && e.Type == MemoryMapEntry.Kind.Usable).Sum(e => (long)e.Length);
        var upper = memoryMap.Where(e => e.Base == MemoryLayout.HighMemoryBase && e.Type == MemoryMapEntry.Kind.Usable).Sum(e => (long)e.Length);

        BinaryPrimitives.WriteUInt32LittleEndian(info[0..], FlagMemory | FlagCommandLine | FlagMemoryMap | FlagLoaderName);
        BinaryPrimitives.WriteUInt32LittleEndian(info[4..], (uint)(conventional / 1024));
        BinaryPrimitives.WriteUInt32LittleEndian(info[8..], (uint)(upper / 1024));
        BinaryPrimitives.WriteUInt32LittleEndian(info[16..], checked((uint)(baseAddress + (ulong)commandLineOffset)));
        BinaryPrimitives.WriteUInt32LittleEndian(info[44..], (uint)(memoryMap.Count * MapEntrySize));
        BinaryPrimitives.WriteUInt32LittleEndian(info[48..], checked((uint)(baseAddress + (ulong)mapOffset)));
        BinaryPrimitives.WriteUInt32LittleEndian(info[64..], checked((uint)(baseAddress + (ulong)nameOffset)));

        for (var i = 0; i < memoryMap.Count; i++)
        {
            var entry = info[(mapOffset + i * MapEntrySize)..];
            // "size" counts the bytes after itself, so a reader can skip entries it does not understand.
            BinaryPrimitives.WriteUInt32LittleEndian(entry, MapEntrySize - 4);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[4..], memoryMap[i].Base);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[12..], memoryMap[i].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[20..], (uint)memoryMap[i].Type);
        }
        commandLineBytes.CopyTo(info[commandLineOffset..]);
        nameBytes.CopyTo(info[nameOffset..]);
        return block;
    }
}
