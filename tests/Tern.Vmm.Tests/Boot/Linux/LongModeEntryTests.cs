using System.Buffers.Binary;
using Tern.Kvm.Abi;
using Tern.Vmm.Cpu;

namespace Tern.Vmm.Tests.Boot.Linux;

/// <summary>The CPU state of boot.rst's 64-bit boot protocol.</summary>
public sealed class LongModeEntryTests
{
    [Fact]
    public void Entry_is_in_long_mode_with_paging_and_rsi_the_zero_page()
    {
        KvmRegs regs = default;
        KvmSregs sregs = default;
        LongModeEntry.Apply(ref regs, ref sregs, 0x100_0000, 0x7000, 0x500, 0x9000, 0x8ff0);

        regs.rip.ShouldBe(0x100_0000ul);
        regs.rsi.ShouldBe(0x7000ul);
        (regs.rflags & (1 << 9)).ShouldBe(0ul); // interrupts off
        (sregs.cr0 & 0x8000_0001).ShouldBe(0x8000_0001ul);
        (sregs.cr4 & (1 << 5)).ShouldNotBe(0ul);
        sregs.efer.ShouldBe(0x500ul);
        sregs.cr3.ShouldBe(0x9000ul);
        (sregs.cs.selector, sregs.cs.l, sregs.cs.db).ShouldBe(((ushort)0x10, (byte)1, (byte)0));
        new[] { sregs.ds, sregs.es, sregs.ss }.ShouldAllBe(s => s.selector == 0x18 && s.type == 3);
        sregs.gdt.@base.ShouldBe(0x500ul);
    }

    [Fact]
    public void The_gdt_holds_flat_boot_cs_and_boot_ds_as_the_kernel_builds_them()
    {
        var gdt = LongModeEntry.BuildGdt();
        BinaryPrimitives.ReadUInt64LittleEndian(gdt.AsSpan(0x10)).ShouldBe(0x00af_9b00_0000_fffful);
        BinaryPrimitives.ReadUInt64LittleEndian(gdt.AsSpan(0x18)).ShouldBe(0x00cf_9300_0000_fffful);
    }

    [Theory]
    [InlineData(0x0ul)]
    [InlineData(0x100_0000ul)]
    [InlineData(0xbfff_f000ul)]
    [InlineData(0xfee0_0000ul)]
    public void The_page_tables_identity_map_the_first_4_GiB(ulong address)
    {
        using var memory = TestRam.Low(16 * TestRam.MiB);
        memory.Write(0x9000, LongModeEntry.BuildIdentityPageTables(0x9000));
        KvmRegs regs = default;
        KvmSregs sregs = default;
        LongModeEntry.Apply(ref regs, ref sregs, 0, 0, 0x500, 0x9000, 0);

        GuestPageWalker.TryTranslate(memory, sregs, address, out var physical).ShouldBeTrue();
        physical.ShouldBe(address);
    }
}
