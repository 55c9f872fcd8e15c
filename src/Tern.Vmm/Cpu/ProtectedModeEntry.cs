using Tern.Kvm.Abi;

namespace Tern.Vmm.Cpu;

/// <summary>
/// The CPU state the Multiboot specification (section 3.2) promises at a kernel's entry: 32-bit
/// protected mode, paging off, flat 4 GiB code and data segments, interrupts off, EAX the loader magic
/// and EBX the information block. KVM caches segment descriptors, so no GDT needs to exist in memory.
/// </summary>
public static class ProtectedModeEntry
{
    private const ulong Cr0ProtectionEnable = 1, Cr0ExtensionType = 1 << 4;
    private const ushort CodeSelector = 0x08, DataSelector = 0x10;

    public static void Apply(ref KvmRegs regs, ref KvmSregs sregs, ulong entry, uint eax, uint ebx)
    {
        var code = FlatSegment(CodeSelector, type: 0xb); // execute/read, accessed
        var data = FlatSegment(DataSelector, type: 0x3); // read/write, accessed
        sregs.cs = code;
        sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
        sregs.cr0 = (sregs.cr0 | Cr0ProtectionEnable | Cr0ExtensionType) & ~(1UL << 31);
        sregs.cr4 = 0;
        sregs.efer = 0;

        regs = default;
        regs.rip = entry;
        regs.rax = eax;
        regs.rbx = ebx;
        regs.rflags = 0x2; // bit 1 is always set; IF clear
    }

    private static KvmSegment FlatSegment(ushort selector, byte type) => new()
    {
        @base = 0,
        limit = 0xffff_ffff,
        selector = selector,
        type = type,
        present = 1,
        dpl = 0,
        db = 1,
        s = 1,
        l = 0,
        g = 1,
    };
}
