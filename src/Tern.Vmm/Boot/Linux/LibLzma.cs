using System.Runtime.InteropServices;

namespace Tern.Vmm.Boot.Linux;

/// <summary>liblzma (XZ Utils), the one call Tern needs: single-call decoding of a .xz stream (lzma/container.h).</summary>
internal static partial class LibLzma
{
    public const int LZMA_OK = 0, LZMA_MEM_ERROR = 5, LZMA_MEMLIMIT_ERROR = 6, LZMA_FORMAT_ERROR = 7,
        LZMA_OPTIONS_ERROR = 8, LZMA_DATA_ERROR = 9, LZMA_BUF_ERROR = 10;

    [LibraryImport("liblzma.so.5")]
    private static unsafe partial int lzma_stream_buffer_decode(ulong* memlimit, uint flags, nint allocator,
        byte* input, nuint* inPosition, nuint inputSize, byte* output, nuint* outPosition, nuint outputSize);

    /// <summary>Decodes one .xz stream into <paramref name="output"/>; returns the liblzma status and the bytes written.</summary>
    public static int StreamBufferDecode(ReadOnlySpan<byte> input, Span<byte> output, out int written)
    {
        ulong memlimit = ulong.MaxValue;
        nuint inPosition = 0, outPosition = 0;
        int status;
        unsafe
        {
            // Safe: both spans are pinned for the call and their lengths bound what liblzma reads and writes.
            fixed (byte* inPtr = input)
            fixed (byte* outPtr = output)
                status = lzma_stream_buffer_decode(&memlimit, 0, 0, inPtr, &inPosition, (nuint)input.Length, outPtr, &outPosition, (nuint)output.Length);
        }
        written = (int)outPosition;
        return status;
    }
}
