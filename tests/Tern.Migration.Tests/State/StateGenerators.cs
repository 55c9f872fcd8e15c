using FsCheck;
using FsCheck.Fluent;
using Tern.Vmm.Devices.I8042;
using Tern.Vmm.Devices.Serial;
using Tern.Vmm.State;

namespace Tern.Migration.Tests.State;

/// <summary>FsCheck generators for the machine state records.</summary>
internal static class StateGenerators
{
    private static Gen<byte> Byte => ArbMap.Default.GeneratorFor<byte>();
    private static Gen<byte[]> Blob(int max) => Generators.Bytes(max);

    public static Gen<MachineDescription> Description(int maxVcpus = 64) =>
        from memoryPages in Gen.Choose(1, 1 << 20)
        from vcpus in Gen.Choose(1, maxVcpus)
        from kernel in Generators.Text(0, 100)
        from commandLine in Generators.Text(0, 200)
        select new MachineDescription(MachineDescription.CurrentVersion, new MachineShape((ulong)memoryPages << 12, vcpus), kernel, commandLine);

    public static Gen<VmState> Vm =>
        from blobs in Gen.ArrayOf(Blob(600), 5)
        select new VmState(VmState.CurrentVersion, blobs[0], blobs[1], blobs[2], blobs[3], blobs[4]);

    public static Gen<VcpuState> Vcpu(int id) =>
        from blobs in Gen.ArrayOf(Blob(1100), 9)
        from mpState in ArbMap.Default.GeneratorFor<uint>()
        from msrCount in Gen.Choose(0, 60)
        from msrs in Gen.ArrayOf(
            from index in ArbMap.Default.GeneratorFor<uint>()
            from value in Generators.ULong
            select new MsrValue(index, value), msrCount)
        select new VcpuState(VcpuState.CurrentVersion, id, blobs[0], blobs[1], blobs[2], blobs[3], blobs[4], blobs[5], blobs[6], mpState,
            blobs[7], blobs[8], msrs);

    public static Gen<VcpuState> AnyVcpu => Gen.Choose(0, 63).SelectMany(Vcpu);

    public static Gen<UartState> Uart =>
        from registers in Gen.ArrayOf(Byte, 9)
        from pending in ArbMap.Default.GeneratorFor<bool>()
        from fifo in Blob(16)
        from input in Blob(300)
        select new UartState(UartState.CurrentVersion, registers[0], registers[1], registers[2], registers[3], registers[4], registers[5],
            registers[6], registers[7], registers[8], pending, fifo, input);

    public static Gen<I8042State> Keyboard =>
        from status in Byte
        from command in Byte
        from pendingCommand in Byte
        from output in Blob(16)
        select new I8042State(I8042State.CurrentVersion, status, command, pendingCommand, output);

    public static Gen<MachineState> Machine =>
        from description in Description(maxVcpus: 4)
        from vm in Vm
        from vcpus in Gen.ArrayOf(Vcpu(0), description.Shape.VcpuCount)
        from uart in Uart
        from keyboard in Keyboard
        select new MachineState(description, vm, [.. vcpus.Select((v, i) => v with { Id = i })], uart, keyboard);
}
