namespace Tern.Migration.Protocol;

/// <summary>How one page travels in a page batch.</summary>
public enum PageEncoding : byte
{
    /// <summary>The page is all zeros: no data follows.</summary>
    Zero = 0,

    /// <summary>The 4096 bytes follow as they are.</summary>
    Raw = 1,
}
