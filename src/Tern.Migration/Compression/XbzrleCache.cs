namespace Tern.Migration.Compression;

/// <summary>
/// The source's copy of pages as last sent, which XBZRLE encodes against. Direct-mapped by page
/// number, with QEMU's replacement rule: a page stored in this round or the one before is fresh and
/// keeps its slot against other pages. Without that rule a guest sweeping more memory than the
/// cache holds evicts every page before it comes round again, and nothing ever hits. A miss just
/// means that page goes whole. The cache must equal what the destination holds, so every page sent
/// after the first pass goes through it (see <see cref="Strategies.MigrationSender"/>).
/// </summary>
public sealed class XbzrleCache
{
    private const int PageSize = 4096;

    /// <summary>Rounds an entry stays fresh (QEMU's CACHED_PAGE_LIFETIME).</summary>
    public const int FreshRounds = 2;

    private readonly ulong[] _tags;
    private readonly int[] _rounds;
    private readonly byte[] _pages;

    /// <param name="bytes">Cache size; QEMU's default xbzrle-cache-size is 64 MiB.</param>
    public XbzrleCache(long bytes)
    {
        if (bytes < PageSize || bytes > MaxBytes)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"an XBZRLE cache holds 4 KiB to {MaxBytes >> 20} MiB");
        var slots = (int)(bytes / PageSize);
        _tags = new ulong[slots];
        _rounds = new int[slots];
        // Slots are read only after their tag is set, so their initial contents never matter.
        _pages = GC.AllocateUninitializedArray<byte>(slots * PageSize);
    }

    public const long MaxBytes = 1L << 30;

    public int Slots => _tags.Length;

    /// <summary>
    /// The slot for <paramref name="pageNumber"/>; <paramref name="hit"/> says whether it holds that page
    /// as last sent. Whatever the caller sends next must be written back with <see cref="Store"/>.
    /// </summary>
    public ReadOnlySpan<byte> Lookup(ulong pageNumber, out bool hit)
    {
        var slot = (int)(pageNumber % (ulong)_tags.Length);
        hit = _tags[slot] == pageNumber + 1;
        return _pages.AsSpan(slot * PageSize, PageSize);
    }

    /// <summary>
    /// Records <paramref name="page"/>, sent in <paramref name="round"/>, as what the destination now holds
    /// for <paramref name="pageNumber"/>, unless its slot holds another page that is still fresh. Returns
    /// whether the page is cached now.
    /// </summary>
    public bool Store(ulong pageNumber, ReadOnlySpan<byte> page, int round)
    {
        var slot = (int)(pageNumber % (ulong)_tags.Length);
        var tag = _tags[slot];
        if (tag != 0 && tag != pageNumber + 1 && _rounds[slot] + FreshRounds > round)
            return false;
        page[..PageSize].CopyTo(_pages.AsSpan(slot * PageSize, PageSize));
        _tags[slot] = pageNumber + 1;
        _rounds[slot] = round;
        return true;
    }

    /// <summary>The page was sent another way (as a zero marker): its cached copy no longer holds.</summary>
    public void Forget(ulong pageNumber)
    {
        var slot = (int)(pageNumber % (ulong)_tags.Length);
        if (_tags[slot] == pageNumber + 1)
            _tags[slot] = 0;
    }
}
