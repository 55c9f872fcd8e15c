using Tern.Kvm.Abi;

namespace Tern.Vmm.Cpu;

/// <summary>
/// The CPUID a vCPU shows: KVM's supported set (what the host and KVM can give a guest), with the
/// per-CPU topology fields set so each vCPU reports its own APIC ID, and AMD's topology extensions
/// withheld (see <see cref="TopologyExtensions"/>).
/// </summary>
public static class CpuidTable
{
    /// <summary>
    /// CPUID 0x80000001 ECX bit 22, TOPOEXT: "leaves 0x8000001D/0x8000001E describe the topology".
    /// KVM's supported set carries those leaves with the host's cores, SMT siblings and cache sharing,
    /// which a VM of a few vCPUs does not have; a Linux guest that trusted them misbehaved in user
    /// space (a static busybox pipeline faulted reading its TLS; the same guest under QEMU, whose
    /// `-cpu host` leaves TOPOEXT out, did not). Without the bit the guest takes its topology from
    /// leaves 1 and 0xB, which this table sets per vCPU, as QEMU's guests do.
    /// </summary>
    public const uint TopologyExtensions = 1u << 22;

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
                case 0x8000_0001:
                    e.ecx &= ~TopologyExtensions;
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
