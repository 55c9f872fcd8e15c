using Tern.Kvm.Abi;
using Tern.Vmm.Boot;
using Tern.Vmm.Cpu;

namespace Tern.Vmm.Tests.Cpu;

/// <summary>The machine state at a Multiboot kernel's entry: Multiboot Specification 0.6.96, section 3.2.</summary>
public class ProtectedModeEntryTests
{
    private const ulong Entry = 0x10_000c;
    private const uint InfoAddress = 0x10_3000;

    [Fact]
    public void Eax_holds_the_bootloader_magic_and_ebx_the_info_address()
    {
        var (regs, _) = Apply();
        regs.rax.ShouldBe(0x2BADB002UL);
        regs.rbx.ShouldBe((ulong)InfoAddress);
    }

    [Fact]
    public void Execution_starts_at_the_entry_point() =>
        Apply().Regs.rip.ShouldBe(Entry);

    [Fact]
    public void Interrupts_are_off_with_only_the_reserved_flag_bit_set() =>
        Apply().Regs.rflags.ShouldBe(0x2UL);

    [Fact]
    public void Every_other_general_register_is_cleared()
    {
        var (regs, _) = Apply(stale: true);
        new[] { regs.rcx, regs.rdx, regs.rsi, regs.rdi, regs.rsp, regs.rbp, regs.r8, regs.r15 }.ShouldAllBe(r => r == 0);
    }

    [Fact]
    public void Cs_is_a_flat_32_bit_execute_read_code_segment()
    {
        var cs = Apply().Sregs.cs;
        (cs.@base, cs.limit, cs.selector, cs.type).ShouldBe((0UL, 0xffff_ffffu, (ushort)0x08, (byte)0xb));
        (cs.present, cs.s, cs.db, cs.g, cs.l, cs.dpl).ShouldBe(((byte)1, (byte)1, (byte)1, (byte)1, (byte)0, (byte)0));
    }

    [Fact]
    public void Data_and_stack_segments_are_flat_32_bit_read_write()
    {
        var s = Apply().Sregs;
        foreach (var seg in new[] { s.ds, s.es, s.fs, s.gs, s.ss })
        {
            (seg.@base, seg.limit, seg.selector, seg.type).ShouldBe((0UL, 0xffff_ffffu, (ushort)0x10, (byte)0x3));
            (seg.present, seg.s, seg.db, seg.g, seg.l).ShouldBe(((byte)1, (byte)1, (byte)1, (byte)1, (byte)0));
        }
    }

    [Fact]
    public void Protection_is_enabled_and_paging_is_off()
    {
        (Apply().Sregs.cr0 & 1).ShouldBe(1UL);
        (Apply(stale: true).Sregs.cr0 & (1UL << 31)).ShouldBe(0UL);
    }

    [Fact]
    public void Other_cr0_bits_such_as_cache_disable_are_kept()
    {
        // CD (bit 30) and NW (bit 29) are what KVM resets CR0 to; ET (bit 4) is always set.
        var cr0 = Apply(stale: true).Sregs.cr0;
        cr0.ShouldBe(0x6000_0011UL);
    }

    [Fact]
    public void Pae_and_long_mode_are_off()
    {
        var s = Apply(stale: true).Sregs;
        s.cr4.ShouldBe(0UL);
        s.efer.ShouldBe(0UL);
    }

    private static (KvmRegs Regs, KvmSregs Sregs) Apply(bool stale = false)
    {
        var regs = stale ? new KvmRegs { rcx = 1, rdx = 2, rsi = 3, rdi = 4, rsp = 0x7000, rbp = 6, r8 = 8, r15 = 15, rflags = 0x202 } : default;
        var sregs = new KvmSregs { cr0 = stale ? 0xe000_0011UL : 0x6000_0010UL, cr4 = stale ? 0x20UL : 0, efer = stale ? 0x500UL : 0 };
        ProtectedModeEntry.Apply(ref regs, ref sregs, Entry, MultibootKernel.BootloaderMagic, InfoAddress);
        return (regs, sregs);
    }
}
