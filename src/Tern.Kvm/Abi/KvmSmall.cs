using System.Runtime.InteropServices;

namespace Tern.Kvm.Abi;

#pragma warning disable IDE1006 // kernel field names

[KernelStruct("kvm_userspace_memory_region")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmUserspaceMemoryRegion
{
    public uint slot, flags;
    public ulong guest_phys_addr, memory_size, userspace_addr;
}

[KernelStruct("kvm_cpuid_entry2")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmCpuidEntry2
{
    public uint function, index, flags, eax, ebx, ecx, edx;
    public uint padding0, padding1, padding2;
}

[KernelStruct("kvm_msr_entry")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmMsrEntry
{
    public uint index, reserved;
    public ulong data;
}

[KernelStruct("kvm_dirty_log")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmDirtyLog
{
    public uint slot, padding1;
    public ulong dirty_bitmap;
}

[KernelStruct("kvm_clear_dirty_log")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmClearDirtyLog
{
    public uint slot, num_pages;
    public ulong first_page, dirty_bitmap;
}

[KernelStruct("kvm_dirty_gfn")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmDirtyGfn
{
    public uint flags, slot;
    public ulong offset;
}

[KernelStruct("kvm_irq_level")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmIrqLevel
{
    public uint irq, level;
}

[KernelStruct("kvm_pit_config")]
[StructLayout(LayoutKind.Sequential, Size = 64)]
public struct KvmPitConfig
{
    public uint flags;
}

[KernelStruct("kvm_enable_cap")]
[StructLayout(LayoutKind.Sequential, Size = 104)]
public unsafe struct KvmEnableCap
{
    public uint cap, flags;
    public fixed ulong args[4];
}

[KernelStruct("kvm_mp_state")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmMpState
{
    public uint mp_state;
}
