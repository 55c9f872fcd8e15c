using System.Runtime.InteropServices;

namespace Tern.Kvm.Abi;

#pragma warning disable IDE1006 // kernel field names

[KernelStruct("kvm_segment")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmSegment
{
    public ulong @base;
    public uint limit;
    public ushort selector;
    public byte type, present, dpl, db, s, l, g, avl, unusable, padding;
}

[KernelStruct("kvm_dtable")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmDtable
{
    public ulong @base;
    public ushort limit;
    public ushort padding0, padding1, padding2;
}

[KernelStruct("kvm_sregs")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KvmSregs
{
    public KvmSegment cs, ds, es, fs, gs, ss, tr, ldt;
    public KvmDtable gdt, idt;
    public ulong cr0, cr2, cr3, cr4, cr8, efer, apic_base;
    public fixed ulong interrupt_bitmap[4];
}
