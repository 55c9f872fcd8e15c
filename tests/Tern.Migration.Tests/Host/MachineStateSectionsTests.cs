using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tern.Host;
using Tern.Migration.Protocol;
using Tern.Migration.Tests.State;
using Tern.Vmm.State;

namespace Tern.Migration.Tests.Host;

/// <summary>A machine's state laid out as sections under stable ids decodes back whole; a missing, unknown or repeated section is refused.</summary>
public sealed class MachineStateSectionsTests
{
    private static bool Same(MachineState a, MachineState b) => JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);

    private static MachineState SomeState(int vcpus = 2) =>
        StateGenerators.Machine.Where(m => m.Description.Shape.VcpuCount == vcpus).Sample(10, 1).First();

    [Property(MaxTest = 100)]
    public Property Machine_state_round_trips_through_its_sections() =>
        Prop.ForAll(StateGenerators.Machine.ToArbitrary(), state => Same(MachineStateSections.Decode(MachineStateSections.Encode(state)), state));

    [Property(MaxTest = 50)]
    public Property Section_order_does_not_matter() =>
        Prop.ForAll(StateGenerators.Machine.ToArbitrary(), ArbMap.Default.ArbFor<int>(), (state, seed) =>
        {
            var sections = MachineStateSections.Encode(state).ToArray();
            new Random(seed).Shuffle(sections);
            return Same(MachineStateSections.Decode(sections), state);
        });

    [Fact]
    public void Sections_have_stable_ids()
    {
        MachineStateSections.Encode(SomeState(vcpus: 2)).Select(s => s.Id)
            .ShouldBe(["machine", "vm", "vcpu/0", "vcpu/1", "device/uart0", "device/i8042"]);
    }

    [Theory]
    [InlineData("machine")]
    [InlineData("vm")]
    [InlineData("vcpu/0")]
    [InlineData("vcpu/1")]
    [InlineData("device/uart0")]
    [InlineData("device/i8042")]
    public void A_missing_section_is_refused_by_name(string id)
    {
        var sections = MachineStateSections.Encode(SomeState(vcpus: 2)).Where(s => s.Id != id).ToList();
        Should.Throw<MigrationStreamException>(() => MachineStateSections.Decode(sections)).Message.ShouldBe($"state section {id} is missing");
    }

    [Theory]
    [InlineData("device/virtio-net0")]
    [InlineData("vcpu/2")]
    public void An_unknown_section_is_refused_by_name(string id)
    {
        var sections = MachineStateSections.Encode(SomeState(vcpus: 2)).Append(new StateSection(id, [1, 2, 3])).ToList();
        Should.Throw<MigrationStreamException>(() => MachineStateSections.Decode(sections)).Message.ShouldBe($"state section {id} is not known to this Tern");
    }

    [Fact]
    public void A_repeated_section_is_refused_by_name()
    {
        var sections = MachineStateSections.Encode(SomeState(vcpus: 2));
        var repeated = sections.Append(sections[1]).ToList();
        Should.Throw<MigrationStreamException>(() => MachineStateSections.Decode(repeated)).Message.ShouldContain("vm");
    }

    [Fact]
    public void A_vcpu_section_holding_another_vcpu_is_refused()
    {
        var state = SomeState(vcpus: 2);
        var swapped = state with { Vcpus = [state.Vcpus[0], state.Vcpus[0] with { Id = 0 }] };
        var sections = MachineStateSections.Encode(state).Select(s => s.Id == "vcpu/1" ? new StateSection("vcpu/1", StateCodec.Encode(swapped.Vcpus[1])) : s).ToList();
        Should.Throw<MigrationStreamException>(() => MachineStateSections.Decode(sections)).Message.ShouldBe("state section vcpu/1 holds vCPU 0");
    }

    [Fact]
    public void A_malformed_section_is_refused_as_a_stream_error_naming_it()
    {
        var sections = MachineStateSections.Encode(SomeState(vcpus: 1))
            .Select(s => s.Id == "device/uart0" ? s with { Data = s.Data[..5] } : s).ToList();
        Should.Throw<MigrationStreamException>(() => MachineStateSections.Decode(sections)).Message.ShouldBe("state section device/uart0: truncated");
    }

    [Fact]
    public void The_description_section_alone_decodes_for_a_static_migration()
    {
        var description = SomeState().Description;
        var decoded = MachineStateSections.DecodeDescription(MachineStateSections.Describe(description));
        decoded.ShouldBe(description);
    }
}
