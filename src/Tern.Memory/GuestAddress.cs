namespace Tern.Memory;

/// <summary>A guest-physical address.</summary>
public readonly record struct GuestAddress(ulong Value) : IComparable<GuestAddress>
{
    public const int PageShift = 12;
    public const ulong PageSize = 1UL << PageShift;

    public ulong PageNumber => Value >> PageShift;
    public GuestAddress Offset(ulong bytes) => new(checked(Value + bytes));
    public int CompareTo(GuestAddress other) => Value.CompareTo(other.Value);
    public override string ToString() => $"0x{Value:x}";
    public static implicit operator GuestAddress(ulong value) => new(value);
}
