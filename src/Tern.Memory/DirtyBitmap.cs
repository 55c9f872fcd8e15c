using System.Numerics;

namespace Tern.Memory;

/// <summary>
/// One bit per guest page, in 64-bit words laid out like KVM's dirty log so the two can be merged
/// word by word. Thread-safe for concurrent <see cref="Mark"/> (device emulation on several vCPU
/// threads) through interlocked OR.
/// </summary>
public sealed class DirtyBitmap
{
    private readonly ulong[] _words;

    public DirtyBitmap(ulong pageCount)
    {
        PageCount = pageCount;
        _words = new ulong[(pageCount + 63) / 64];
    }

    public ulong PageCount { get; }

    /// <summary>The raw words; bit i of word w is page w*64+i.</summary>
    public Span<ulong> Words => _words;

    public void Mark(ulong page)
    {
        if (page >= PageCount)
            throw new ArgumentOutOfRangeException(nameof(page), $"page {page} beyond {PageCount}");
        Interlocked.Or(ref _words[page >> 6], 1UL << (int)(page & 63));
    }

    public void MarkRange(ulong firstPage, ulong count)
    {
        for (var page = firstPage; page < firstPage + count; page++)
            Mark(page);
    }

    public bool IsDirty(ulong page) => page < PageCount && (Volatile.Read(ref _words[page >> 6]) & (1UL << (int)(page & 63))) != 0;

    /// <summary>ORs another bitmap (e.g. KVM's dirty log for the same slot) into this one.</summary>
    public void Merge(ReadOnlySpan<ulong> other)
    {
        if (other.Length > _words.Length)
            throw new ArgumentException($"bitmap of {other.Length} words does not fit {_words.Length}", nameof(other));
        for (var i = 0; i < other.Length; i++)
            if (other[i] != 0)
                Interlocked.Or(ref _words[i], other[i]);
    }

    /// <summary>Moves every set bit into <paramref name="destination"/> and clears this bitmap, atomically per word.</summary>
    public void TakeInto(Span<ulong> destination)
    {
        if (destination.Length < _words.Length)
            throw new ArgumentException("destination too small", nameof(destination));
        for (var i = 0; i < _words.Length; i++)
            destination[i] = _words[i] == 0 ? 0 : Interlocked.Exchange(ref _words[i], 0);
    }

    public void SetAll()
    {
        Array.Fill(_words, ulong.MaxValue);
        var tail = (int)(PageCount & 63);
        if (tail != 0)
            _words[^1] = (1UL << tail) - 1;
    }

    public void Clear() => Array.Clear(_words);

    public ulong CountDirty()
    {
        ulong count = 0;
        foreach (var word in _words)
            count += (ulong)BitOperations.PopCount(word);
        return count;
    }

    /// <summary>Enumerates dirty page numbers in ascending order without allocating.</summary>
    public static SetBitEnumerator EnumerateSet(ReadOnlySpan<ulong> words) => new(words);

    public ref struct SetBitEnumerator(ReadOnlySpan<ulong> words)
    {
        private readonly ReadOnlySpan<ulong> _words = words;
        private int _index = -1;
        private ulong _current;

        public ulong Current { get; private set; }

        public readonly SetBitEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (_current == 0)
            {
                if (++_index >= _words.Length)
                    return false;
                _current = _words[_index];
            }
            var bit = BitOperations.TrailingZeroCount(_current);
            _current &= _current - 1;
            Current = ((ulong)_index << 6) + (ulong)bit;
            return true;
        }
    }
}
