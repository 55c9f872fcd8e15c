using System.Runtime.InteropServices;

namespace Tern.Kvm.Abi;

#pragma warning disable IDE1006 // kernel field names

[KernelStruct("kvm_regs")]
[StructLayout(LayoutKind.Sequential)]
public struct KvmRegs
{
    public ulong rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
    public ulong r8, r9, r10, r11, r12, r13, r14, r15;
    public ulong rip, rflags;
}
