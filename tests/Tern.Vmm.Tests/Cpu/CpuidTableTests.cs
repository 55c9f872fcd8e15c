using Tern.Kvm.Abi;
using Tern.Vmm.Cpu;

namespace Tern.Vmm.Tests.Cpu;

public class CpuidTableTests
{
    private const uint Htt = 1u << 28;

    // Leaf 1 as a host might report it: CLFLUSH line size 8 and brand index 0x12 in EBX[15:0], a stale APIC ID and count above.
    private static readonly KvmCpuidEntry2[] Supported =
    [
        new() { function = 0, eax = 0x1f, ebx = 0x756e_6547 },
        new() { function = 1, eax = 0x000a_0655, ebx = 0x0702_0812, ecx = 0xf7fa_3223, edx = 0x078b_fbff & ~Htt },
        new() { function = 0xb, index = 0, eax = 1, ebx = 1, ecx = 0x100, edx = 0x77 },
        new() { function = 0xb, index = 1, eax = 4, ebx = 2, ecx = 0x201, edx = 0x77 },
        new() { function = 0x1f, index = 0, eax = 1, ebx = 1, ecx = 0x100, edx = 0x77 },
        new() { function = 0x8000_0007, edx = 0x0000_0100 | 0x0000_0200 },
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Leaf_1_reports_the_vcpu_id_as_initial_apic_id_in_ebx_bits_31_to_24(int vcpuId)
    {
        var leaf1 = Leaf(CpuidTable.ForVcpu(Supported, vcpuId, 8), 1);
        (leaf1.ebx >> 24).ShouldBe((uint)vcpuId);
    }

    [Fact]
    public void Leaf_1_reports_the_logical_processor_count_in_ebx_bits_23_to_16()
    {
        var leaf1 = Leaf(CpuidTable.ForVcpu(Supported, 1, 2), 1);
        ((leaf1.ebx >> 16) & 0xff).ShouldBe(2u);
    }

    [Fact]
    public void Leaf_1_keeps_the_low_half_of_ebx()
    {
        var leaf1 = Leaf(CpuidTable.ForVcpu(Supported, 1, 2), 1);
        (leaf1.ebx & 0xffff).ShouldBe(0x0812u);
    }

    [Fact]
    public void With_two_vcpus_leaf_1_sets_htt_so_the_count_is_valid()
    {
        var leaf1 = Leaf(CpuidTable.ForVcpu(Supported, 0, 2), 1);
        (leaf1.edx & Htt).ShouldBe(Htt);
        (leaf1.edx & ~Htt).ShouldBe(Supported[1].edx);
    }

    [Fact]
    public void With_one_vcpu_leaf_1_leaves_htt_clear()
    {
        var leaf1 = Leaf(CpuidTable.ForVcpu(Supported, 0, 1), 1);
        (leaf1.edx & Htt).ShouldBe(0u);
    }

    [Theory]
    [InlineData(0xbu)]
    [InlineData(0x1fu)]
    public void Extended_topology_leaves_report_the_x2apic_id_in_edx_on_every_subleaf(uint function)
    {
        var table = CpuidTable.ForVcpu(Supported, 5, 8);
        var subleaves = table.Where(e => e.function == function).ToList();
        subleaves.ShouldNotBeEmpty();
        subleaves.ShouldAllBe(e => e.edx == 5u);
    }

    [Fact]
    public void Extended_topology_leaves_keep_their_other_registers()
    {
        var subleaf1 = CpuidTable.ForVcpu(Supported, 5, 8).Single(e => e.function == 0xb && e.index == 1);
        (subleaf1.eax, subleaf1.ebx, subleaf1.ecx).ShouldBe((4u, 2u, 0x201u));
    }

    [Fact]
    public void The_invariant_tsc_is_withheld_and_the_rest_of_leaf_0x80000007_kept()
    {
        var leaf = Leaf(CpuidTable.ForVcpu(Supported, 0, 1), 0x8000_0007);
        (leaf.edx & CpuidTable.InvariantTsc).ShouldBe(0u, "a guest that trusted it would keep the old host's TSC rate after a migration");
        leaf.edx.ShouldBe(0x0000_0200u);
    }

    [Fact]
    public void Other_leaves_are_passed_through_unchanged()
    {
        var table = CpuidTable.ForVcpu(Supported, 3, 4);
        table[0].ShouldBe(Supported[0]);
        table[1].eax.ShouldBe(Supported[1].eax);
        table[1].ecx.ShouldBe(Supported[1].ecx);
    }

    [Fact]
    public void The_supported_table_is_not_modified()
    {
        var supported = Supported.ToArray();
        CpuidTable.ForVcpu(supported, 3, 4);
        supported.ShouldBe(Supported);
    }

    private static KvmCpuidEntry2 Leaf(KvmCpuidEntry2[] table, uint function) => table.Single(e => e.function == function);
}
