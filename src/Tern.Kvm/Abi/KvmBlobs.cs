using System.Runtime.InteropServices;

namespace Tern.Kvm.Abi;

// State KVM hands out and takes back whole. Tern never interprets most of it, so each is a
// fixed-size blob; snapshots store the bytes and pad or cut them on load, so a snapshot survives the
// kernel growing a struct (as rust-vmm does).

[KernelStruct("kvm_fpu")]
[StructLayout(LayoutKind.Sequential, Size = 416)]
public struct KvmFpu;

[KernelStruct("kvm_xsave")]
[StructLayout(LayoutKind.Sequential, Size = 4096)]
public struct KvmXsave;

[KernelStruct("kvm_xcrs")]
[StructLayout(LayoutKind.Sequential, Size = 392)]
public struct KvmXcrs;

[KernelStruct("kvm_lapic_state")]
[StructLayout(LayoutKind.Sequential, Size = 1024)]
public struct KvmLapicState;

[KernelStruct("kvm_vcpu_events")]
[StructLayout(LayoutKind.Sequential, Size = 64)]
public struct KvmVcpuEvents;

[KernelStruct("kvm_debugregs")]
[StructLayout(LayoutKind.Sequential, Size = 128)]
public struct KvmDebugRegs;

[KernelStruct("kvm_irqchip")]
[StructLayout(LayoutKind.Sequential, Size = 520)]
public struct KvmIrqchip;

[KernelStruct("kvm_pit_state2")]
[StructLayout(LayoutKind.Sequential, Size = 112)]
public struct KvmPitState2;

[KernelStruct("kvm_clock_data")]
[StructLayout(LayoutKind.Sequential, Size = 48)]
public struct KvmClockData;

/// <summary>Helpers to view any blob struct as bytes.</summary>
public static class KvmBlob
{
    public static Span<byte> AsBytes<T>(ref T value) where T : unmanaged => MemoryMarshal.AsBytes(new Span<T>(ref value));

    public static byte[] ToArray<T>(in T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray();

    /// <summary>Rebuilds a struct from saved bytes, padding with zeros or cutting, so older and newer layouts both load.</summary>
    public static T FromBytes<T>(ReadOnlySpan<byte> bytes) where T : unmanaged
    {
        T value = default;
        var target = AsBytes(ref value);
        bytes[..Math.Min(bytes.Length, target.Length)].CopyTo(target);
        return value;
    }
}
