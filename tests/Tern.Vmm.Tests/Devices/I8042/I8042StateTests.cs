using Tern.Vmm.Devices.I8042;

namespace Tern.Vmm.Tests.Devices.I8042;

public class I8042StateTests
{
    [Fact]
    public void A_fresh_controller_saves_its_reset_state()
    {
        var state = new I8042Controller(() => { }).SaveState();
        (state.Version, state.Status, state.CommandByte, state.PendingCommand).ShouldBe((I8042State.CurrentVersion, (byte)0x04, (byte)0x45, (byte)0));
        state.Output.ShouldBeEmpty();
    }

    [Fact]
    public void The_command_byte_and_unread_answers_survive_a_restore()
    {
        var source = new I8042Controller(() => { });
        Command(source, 0x60);
        WriteData(source, 0x61);
        Command(source, 0xaa);

        var target = new I8042Controller(() => { });
        target.RestoreState(source.SaveState());

        ReadData(target).ShouldBe((byte)0x55);
        Command(target, 0x20);
        ReadData(target).ShouldBe((byte)0x61);
    }

    [Fact]
    public void A_pending_output_port_write_survives_a_restore()
    {
        var source = new I8042Controller(() => { });
        Command(source, 0xd1);
        var resets = 0;
        var target = new I8042Controller(() => resets++);

        target.RestoreState(source.SaveState());
        WriteData(target, 0x00);

        resets.ShouldBe(1);
    }

    [Fact]
    public void Save_after_restore_gives_back_the_same_state()
    {
        var state = new I8042State(I8042State.CurrentVersion, 0x0d, 0x47, 0x60, [0x55, 0xfe]);
        var kbc = new I8042Controller(() => { });
        kbc.RestoreState(state);
        var saved = kbc.SaveState();
        (saved with { Output = [] }).ShouldBe(state with { Output = [] });
        saved.Output.ShouldBe(state.Output);
    }

    [Fact]
    public void A_state_of_another_version_is_refused()
    {
        var state = new I8042State(I8042State.CurrentVersion + 1, 0x04, 0x45, 0, []);
        Should.Throw<InvalidDataException>(() => new I8042Controller(() => { }).RestoreState(state))
            .Message.ShouldContain("is not supported");
    }

    [Fact]
    public void An_output_queue_longer_than_16_bytes_is_refused()
    {
        var state = new I8042State(I8042State.CurrentVersion, 0x04, 0x45, 0, new byte[17]);
        Should.Throw<InvalidDataException>(() => new I8042Controller(() => { }).RestoreState(state));
    }

    private static void Command(I8042Controller kbc, byte command) => kbc.Write(4, [command]);
    private static void WriteData(I8042Controller kbc, byte value) => kbc.Write(0, [value]);

    private static byte ReadData(I8042Controller kbc)
    {
        var data = new byte[1];
        kbc.Read(0, data);
        return data[0];
    }
}
