using Tern.Kvm.Abi;

namespace Tern.Vmm.Cpu;

/// <summary>
/// The CPUID a vCPU shows: KVM's supported set (what the host and KVM can give a guest), with the
/// per-CPU topology fields set so each vCPU reports its own APIC ID, and the invariant TSC withheld
/// (see <see cref="InvariantTsc"/>).
/// </summary>
public static class CpuidTable
{
    /// <summary>
    /// CPUID 0x80000007 EDX bit 8: "the TSC runs at a constant rate". A guest told so may take the raw
    /// TSC as its clock (Linux then prefers it to kvm-clock). After a live migration to a host whose
    /// TSC runs at another rate that clock would run fast or slow, since Tern does not scale the
    /// guest's TSC (KVM_SET_TSC_KHZ); kvm-clock follows the new host's rate. QEMU withholds the bit too
    /// unless the user pins a TSC frequency, and treats it as a migration blocker otherwise.
    /// </summary>
    public const uint InvariantTsc = 1u << 8;

    public static KvmCpuidEntry2[] ForVcpu(ReadOnlySpan<KvmCpuidEntry2> supported, int vcpuId, int vcpuCount)
    {
        var entries = supported.ToArray();
        for (var i = 0; i < entries.Length; i++)
        {
            ref var e = ref entries[i];
            switch (e.function)
            {
                case 1:
                    // EBX[31:24] initial APIC ID, EBX[23:16] logical processors per package; EDX bit 28 HTT says the latter is valid.
                    e.ebx = (e.ebx & 0x0000_ffff) | ((uint)vcpuId << 24) | ((uint)vcpuCount << 16);
                    if (vcpuCount > 1)
                        e.edx |= 1u << 28;
                    break;
                case 0x8000_0007:
                    e.edx &= ~InvariantTsc;
                    break;
                case 0xb or 0x1f:
                    // Extended topology: EDX is the x2APIC ID of this CPU on every sub-leaf.
                    e.edx = (uint)vcpuId;
                    break;
            }
        }
        return entries;
    }
}
