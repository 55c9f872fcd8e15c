using Tern.Kvm.Abi;
using Tern.Memory;
using Tern.Vmm.Cpu;

namespace Tern.Vmm.Tests.Cpu;

/// <summary>
/// Page tables are built by hand in guest memory following the Intel SDM vol. 3, chapter 4 (32-bit paging
/// 4.3, PAE 4.4, 4-level 4.5): P is bit 0, PS bit 7, addresses in bits 51:12.
/// </summary>
public class GuestPageWalkerTests : IDisposable
{
    private const ulong P = 1, RW = 2, PS = 1 << 7, NX = 1UL << 63;
    private const ulong Cr0Pe = 1, Cr0Pg = 1UL << 31, Cr4Pse = 1 << 4, Cr4Pae = 1 << 5, EferLme = 1 << 8, EferLma = 1 << 10;

    private readonly GuestMemory _memory = TestRam.Low(8 * TestRam.MiB);

    public void Dispose() => _memory.Dispose();

    [Fact]
    public void Without_paging_a_virtual_address_is_its_physical_address()
    {
        Translate(new KvmSregs { cr0 = Cr0Pe }, 0x12_3456).ShouldBe(0x12_3456UL);
    }

    [Fact]
    public void Without_paging_only_the_low_32_bits_count()
    {
        Translate(new KvmSregs { cr0 = Cr0Pe }, 0x1_0000_1234).ShouldBe(0x1234UL);
    }

    [Fact]
    public void Without_paging_even_an_address_outside_ram_translates()
    {
        // Identity needs no memory access; whether the bytes exist is the caller's question.
        Translate(new KvmSregs { cr0 = Cr0Pe }, 0xfee0_0000).ShouldBe(0xfee0_0000UL);
    }

    [Fact]
    public void Paging_32_bit_maps_a_4_KiB_page_through_directory_and_table()
    {
        // 0x00403abc: directory index 1, table index 3, offset 0xabc.
        Write32(0x1000 + 1 * 4, 0x2000 | P | RW);
        Write32(0x2000 + 3 * 4, 0x5000 | P);
        Translate(Paging32(cr3: 0x1000), 0x0040_3abc).ShouldBe(0x5abcUL);
    }

    [Fact]
    public void Paging_32_bit_ignores_the_flag_bits_of_the_table_entry()
    {
        Write32(0x1000, 0x2000 | P);
        Write32(0x2000, 0x5000 | P | RW | 0x60 | 0x100); // accessed, dirty, global
        Translate(Paging32(cr3: 0x1000), 0x123).ShouldBe(0x5123UL);
    }

    [Fact]
    public void Paging_32_bit_maps_a_4_MiB_page_from_a_directory_entry_with_ps()
    {
        // 0xc0123456: directory index 0x300, 22-bit offset 0x123456.
        Write32(0x1000 + 0x300 * 4, 0x0040_0000 | P | PS);
        Translate(Paging32(cr3: 0x1000, cr4: Cr4Pse), 0xc012_3456).ShouldBe(0x0052_3456UL);
    }

    [Fact]
    public void Paging_32_bit_with_a_directory_entry_not_present_fails()
    {
        Write32(0x1000 + 1 * 4, 0x2000); // P clear
        TryTranslate(Paging32(cr3: 0x1000), 0x0040_0000, out _).ShouldBeFalse();
    }

    [Fact]
    public void Paging_32_bit_with_a_table_entry_not_present_fails()
    {
        Write32(0x1000, 0x2000 | P);
        Write32(0x2000 + 5 * 4, 0x5000); // P clear
        TryTranslate(Paging32(cr3: 0x1000), 0x5000, out _).ShouldBeFalse();
    }

    [Fact]
    public void Paging_32_bit_with_a_page_table_outside_ram_fails_instead_of_throwing()
    {
        Write32(0x1000, 0x4000_0000 | P); // table at 1 GiB, beyond the 8 MiB of RAM
        TryTranslate(Paging32(cr3: 0x1000), 0x5000, out _).ShouldBeFalse();
    }

    [Fact]
    public void A_cr3_outside_ram_fails_instead_of_throwing() =>
        TryTranslate(Paging32(cr3: 0x8000_0000), 0x5000, out _).ShouldBeFalse();

    [Fact]
    public void Pae_maps_a_4_KiB_page_through_pdpt_directory_and_table()
    {
        // 0x40201abc: PDPT index 1, directory index 1, table index 1, offset 0xabc.
        Write64(0x1000 + 1 * 8, 0x2000 | P);
        Write64(0x2000 + 1 * 8, 0x3000 | P | RW);
        Write64(0x3000 + 1 * 8, 0x7000 | P | NX);
        Translate(Pae(cr3: 0x1000), 0x4020_1abc).ShouldBe(0x7abcUL);
    }

    [Fact]
    public void Pae_uses_a_cr3_aligned_to_32_bytes()
    {
        // In PAE mode CR3 bits 31:5 locate the PDPT, which need not be page aligned.
        Write64(0x1020, 0x2000 | P);
        Write64(0x2000, 0x3000 | P);
        Write64(0x3000, 0x7000 | P);
        Translate(Pae(cr3: 0x1020), 0x10).ShouldBe(0x7010UL);
    }

    [Fact]
    public void Pae_maps_a_2_MiB_page_from_a_directory_entry_with_ps()
    {
        // 0x80312345: PDPT index 2, directory index 1, 21-bit offset 0x112345.
        Write64(0x1000 + 2 * 8, 0x2000 | P);
        Write64(0x2000 + 1 * 8, 0x0060_0000 | P | PS);
        Translate(Pae(cr3: 0x1000), 0x8031_2345).ShouldBe(0x0071_2345UL);
    }

    [Fact]
    public void Pae_with_a_pdpt_entry_not_present_fails()
    {
        Write64(0x1000 + 3 * 8, 0x2000);
        TryTranslate(Pae(cr3: 0x1000), 0xc000_0000, out _).ShouldBeFalse();
    }

    [Fact]
    public void Long_mode_maps_a_4_KiB_page_through_four_levels()
    {
        var va = Canonical(pml4: 0x1ff, pdpt: 0x1fe, pd: 3, pt: 4, offset: 0x567); // 0xffffff80_00604567
        Write64(0x1000 + 0x1ff * 8, 0x2000 | P);
        Write64(0x2000 + 0x1fe * 8, 0x3000 | P);
        Write64(0x3000 + 3 * 8, 0x4000 | P);
        Write64(0x4000 + 4 * 8, 0x12_3000 | P | NX);
        Translate(LongMode(cr3: 0x1000), va).ShouldBe(0x12_3567UL);
    }

    [Fact]
    public void Long_mode_maps_a_2_MiB_page_from_a_directory_entry_with_ps()
    {
        var va = Canonical(pml4: 0, pdpt: 1, pd: 2, pt: 0x15, offset: 0x678);
        Write64(0x1000, 0x2000 | P);
        Write64(0x2000 + 1 * 8, 0x3000 | P);
        Write64(0x3000 + 2 * 8, 0x20_0000 | P | PS);
        Translate(LongMode(cr3: 0x1000), va).ShouldBe(0x21_5678UL);
    }

    [Fact]
    public void Long_mode_maps_a_1_GiB_page_from_a_pdpt_entry_with_ps()
    {
        var va = Canonical(pml4: 1, pdpt: 2, pd: 3, pt: 4, offset: 0x5);
        Write64(0x1000 + 1 * 8, 0x2000 | P);
        Write64(0x2000 + 2 * 8, 0x1_4000_0000 | P | PS);
        Translate(LongMode(cr3: 0x1000), va).ShouldBe(0x1_4000_0000UL + (3UL << 21) + (4UL << 12) + 5);
    }

    [Fact]
    public void Long_mode_large_page_addresses_ignore_the_pat_bit_and_nx()
    {
        // Bit 12 of a 2 MiB PDE is PAT, not an address bit.
        Write64(0x1000, 0x2000 | P);
        Write64(0x2000, 0x3000 | P);
        Write64(0x3000, 0x40_0000 | 0x1000 | P | PS | NX);
        Translate(LongMode(cr3: 0x1000), 0x1234).ShouldBe(0x40_1234UL);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(1)]
    public void Long_mode_with_an_entry_not_present_at_any_level_fails(int missingLevel)
    {
        ulong[] tables = [0x1000, 0x2000, 0x3000, 0x4000];
        for (var level = 4; level >= 1; level--)
        {
            var next = level == 1 ? 0x9000 : tables[5 - level];
            Write64(tables[4 - level], (ulong)next | (level == missingLevel ? 0 : P));
        }
        TryTranslate(LongMode(cr3: 0x1000), 0x123, out _).ShouldBeFalse();
    }

    [Fact]
    public void Long_mode_ignores_cr3_flag_bits()
    {
        Write64(0x1000, 0x2000 | P);
        Write64(0x2000, 0x3000 | P);
        Write64(0x3000, 0x4000 | P);
        Write64(0x4000, 0x9000 | P);
        Translate(LongMode(cr3: 0x1000 | 0x18), 0x42).ShouldBe(0x9042UL); // PWT | PCD
    }

    private static ulong Canonical(ulong pml4, ulong pdpt, ulong pd, ulong pt, ulong offset)
    {
        var va = (pml4 << 39) | (pdpt << 30) | (pd << 21) | (pt << 12) | offset;
        return (va & (1UL << 47)) != 0 ? va | 0xffff_0000_0000_0000 : va;
    }

    private static KvmSregs Paging32(ulong cr3, ulong cr4 = 0) => new() { cr0 = Cr0Pe | Cr0Pg, cr3 = cr3, cr4 = cr4 };
    private static KvmSregs Pae(ulong cr3) => new() { cr0 = Cr0Pe | Cr0Pg, cr3 = cr3, cr4 = Cr4Pae };
    private static KvmSregs LongMode(ulong cr3) => new() { cr0 = Cr0Pe | Cr0Pg, cr3 = cr3, cr4 = Cr4Pae, efer = EferLme | EferLma };

    private void Write32(ulong address, ulong entry) => _memory.Write(address, checked((uint)entry));
    private void Write64(ulong address, ulong entry) => _memory.Write(address, entry);

    private bool TryTranslate(KvmSregs sregs, ulong virtualAddress, out ulong physical) =>
        GuestPageWalker.TryTranslate(_memory, sregs, virtualAddress, out physical);

    private ulong Translate(KvmSregs sregs, ulong virtualAddress)
    {
        TryTranslate(sregs, virtualAddress, out var physical).ShouldBeTrue();
        return physical;
    }
}
