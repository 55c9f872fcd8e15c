using Tern.Vmm.Devices.Serial;
using static Tern.Vmm.Tests.Devices.Serial.UartHarness;

namespace Tern.Vmm.Tests.Devices.Serial;

/// <summary>Behaviour per the PC16550D data sheet: registers (table 2), IIR priorities (table 4), LSR and MSR bits.</summary>
public class Uart16550Tests
{
    private const byte LsrDr = 0x01, LsrOe = 0x02, LsrThre = 0x20, LsrTemt = 0x40;
    private const byte IirNone = 0x01, IirLine = 0x06, IirRx = 0x04, IirThr = 0x02, IirModem = 0x00;
    private const byte IerRx = 0x01, IerThr = 0x02, IerLine = 0x04, IerModem = 0x08;
    private const byte McrDtr = 0x01, McrRts = 0x02, McrOut1 = 0x04, McrOut2 = 0x08, McrLoop = 0x10;

    private readonly UartHarness _com = new();

    [Fact]
    public void Com1_is_at_port_0x3f8_on_irq_4()
    {
        Uart16550.Com1Port.ShouldBe((ushort)0x3f8);
        Uart16550.Com1Irq.ShouldBe(4u);
    }

    [Fact]
    public void Bytes_written_to_thr_go_to_the_output_stream_in_order()
    {
        foreach (var b in "hi\n"u8.ToArray())
            _com.Write(Thr, b);
        _com.Output.ToArray().ShouldBe("hi\n"u8.ToArray());
    }

    [Fact]
    public void After_reset_the_transmitter_is_empty_and_no_data_is_ready() =>
        _com.Read(Lsr).ShouldBe((byte)(LsrThre | LsrTemt));

    [Fact]
    public void The_transmitter_is_empty_again_right_after_a_write()
    {
        _com.Write(Thr, (byte)'x');
        (_com.Read(Lsr) & (LsrThre | LsrTemt)).ShouldBe(LsrThre | LsrTemt);
    }

    [Fact]
    public void After_reset_lcr_is_8n1_and_the_divisor_is_12_for_9600_baud()
    {
        _com.Read(Lcr).ShouldBe((byte)0x03);
        _com.Write(Lcr, 0x83);
        _com.Read(Dll).ShouldBe((byte)12);
        _com.Read(Dlm).ShouldBe((byte)0);
    }

    [Fact]
    public void With_dlab_set_offsets_0_and_1_are_the_divisor_latch()
    {
        _com.Write(Lcr, 0x80);
        _com.Write(Dll, 0x01);
        _com.Write(Dlm, 0x02);

        _com.Read(Dll).ShouldBe((byte)0x01);
        _com.Read(Dlm).ShouldBe((byte)0x02);
        _com.Output.Length.ShouldBe(0);
    }

    [Fact]
    public void Writing_the_divisor_latch_leaves_ier_alone()
    {
        _com.Write(Ier, IerRx);
        _com.Write(Lcr, 0x80);
        _com.Write(Dlm, 0xff);
        _com.Write(Lcr, 0x03);
        _com.Read(Ier).ShouldBe(IerRx);
    }

    [Fact]
    public void Clearing_dlab_makes_offset_0_the_transmitter_again()
    {
        _com.Write(Lcr, 0x80);
        _com.Write(Dll, 0x01);
        _com.Write(Lcr, 0x03);
        _com.Write(Thr, (byte)'A');
        _com.Output.ToArray().ShouldBe([(byte)'A']);
    }

    [Fact]
    public void Ier_keeps_only_its_four_defined_bits()
    {
        _com.Write(Ier, 0xff);
        _com.Read(Ier).ShouldBe((byte)0x0f);
    }

    [Fact]
    public void The_scratch_register_holds_what_was_written()
    {
        _com.Write(Scr, 0x5a);
        _com.Read(Scr).ShouldBe((byte)0x5a);
    }

    [Fact]
    public void Writes_to_lsr_are_ignored()
    {
        _com.Write(Lsr, 0x00);
        _com.Read(Lsr).ShouldBe((byte)(LsrThre | LsrTemt));
    }

    [Fact]
    public void A_wide_read_returns_the_register_in_the_first_byte_and_zeros_after()
    {
        var data = new byte[] { 0xaa, 0xaa };
        _com.Uart.Read(Lsr, data);
        data.ShouldBe([(byte)(LsrThre | LsrTemt), 0]);
    }

    [Fact]
    public void Host_input_sets_data_ready_and_is_read_from_rbr_in_order()
    {
        _com.Type((byte)'o', (byte)'k');
        (_com.Read(Lsr) & LsrDr).ShouldBe(LsrDr);
        _com.Read(Rbr).ShouldBe((byte)'o');
        _com.Read(Rbr).ShouldBe((byte)'k');
    }

    [Fact]
    public void Data_ready_clears_when_the_last_byte_is_read()
    {
        _com.Type(1);
        _com.Read(Rbr);
        (_com.Read(Lsr) & LsrDr).ShouldBe((byte)0);
    }

    [Fact]
    public void Reading_rbr_with_nothing_received_returns_zero() =>
        _com.Read(Rbr).ShouldBe((byte)0);

    [Fact]
    public void The_receive_fifo_holds_16_bytes_and_the_rest_waits()
    {
        _com.Type(Enumerable.Range(0, 40).Select(i => (byte)i).ToArray());
        _com.Uart.SaveState().ReceiveFifo.ShouldBe(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
    }

    [Fact]
    public void Nothing_is_lost_when_more_than_16_bytes_are_typed()
    {
        var typed = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        _com.Type(typed);
        _com.Drain().ShouldBe(typed);
    }

    [Fact]
    public void Input_typed_in_several_bursts_arrives_in_order()
    {
        _com.Type(Enumerable.Range(0, 20).Select(i => (byte)i).ToArray());
        _com.Read(Rbr).ShouldBe((byte)0);
        _com.Type(100, 101);
        _com.Drain().ShouldBe(Enumerable.Range(1, 19).Select(i => (byte)i).Concat(new byte[] { 100, 101 }));
    }

    [Fact]
    public void Clearing_the_receive_fifo_discards_its_bytes_and_refills_from_waiting_input()
    {
        _com.Type(Enumerable.Range(0, 20).Select(i => (byte)i).ToArray());
        _com.Write(Fcr, 0x03); // enable FIFOs, clear receive FIFO
        _com.Drain().ShouldBe(new byte[] { 16, 17, 18, 19 });
    }

    [Fact]
    public void Clearing_an_empty_receive_fifo_leaves_data_ready_clear()
    {
        _com.Write(Fcr, 0x03);
        (_com.Read(Lsr) & LsrDr).ShouldBe((byte)0);
    }

    [Fact]
    public void Iir_reports_no_interrupt_after_reset() =>
        _com.Read(Iir).ShouldBe(IirNone);

    [Fact]
    public void Iir_sets_its_top_two_bits_when_the_fifos_are_enabled()
    {
        _com.Write(Fcr, 0x01);
        _com.Read(Iir).ShouldBe((byte)(0xc0 | IirNone));
    }

    [Fact]
    public void Received_data_with_its_interrupt_enabled_raises_the_line_and_reads_as_iir_4()
    {
        _com.Write(Ier, IerRx);
        _com.Type(7);
        _com.Irq.Asserted.ShouldBeTrue();
        _com.Read(Iir).ShouldBe(IirRx);
    }

    [Fact]
    public void Reading_the_last_received_byte_lowers_the_line()
    {
        _com.Write(Ier, IerRx);
        _com.Type(7, 8);
        _com.Drain();
        _com.Irq.Levels.ShouldBe([true, false]);
        _com.Read(Iir).ShouldBe(IirNone);
    }

    [Fact]
    public void Received_data_with_its_interrupt_disabled_never_raises_the_line()
    {
        _com.Type(1, 2, 3);
        _com.Drain();
        _com.Irq.Levels.ShouldBeEmpty();
    }

    [Fact]
    public void Enabling_the_thr_empty_interrupt_while_thr_is_empty_raises_it_at_once()
    {
        _com.Write(Ier, IerThr);
        _com.Irq.Levels.ShouldBe([true]);
        _com.Read(Iir).ShouldBe(IirThr);
    }

    [Fact]
    public void Reading_iir_acknowledges_the_thr_empty_interrupt()
    {
        _com.Write(Ier, IerThr);
        _com.Read(Iir);
        _com.Irq.Levels.ShouldBe([true, false]);
        _com.Read(Iir).ShouldBe(IirNone);
    }

    [Fact]
    public void Rewriting_ier_with_thr_empty_already_enabled_does_not_raise_it_again()
    {
        _com.Write(Ier, IerThr);
        _com.Read(Iir);
        _com.Write(Ier, IerThr);
        _com.Read(Iir).ShouldBe(IirNone);
    }

    [Fact]
    public void Each_transmitted_byte_raises_thr_empty_again_when_enabled()
    {
        _com.Write(Ier, IerThr);
        _com.Read(Iir);
        _com.Write(Thr, (byte)'x');
        _com.Irq.Levels.ShouldBe([true, false, true]);
        _com.Read(Iir).ShouldBe(IirThr);
    }

    [Fact]
    public void Disabling_the_thr_empty_interrupt_lowers_the_line()
    {
        _com.Write(Ier, IerThr);
        _com.Write(Ier, 0);
        _com.Irq.Levels.ShouldBe([true, false]);
    }

    [Fact]
    public void Received_data_has_priority_over_thr_empty()
    {
        _com.Write(Ier, IerRx | IerThr);
        _com.Type(1);
        _com.Read(Iir).ShouldBe(IirRx);
        _com.Read(Rbr);
        _com.Read(Iir).ShouldBe(IirThr);
    }

    [Fact]
    public void Reading_iir_while_it_reports_received_data_does_not_acknowledge_thr_empty()
    {
        _com.Write(Ier, IerRx | IerThr);
        _com.Type(1);
        _com.Read(Iir);
        _com.Read(Iir);
        _com.Read(Rbr);
        _com.Read(Iir).ShouldBe(IirThr);
    }

    [Fact]
    public void A_line_status_error_has_the_highest_priority_and_reading_lsr_clears_it()
    {
        _com.Write(Mcr, McrLoop);
        for (var i = 0; i < 17; i++)
            _com.Write(Thr, (byte)i); // the 17th byte overruns the loopback FIFO
        _com.Write(Ier, IerLine | IerRx);

        _com.Read(Iir).ShouldBe(IirLine);
        (_com.Read(Lsr) & LsrOe).ShouldBe(LsrOe);
        (_com.Read(Lsr) & LsrOe).ShouldBe((byte)0);
        _com.Read(Iir).ShouldBe(IirRx);
    }

    [Fact]
    public void A_modem_status_change_interrupts_with_the_lowest_priority_until_msr_is_read()
    {
        _com.Write(Mcr, McrLoop);
        _com.Read(Msr);
        _com.Write(Ier, IerModem);
        _com.Write(Mcr, McrLoop | McrRts); // CTS follows RTS
        _com.Irq.Asserted.ShouldBeTrue();
        _com.Read(Iir).ShouldBe(IirModem);
        _com.Read(Msr);
        _com.Read(Iir).ShouldBe(IirNone);
    }

    [Fact]
    public void The_line_is_set_only_when_its_level_changes()
    {
        _com.Write(Ier, IerRx);
        _com.Type(1);
        _com.Type(2);
        _com.Read(Lsr);
        _com.Read(Rbr);
        _com.Read(Rbr);
        _com.Type(3);
        _com.Irq.Levels.ShouldBe([true, false, true]);
    }

    [Fact]
    public void Out2_does_not_gate_the_interrupt_line()
    {
        _com.Write(Mcr, 0);
        _com.Write(Ier, IerRx);
        _com.Type(1);
        _com.Irq.Asserted.ShouldBeTrue();
    }

    [Fact]
    public void In_loopback_transmitted_bytes_are_received_instead_of_output()
    {
        _com.Write(Mcr, McrLoop);
        _com.Write(Thr, (byte)'L');

        _com.Output.Length.ShouldBe(0);
        (_com.Read(Lsr) & LsrDr).ShouldBe(LsrDr);
        _com.Read(Rbr).ShouldBe((byte)'L');
    }

    [Fact]
    public void In_loopback_host_input_waits()
    {
        _com.Write(Mcr, McrLoop);
        _com.Type((byte)'h');
        (_com.Read(Lsr) & LsrDr).ShouldBe((byte)0);
    }

    [Fact]
    public void Outside_loopback_the_modem_inputs_show_a_ready_cable()
    {
        // DCD, DSR and CTS asserted; RI not.
        _com.Read(Msr).ShouldBe((byte)0xb0);
    }

    [Theory]
    [InlineData(McrRts, 0x10)]  // RTS -> CTS
    [InlineData(McrDtr, 0x20)]  // DTR -> DSR
    [InlineData(McrOut1, 0x40)] // OUT1 -> RI
    [InlineData(McrOut2, 0x80)] // OUT2 -> DCD
    [InlineData(McrDtr | McrRts | McrOut1 | McrOut2, 0xf0)]
    public void In_loopback_the_modem_inputs_mirror_the_modem_outputs(byte outputs, byte inputs)
    {
        _com.Write(Mcr, McrLoop);
        _com.Read(Msr);
        _com.Write(Mcr, (byte)(McrLoop | outputs));
        (_com.Read(Msr) & 0xf0).ShouldBe(inputs);
    }

    [Fact]
    public void A_modem_input_change_sets_its_delta_bit_until_msr_is_read()
    {
        _com.Write(Mcr, McrLoop);
        _com.Read(Msr);
        _com.Write(Mcr, McrLoop | McrRts | McrDtr);

        _com.Read(Msr).ShouldBe((byte)(0x30 | 0x03)); // CTS, DSR with DCTS, DDSR
        _com.Read(Msr).ShouldBe((byte)0x30);
    }

    [Fact]
    public void Ring_indicator_sets_its_delta_only_on_the_trailing_edge()
    {
        _com.Write(Mcr, McrLoop);
        _com.Read(Msr);
        _com.Write(Mcr, McrLoop | McrOut1);
        (_com.Read(Msr) & 0x04).ShouldBe((byte)0, "RI rising is not reported");
        _com.Write(Mcr, McrLoop);
        (_com.Read(Msr) & 0x04).ShouldBe((byte)0x04, "RI falling sets TERI");
    }

    [Fact]
    public void Mcr_keeps_only_its_five_defined_bits()
    {
        _com.Write(Mcr, 0xff);
        _com.Read(Mcr).ShouldBe((byte)0x1f);
    }
}
