using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tern.Vmm.State;

namespace Tern.Migration.Tests.State;

/// <summary>
/// Every state record decodes to what was encoded; every shortened or lengthened encoding, and every
/// newer version, is refused with the section named.
/// </summary>
public sealed class StateCodecProperties
{
    /// <summary>Records hold arrays, which records compare by reference: compare their JSON instead.</summary>
    private static bool Same<T>(T a, T b) => JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);

    [Property(MaxTest = 200)]
    public Property Machine_description_round_trips() =>
        Prop.ForAll(StateGenerators.Description().ToArbitrary(), d => Same(StateCodec.DecodeDescription(StateCodec.Encode(d)), d));

    [Property(MaxTest = 200)]
    public Property Vm_state_round_trips() =>
        Prop.ForAll(StateGenerators.Vm.ToArbitrary(), s => Same(StateCodec.DecodeVm(StateCodec.Encode(s)), s));

    [Property(MaxTest = 100)]
    public Property Vcpu_state_round_trips() =>
        Prop.ForAll(StateGenerators.AnyVcpu.ToArbitrary(), s => Same(StateCodec.DecodeVcpu(StateCodec.Encode(s), "vcpu/x"), s));

    [Property(MaxTest = 200)]
    public Property Uart_state_round_trips() =>
        Prop.ForAll(StateGenerators.Uart.ToArbitrary(), s => Same(StateCodec.DecodeUart(StateCodec.Encode(s), "device/uart0"), s));

    [Property(MaxTest = 200)]
    public Property I8042_state_round_trips() =>
        Prop.ForAll(StateGenerators.Keyboard.ToArbitrary(), s => Same(StateCodec.DecodeI8042(StateCodec.Encode(s), "device/i8042"), s));

    private static readonly MachineDescription SomeDescription = new(MachineDescription.CurrentVersion, new MachineShape(256 << 20, 2), "/k", "tick=50");

    /// <summary>One encoding of each record kind, and its decoder.</summary>
    public static TheoryData<string, byte[], Action<byte[]>> Encodings()
    {
        var vcpu = StateGenerators.Vcpu(1).Sample(10, 1).First();
        var vm = StateGenerators.Vm.Sample(10, 1).First();
        var uart = StateGenerators.Uart.Sample(10, 1).First();
        var keyboard = StateGenerators.Keyboard.Sample(10, 1).First();
        return new()
        {
            { "machine", StateCodec.Encode(SomeDescription), d => StateCodec.DecodeDescription(d) },
            { "vm", StateCodec.Encode(vm), d => StateCodec.DecodeVm(d) },
            { "vcpu/1", StateCodec.Encode(vcpu), d => StateCodec.DecodeVcpu(d, "vcpu/1") },
            { "device/uart0", StateCodec.Encode(uart), d => StateCodec.DecodeUart(d, "device/uart0") },
            { "device/i8042", StateCodec.Encode(keyboard), d => StateCodec.DecodeI8042(d, "device/i8042") },
        };
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Every_truncation_is_refused_naming_the_section(string section, byte[] encoded, Action<byte[]> decode)
    {
        for (var length = 0; length < encoded.Length; length++)
            Should.Throw<InvalidDataException>(() => decode(encoded[..length]), $"cut to {length} bytes")
                .Message.ShouldStartWith($"state section {section}: ");
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Trailing_bytes_are_refused(string section, byte[] encoded, Action<byte[]> decode) =>
        Should.Throw<InvalidDataException>(() => decode([.. encoded, 0]))
            .Message.ShouldBe($"state section {section}: 1 unexpected trailing bytes");

    [Theory]
    [MemberData(nameof(Encodings))]
    public void A_newer_version_is_refused(string section, byte[] encoded, Action<byte[]> decode)
    {
        encoded[0]++; // every record leads with its version, little-endian
        Should.Throw<InvalidDataException>(() => decode(encoded)).Message.ShouldContain($"state section {section}: version 2 is not supported");
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Version_zero_is_refused(string section, byte[] encoded, Action<byte[]> decode)
    {
        encoded[0] = 0;
        Should.Throw<InvalidDataException>(() => decode(encoded)).Message.ShouldContain($"state section {section}: version 0 is not supported");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void A_description_with_an_impossible_vcpu_count_is_refused(int vcpus)
    {
        var encoded = StateCodec.Encode(SomeDescription with { Shape = new MachineShape(256 << 20, vcpus) });
        Should.Throw<InvalidDataException>(() => StateCodec.DecodeDescription(encoded)).Message.ShouldContain($"invalid vCPU count {vcpus}");
    }

    [Fact]
    public void A_blob_longer_than_the_cap_is_refused_before_it_is_read()
    {
        var vm = new VmState(VmState.CurrentVersion, new byte[64 * 1024 + 1], [], [], [], []);
        Should.Throw<InvalidDataException>(() => StateCodec.DecodeVm(StateCodec.Encode(vm))).Message.ShouldContain("invalid blob length 65537");
    }

    [Fact]
    public void A_blob_of_exactly_the_cap_is_accepted()
    {
        var vm = new VmState(VmState.CurrentVersion, new byte[64 * 1024], [], [], [], []);
        StateCodec.DecodeVm(StateCodec.Encode(vm)).PicMaster.Length.ShouldBe(64 * 1024);
    }

    [Fact]
    public void An_msr_count_beyond_the_cap_is_refused()
    {
        var vcpu = StateGenerators.Vcpu(0).Sample(10, 1).First() with { Msrs = new MsrValue[4097] };
        Should.Throw<InvalidDataException>(() => StateCodec.DecodeVcpu(StateCodec.Encode(vcpu), "vcpu/0")).Message.ShouldContain("invalid MSR count 4097");
    }
}
