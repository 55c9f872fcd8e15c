using Tern.Kvm.Abi;

namespace Tern.Kvm;

/// <summary>
/// One vCPU's dirty ring (KVM_CAP_DIRTY_LOG_RING): KVM appends the slot and page offset of each page
/// the vCPU dirties while logging is on; the VMM collects entries in order and marks each for reuse,
/// and <see cref="VirtualMachine.ResetDirtyRings"/> then hands them back to KVM. Collecting is safe
/// from any thread while the vCPU runs, with one collector at a time.
/// </summary>
public sealed unsafe class DirtyRing : IDisposable
{
    private readonly KvmRunMapping _mapping;
    private readonly uint _mask;
    private uint _next;

    internal DirtyRing(KvmRunMapping mapping, uint entries)
    {
        if (entries == 0 || (entries & (entries - 1)) != 0)
            throw new ArgumentException($"a dirty ring has a power-of-two number of entries, not {entries}", nameof(entries));
        _mapping = mapping;
        _mask = entries - 1;
    }

    public uint Entries => _mask + 1;

    /// <summary>
    /// Copies up to <paramref name="destination"/>.Length entries that KVM has published since the last
    /// call into it and marks them collected. Returns how many; fewer than asked means the ring is drained.
    /// </summary>
    public int Collect(Span<KvmDirtyGfn> destination)
    {
        var ring = (KvmDirtyGfn*)_mapping.Address;
        var count = 0;
        while (count < destination.Length)
        {
            var entry = ring + (_next & _mask);
            // KVM writes slot and offset before it publishes the entry by setting its flag.
            if ((Volatile.Read(ref entry->flags) & KvmConstants.KVM_DIRTY_GFN_F_DIRTY) == 0)
                break;
            destination[count++] = *entry;
            Volatile.Write(ref entry->flags, KvmConstants.KVM_DIRTY_GFN_F_RESET);
            _next++;
        }
        return count;
    }

    public void Dispose() => _mapping.Dispose();
}
