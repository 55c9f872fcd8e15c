using Tern.Kvm.Abi;

namespace Tern.Vmm.Cpu;

/// <summary>
/// The CPUID a vCPU shows: KVM's supported set (what the host and KVM can give a guest), with the
/// per-CPU topology fields set so each vCPU reports its own APIC ID.
/// </summary>
public static class CpuidTable
{
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
                case 0xb or 0x1f:
                    // Extended topology: EDX is the x2APIC ID of this CPU on every sub-leaf.
                    e.edx = (uint)vcpuId;
                    break;
            }
        }
        return entries;
    }
}
