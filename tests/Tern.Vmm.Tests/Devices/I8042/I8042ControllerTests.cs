using Tern.Vmm.Devices.I8042;

namespace Tern.Vmm.Tests.Devices.I8042;

/// <summary>The 8042 keyboard controller as PC guests use it: status/command at 0x64, data at 0x60.</summary>
public class I8042ControllerTests
{
    private const byte StatusOutputFull = 0x01, StatusSystem = 0x04, StatusCommand = 0x08;

    private int _resets;
    private readonly I8042Controller _kbc;

    public I8042ControllerTests() => _kbc = new I8042Controller(() => _resets++);

    [Fact]
    public void The_controller_answers_at_ports_0x60_and_0x64()
    {
        I8042Controller.DataPort.ShouldBe((ushort)0x60);
        I8042Controller.CommandPort.ShouldBe((ushort)0x64);
    }

    [Fact]
    public void After_reset_the_status_shows_the_system_flag_and_an_empty_output_buffer() =>
        Status().ShouldBe(StatusSystem);

    [Fact]
    public void Self_test_answers_0x55()
    {
        Command(0xaa);
        (Status() & StatusOutputFull).ShouldBe(StatusOutputFull);
        Data().ShouldBe((byte)0x55);
    }

    [Fact]
    public void Reading_the_answer_empties_the_output_buffer()
    {
        Command(0xaa);
        Data();
        (Status() & StatusOutputFull).ShouldBe((byte)0);
    }

    [Fact]
    public void Interface_test_answers_0x00_for_no_error()
    {
        Command(0xab);
        Data().ShouldBe((byte)0x00);
    }

    [Fact]
    public void Reading_the_command_byte_after_reset_gives_0x45()
    {
        // Keyboard interrupt on, system flag, scancode translation.
        Command(0x20);
        Data().ShouldBe((byte)0x45);
    }

    [Fact]
    public void A_command_byte_written_with_0x60_reads_back_with_0x20()
    {
        Command(0x60);
        WriteData(0x47);
        Command(0x20);
        Data().ShouldBe((byte)0x47);
    }

    [Fact]
    public void Writing_the_command_byte_produces_no_answer()
    {
        Command(0x60);
        WriteData(0x47);
        (Status() & StatusOutputFull).ShouldBe((byte)0);
    }

    [Fact]
    public void Reading_the_output_port_shows_the_reset_line_released()
    {
        Command(0xd0);
        (Data() & 0x01).ShouldBe(0x01);
    }

    [Fact]
    public void The_status_command_bit_tells_whether_the_last_write_went_to_the_command_port()
    {
        Command(0xab);
        (Status() & StatusCommand).ShouldBe(StatusCommand);
        WriteData(0x00);
        (Status() & StatusCommand).ShouldBe((byte)0);
    }

    [Fact]
    public void Pulsing_the_reset_line_with_0xfe_requests_a_reset()
    {
        Command(0xfe);
        _resets.ShouldBe(1);
    }

    [Fact]
    public void Writing_the_output_port_with_bit_0_clear_requests_a_reset()
    {
        Command(0xd1);
        WriteData(0xfe);
        _resets.ShouldBe(1);
    }

    [Fact]
    public void Writing_the_output_port_with_bit_0_set_does_not_reset()
    {
        Command(0xd1);
        WriteData(0xdf);
        _resets.ShouldBe(0);
    }

    [Fact]
    public void Other_commands_do_not_reset()
    {
        foreach (var command in new byte[] { 0x20, 0xaa, 0xab, 0xd0, 0xad, 0xae, 0xa7 })
            Command(command);
        _resets.ShouldBe(0);
    }

    [Fact]
    public void A_new_command_cancels_a_pending_output_port_write()
    {
        Command(0xd1);
        Command(0xa7); // disable mouse port; the next data byte is no longer for the output port
        WriteData(0x00);
        _resets.ShouldBe(0);
    }

    [Fact]
    public void A_data_byte_for_the_absent_keyboard_is_answered_with_resend()
    {
        WriteData(0xff); // keyboard reset command
        Data().ShouldBe((byte)0xfe);
    }

    [Fact]
    public void A_pending_command_consumes_only_one_data_byte()
    {
        Command(0x60);
        WriteData(0x47);
        WriteData(0xf4);
        Data().ShouldBe((byte)0xfe);
    }

    [Fact]
    public void Answers_queue_up_in_order()
    {
        Command(0xaa);
        Command(0x20);
        Data().ShouldBe((byte)0x55);
        Data().ShouldBe((byte)0x45);
    }

    [Fact]
    public void Reading_data_with_nothing_to_read_gives_zero() =>
        Data().ShouldBe((byte)0);

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Ports_between_data_and_command_read_as_zero_and_ignore_writes(ulong offset)
    {
        _kbc.Write(offset, [0xfe]);
        var data = new byte[] { 0xaa };
        _kbc.Read(offset, data);
        data[0].ShouldBe((byte)0);
        _resets.ShouldBe(0);
    }

    private void Command(byte command) => _kbc.Write(4, [command]);

    private void WriteData(byte value) => _kbc.Write(0, [value]);

    private byte Status()
    {
        var data = new byte[1];
        _kbc.Read(4, data);
        return data[0];
    }

    private byte Data()
    {
        var data = new byte[1];
        _kbc.Read(0, data);
        return data[0];
    }
}
