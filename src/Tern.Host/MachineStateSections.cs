using Tern.Migration.Protocol;
using Tern.Vmm.State;

namespace Tern.Host;

/// <summary>
/// Lays a machine's state out as migration state sections under stable ids, and back. The migration
/// layer carries them opaquely; only this adapter knows what is inside.
/// </summary>
public static class MachineStateSections
{
    public const string Machine = "machine";
    public const string Vm = "vm";
    public const string Uart = "device/uart0";
    public const string Keyboard = "device/i8042";
    private const string VcpuPrefix = "vcpu/";

    public static IReadOnlyList<StateSection> Encode(MachineState state)
    {
        var sections = new List<StateSection>
        {
            new(Machine, StateCodec.Encode(state.Description)),
            new(Vm, StateCodec.Encode(state.Vm)),
        };
        sections.AddRange(state.Vcpus.Select(v => new StateSection($"{VcpuPrefix}{v.Id}", StateCodec.Encode(v))));
        sections.Add(new StateSection(Uart, StateCodec.Encode(state.Uart)));
        sections.Add(new StateSection(Keyboard, StateCodec.Encode(state.Keyboard)));
        return sections;
    }

    public static StateSection Describe(MachineDescription description) => new(Machine, StateCodec.Encode(description));

    public static MachineDescription DecodeDescription(StateSection section) => Wrap(() => StateCodec.DecodeDescription(section.Data));

    /// <summary>Rebuilds the state, refusing missing, unknown or inconsistent sections.</summary>
    public static MachineState Decode(IReadOnlyList<StateSection> sections) => Wrap(() =>
    {
        var repeated = sections.GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw new MigrationStreamException($"state section {repeated.Key} appears more than once");
        var byId = sections.ToDictionary(s => s.Id);
        StateSection Required(string id) =>
            byId.TryGetValue(id, out var s) ? s : throw new MigrationStreamException($"state section {id} is missing");

        var description = StateCodec.DecodeDescription(Required(Machine).Data);
        var vm = StateCodec.DecodeVm(Required(Vm).Data);
        var vcpus = Enumerable.Range(0, description.Shape.VcpuCount)
            .Select(i => StateCodec.DecodeVcpu(Required($"{VcpuPrefix}{i}").Data, $"{VcpuPrefix}{i}"))
            .ToArray();
        for (var i = 0; i < vcpus.Length; i++)
            if (vcpus[i].Id != i)
                throw new MigrationStreamException($"state section {VcpuPrefix}{i} holds vCPU {vcpus[i].Id}");
        var uart = StateCodec.DecodeUart(Required(Uart).Data, Uart);
        var keyboard = StateCodec.DecodeI8042(Required(Keyboard).Data, Keyboard);
        var known = new HashSet<string>([Machine, Vm, Uart, Keyboard, .. vcpus.Select(v => $"{VcpuPrefix}{v.Id}")]);
        var unknown = sections.FirstOrDefault(s => !known.Contains(s.Id));
        if (unknown is not null)
            throw new MigrationStreamException($"state section {unknown.Id} is not known to this Tern");
        return new MachineState(description, vm, vcpus, uart, keyboard);
    });

    private static T Wrap<T>(Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (InvalidDataException ex)
        {
            throw new MigrationStreamException(ex.Message, ex);
        }
    }
}
