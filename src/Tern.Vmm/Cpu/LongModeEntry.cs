using System.Buffers.Binary;
using Tern.Kvm.Abi;

namespace Tern.Vmm.Cpu;

/// <summary>
/// The CPU state of the Linux 64-bit boot protocol (Documentation/x86/boot.rst, "64-bit Boot
/// Protocol"): long mode with paging on, the kernel, zero page and command line identity-mapped, a
/// GDT whose selectors 0x10 (__BOOT_CS) and 0x18 (__BOOT_DS) are flat 4 GiB code and data segments,
/// CS = __BOOT_CS, DS/ES/SS = __BOOT_DS, interrupts off and RSI = the zero page. The page tables and
/// the GDT are also written to guest memory: the kernel reads the GDT back and walks the tables
/// until it installs its own, so the cached descriptors in <c>kvm_sregs</c> alone are not enough.
/// </summary>
public static class LongModeEntry
{
    public const ushort CodeSelector = 0x10, DataSelector = 0x18;

    /// <summary>Four descriptors: null, unused, 64-bit code, data (the layout boot.rst names).</summary>
    public const int GdtBytes = 4 * 8;

    /// <summary>PML4, one PDPT and four page directories of 2 MiB pages: 0–4 GiB identity-mapped.</summary>
    public const int PageTableBytes = 6 * 4096;

    private const ulong Cr0ProtectionEnable = 1, Cr0ExtensionType = 1 << 4, Cr0NumericError = 1 << 5, Cr0Paging = 1UL << 31;
    private const ulong Cr4Pae = 1 << 5;
    private const ulong EferLme = 1 << 8, EferLma = 1 << 10;
    private const ulong Present = 1, Writable = 2, LargePage = 1 << 7;

    /// <summary>The GDT descriptors, as <c>GDT_ENTRY(flags, base, limit)</c> in arch/x86/include/asm/segment.h would build them.</summary>
    public static byte[] BuildGdt()
    {
        var gdt = new byte[GdtBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(gdt.AsSpan(CodeSelector), Descriptor(0xa09b)); // present, DPL 0, code exec/read accessed, L=1, G=1
        BinaryPrimitives.WriteUInt64LittleEndian(gdt.AsSpan(DataSelector), Descriptor(0xc093)); // present, DPL 0, data read/write accessed, D/B=1, G=1
        return gdt;
    }

    /// <summary>Identity-mapping tables to be written at <paramref name="pml4Address"/> (page-aligned), covering 0–4 GiB.</summary>
    public static byte[] BuildIdentityPageTables(ulong pml4Address)
    {
        if (pml4Address % 4096 != 0)
            throw new ArgumentException("page tables must be page-aligned", nameof(pml4Address));
        var tables = new byte[PageTableBytes];
        var pdpt = pml4Address + 4096;
        BinaryPrimitives.WriteUInt64LittleEndian(tables, pdpt | Present | Writable);
        for (var gib = 0; gib < 4; gib++)
        {
            var directory = pml4Address + (ulong)(2 + gib) * 4096;
            BinaryPrimitives.WriteUInt64LittleEndian(tables.AsSpan(4096 + gib * 8), directory | Present | Writable);
            for (var entry = 0; entry < 512; entry++)
            {
                var physical = ((ulong)gib << 30) | ((ulong)entry << 21);
                BinaryPrimitives.WriteUInt64LittleEndian(tables.AsSpan((2 + gib) * 4096 + entry * 8), physical | Present | Writable | LargePage);
            }
        }
        return tables;
    }

    public static void Apply(ref KvmRegs regs, ref KvmSregs sregs, ulong entry, ulong bootParams, ulong gdtAddress, ulong pml4Address, ulong stack)
    {
        sregs.cs = Segment(CodeSelector, type: 0xb, longMode: true);
        sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = Segment(DataSelector, type: 0x3, longMode: false);
        sregs.gdt = new KvmDtable { @base = gdtAddress, limit = GdtBytes - 1 };
        sregs.idt = new KvmDtable { @base = 0, limit = 0 };
        sregs.cr3 = pml4Address;
        sregs.cr4 = Cr4Pae;
        sregs.cr0 = Cr0ProtectionEnable | Cr0ExtensionType | Cr0NumericError | Cr0Paging;
        sregs.efer = EferLme | EferLma;

        regs = default;
        regs.rip = entry;
        regs.rsi = bootParams;
        regs.rsp = stack;
        regs.rbp = stack;
        regs.rflags = 0x2; // bit 1 is always set; IF clear
    }

    private static ulong Descriptor(ulong flags) =>
        // Base 0, limit 0xfffff (with G=1: 4 GiB); flags hold the access byte and the G/DB/L nibble.
        ((flags & 0xf0ff) << 40) | (0xfUL << 48) | 0xffff;

    private static KvmSegment Segment(ushort selector, byte type, bool longMode) => new()
    {
        @base = 0,
        limit = 0xffff_ffff,
        selector = selector,
        type = type,
        present = 1,
        dpl = 0,
        db = longMode ? (byte)0 : (byte)1,
        s = 1,
        l = longMode ? (byte)1 : (byte)0,
        g = 1,
    };
}
