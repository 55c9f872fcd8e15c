using System.Runtime.InteropServices;
using Tern.Kvm.Interop;

namespace Tern.Kvm;

/// <summary>Owns a shared mapping of a vCPU file (its kvm_run page(s), its dirty ring) and unmaps it.</summary>
internal sealed class KvmRunMapping : SafeHandle
{
    public KvmRunMapping(nint address, int length) : base(Libc.MAP_FAILED, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    public int Length { get; }
    public nint Address => handle;
    public override bool IsInvalid => handle == Libc.MAP_FAILED || handle == 0;
    protected override bool ReleaseHandle() => Libc.Munmap(handle, (nuint)Length) == 0;
}
