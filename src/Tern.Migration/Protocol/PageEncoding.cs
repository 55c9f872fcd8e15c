namespace Tern.Migration.Protocol;

/// <summary>How one page travels in a page batch.</summary>
public enum PageEncoding : byte
{
    /// <summary>The page is all zeros: no data follows.</summary>
    Zero = 0,

    /// <summary>The 4096 bytes follow as they are.</summary>
    Raw = 1,

    /// <summary>
    /// An XBZRLE delta against the page the destination holds: a 16-bit little-endian length, then
    /// that many bytes (see <see cref="Compression.XbzrleDelta"/>). Stream format 1.1 and later.
    /// </summary>
    Xbzrle = 2,
}
