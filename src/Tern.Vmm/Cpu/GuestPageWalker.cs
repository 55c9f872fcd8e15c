using Tern.Kvm.Abi;
using Tern.Memory;

namespace Tern.Vmm.Cpu;

/// <summary>
/// Translates a guest-virtual address the way the guest's MMU would (no paging, 32-bit, PAE or
/// 4-level long mode), so the VMM can show the bytes of an instruction KVM failed on.
/// </summary>
public static class GuestPageWalker
{
    private const ulong Present = 1, PageSizeBit = 1 << 7;
    private const ulong AddressMask = 0x000f_ffff_ffff_f000;

    public static bool TryTranslate(GuestMemory memory, in KvmSregs sregs, ulong virtualAddress, out ulong physical)
    {
        physical = 0;
        var pagingOn = (sregs.cr0 & (1UL << 31)) != 0;
        if (!pagingOn)
        {
            physical = virtualAddress & 0xffff_ffff;
            return true;
        }
        var pae = (sregs.cr4 & (1 << 5)) != 0;
        var longMode = (sregs.efer & (1 << 10)) != 0;
        if (!pae)
            return Walk32(memory, sregs.cr3, (sregs.cr4 & (1 << 4)) != 0, (uint)virtualAddress, out physical);

        ulong table;
        int level;
        if (longMode)
        {
            table = sregs.cr3 & AddressMask;
            level = 4;
        }
        else
        {
            var pdpte = ReadEntry(memory, (sregs.cr3 & 0xffff_ffe0) + ((virtualAddress >> 30) & 3) * 8);
            if ((pdpte & Present) == 0)
                return false;
            table = pdpte & AddressMask;
            level = 2;
        }
        for (; level >= 1; level--)
        {
            var shift = 12 + 9 * (level - 1);
            var entry = ReadEntry(memory, table + ((virtualAddress >> shift) & 0x1ff) * 8);
            if ((entry & Present) == 0)
                return false;
            if (level == 1 || (level <= 3 && (entry & PageSizeBit) != 0))
            {
                var pageMask = (1UL << shift) - 1;
                physical = (entry & AddressMask & ~pageMask) | (virtualAddress & pageMask);
                return true;
            }
            table = entry & AddressMask;
        }
        return false;
    }

    private static bool Walk32(GuestMemory memory, ulong cr3, bool pse, uint address, out ulong physical)
    {
        physical = 0;
        var pde = ReadEntry32(memory, (cr3 & 0xffff_f000) + (address >> 22) * 4);
        if ((pde & Present) == 0)
            return false;
        // PS selects a 4 MiB page only with CR4.PSE; otherwise the bit is ignored (Intel SDM vol. 3, 4.3).
        if ((pde & PageSizeBit) != 0 && pse)
        {
            physical = (pde & 0xffc0_0000) | (address & 0x3f_ffff);
            return true;
        }
        var pte = ReadEntry32(memory, (pde & 0xffff_f000) + ((address >> 12) & 0x3ff) * 4);
        if ((pte & Present) == 0)
            return false;
        physical = (pte & 0xffff_f000) | (address & 0xfff);
        return true;
    }

    private static ulong ReadEntry(GuestMemory memory, ulong address) =>
        memory.IsMapped(address, 8) ? memory.Read<ulong>(address) : 0;

    private static ulong ReadEntry32(GuestMemory memory, ulong address) =>
        memory.IsMapped(address, 4) ? memory.Read<uint>(address) : 0;
}
