using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tern.Kvm.Abi;
using Tern.Kvm.Interop;

namespace Tern.Kvm.Tests;

/// <summary>Every struct, ioctl number and constant Tern.Kvm declares matches the kernel headers on this machine.</summary>
public sealed class AbiTests
{
    private static readonly Type[] KernelStructs = typeof(KvmRegs).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<KernelStructAttribute>() is not null).ToArray();

    private static readonly FieldInfo[] Ioctls = typeof(KvmIoctls).GetFields(BindingFlags.Public | BindingFlags.Static);

    private static readonly FieldInfo[] KernelConstants = typeof(KvmConstants).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && !f.Name.StartsWith("KVM_RUN_", StringComparison.Ordinal)).ToArray();

    private static readonly Lazy<IReadOnlyDictionary<string, ulong>> Header = new(() => KernelHeaders.Evaluate(
        KernelStructs.Select(t => ($"sizeof_{KernelName(t)}", $"sizeof(struct {KernelName(t)})"))
            .Concat(Ioctls.Select(f => (f.Name, f.Name)))
            .Concat(KernelConstants.Select(f => (f.Name, f.Name)))
            .Concat(
            [
                ("KVM_RUN_IMMEDIATE_EXIT", "offsetof(struct kvm_run, immediate_exit)"),
                ("KVM_RUN_EXIT_REASON", "offsetof(struct kvm_run, exit_reason)"),
                ("KVM_RUN_IF_FLAG", "offsetof(struct kvm_run, if_flag)"),
                ("KVM_RUN_EXIT_UNION", "offsetof(struct kvm_run, io)"),
                ("io.port", "offsetof(struct kvm_run, io.port) - offsetof(struct kvm_run, io)"),
                ("io.count", "offsetof(struct kvm_run, io.count) - offsetof(struct kvm_run, io)"),
                ("io.data_offset", "offsetof(struct kvm_run, io.data_offset) - offsetof(struct kvm_run, io)"),
                ("mmio.data", "offsetof(struct kvm_run, mmio.data) - offsetof(struct kvm_run, io)"),
                ("mmio.len", "offsetof(struct kvm_run, mmio.len) - offsetof(struct kvm_run, io)"),
                ("mmio.is_write", "offsetof(struct kvm_run, mmio.is_write) - offsetof(struct kvm_run, io)"),
                ("internal.data", "offsetof(struct kvm_run, internal.data) - offsetof(struct kvm_run, io)"),
                ("sregs.interrupt_bitmap", "offsetof(struct kvm_sregs, interrupt_bitmap)"),
                ("sregs.efer", "offsetof(struct kvm_sregs, efer)"),
            ])));

    private static string KernelName(Type t) => t.GetCustomAttribute<KernelStructAttribute>()!.Name;

    public static TheoryData<string> StructNames() => new(KernelStructs.Select(t => t.Name));

    public static TheoryData<string> IoctlNames() => new(Ioctls.Select(f => f.Name));

    public static TheoryData<string> ConstantNames() => new(KernelConstants.Select(f => f.Name));

    [Theory]
    [MemberData(nameof(StructNames))]
    public void Struct_size_matches_the_kernel_header(string typeName)
    {
        var type = KernelStructs.Single(t => t.Name == typeName);
        var size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
        ((ulong)size).ShouldBe(Header.Value[$"sizeof_{KernelName(type)}"], $"struct {KernelName(type)}");
    }

    [Theory]
    [MemberData(nameof(IoctlNames))]
    public void Ioctl_number_matches_the_kernel_header(string name)
    {
        var value = (nuint)Ioctls.Single(f => f.Name == name).GetValue(null)!;
        ((ulong)value).ShouldBe(Header.Value[name], $"{name} = 0x{(ulong)value:x}");
    }

    [Theory]
    [MemberData(nameof(ConstantNames))]
    public void Constant_matches_the_kernel_header(string name)
    {
        var value = Convert.ToUInt64(KernelConstants.Single(f => f.Name == name).GetValue(null));
        value.ShouldBe(Header.Value[name], name);
    }

    [Fact]
    public void Kvm_run_offsets_match_the_kernel_header()
    {
        Header.Value["KVM_RUN_IMMEDIATE_EXIT"].ShouldBe((ulong)KvmConstants.KVM_RUN_IMMEDIATE_EXIT);
        Header.Value["KVM_RUN_EXIT_REASON"].ShouldBe((ulong)KvmConstants.KVM_RUN_EXIT_REASON);
        Header.Value["KVM_RUN_IF_FLAG"].ShouldBe((ulong)KvmConstants.KVM_RUN_IF_FLAG);
        Header.Value["KVM_RUN_EXIT_UNION"].ShouldBe((ulong)KvmConstants.KVM_RUN_EXIT_UNION);
    }

    [Fact]
    public void Exit_union_field_offsets_are_the_ones_Vcpu_reads()
    {
        // Vcpu.GetIoExit/GetMmioExit/GetInternalError read these offsets inside the exit union.
        Header.Value["io.port"].ShouldBe(2UL);
        Header.Value["io.count"].ShouldBe(4UL);
        Header.Value["io.data_offset"].ShouldBe(8UL);
        Header.Value["mmio.data"].ShouldBe(8UL);
        Header.Value["mmio.len"].ShouldBe(16UL);
        Header.Value["mmio.is_write"].ShouldBe(20UL);
        Header.Value["internal.data"].ShouldBe(8UL);
    }

    [Fact]
    public void Sregs_field_offsets_match()
    {
        Header.Value["sregs.efer"].ShouldBe((ulong)Marshal.OffsetOf<KvmSregs>(nameof(KvmSregs.efer)));
        Header.Value["sregs.interrupt_bitmap"].ShouldBe((ulong)Marshal.OffsetOf<KvmSregs>(nameof(KvmSregs.interrupt_bitmap)));
    }

    [Fact]
    public void Sigaction_layout_is_glibcs()
    {
        Unsafe.SizeOf<Signals.SigAction>().ShouldBe(152);
    }
}
