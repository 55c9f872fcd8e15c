using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tern.Vmm.Devices.Serial;
using static Tern.Vmm.Tests.Devices.Serial.UartHarness;

namespace Tern.Vmm.Tests.Devices.Serial;

public class UartStateTests
{
    [Fact]
    public void A_fresh_uart_saves_its_reset_state()
    {
        var state = new UartHarness().Uart.SaveState();
        state.Version.ShouldBe(UartState.CurrentVersion);
        (state.Ier, state.Lcr, state.Mcr, state.Lsr, state.Msr).ShouldBe(((byte)0, (byte)0x03, (byte)0x08, (byte)0x60, (byte)0xb0));
        (state.Dll, state.Dlm, state.Fcr, state.Scr).ShouldBe(((byte)0x0c, (byte)0, (byte)0, (byte)0));
        state.ThrEmptyInterruptPending.ShouldBeFalse();
        state.ReceiveFifo.ShouldBeEmpty();
    }

    [Fact]
    public void Registers_programmed_by_the_guest_survive_a_restore_into_a_new_uart()
    {
        var source = new UartHarness();
        source.Write(Lcr, 0x83);
        source.Write(Dll, 0x01);
        source.Write(Lcr, 0x1b);
        source.Write(Ier, 0x05);
        source.Write(Fcr, 0xc1);
        source.Write(Scr, 0x77);

        var target = new UartHarness();
        target.Uart.RestoreState(source.Uart.SaveState());

        target.Read(Lcr).ShouldBe((byte)0x1b);
        target.Read(Ier).ShouldBe((byte)0x05);
        target.Read(Scr).ShouldBe((byte)0x77);
        target.Read(Iir).ShouldBe((byte)0xc1);
        target.Write(Lcr, 0x80);
        target.Read(Dll).ShouldBe((byte)0x01);
    }

    [Fact]
    public void Received_bytes_not_yet_read_survive_a_restore()
    {
        var source = new UartHarness();
        source.Type(1, 2, 3);
        var target = new UartHarness();
        target.Uart.RestoreState(source.Uart.SaveState());
        target.Drain().ShouldBe(new byte[] { 1, 2, 3 });
    }

    [Fact]
    public void A_pending_interrupt_is_raised_on_the_line_of_the_restored_uart()
    {
        var source = new UartHarness();
        source.Write(Ier, 0x02);
        var target = new UartHarness();

        target.Uart.RestoreState(source.Uart.SaveState());

        target.Irq.Levels.ShouldBe([true]);
        target.Read(Iir).ShouldBe((byte)0x02);
    }

    [Fact]
    public void Restoring_a_quiet_state_into_a_fresh_uart_leaves_the_line_alone()
    {
        var target = new UartHarness();
        target.Uart.RestoreState(new UartHarness().Uart.SaveState());
        target.Irq.Levels.ShouldBeEmpty();
    }

    [Fact]
    public void A_state_of_another_version_is_refused()
    {
        var state = new UartHarness().Uart.SaveState() with { Version = UartState.CurrentVersion + 1 };
        Should.Throw<InvalidDataException>(() => new UartHarness().Uart.RestoreState(state))
            .Message.ShouldContain($"UART state version {UartState.CurrentVersion + 1} is not supported");
    }

    [Fact]
    public void A_receive_fifo_larger_than_16_bytes_is_refused()
    {
        var state = new UartHarness().Uart.SaveState() with { ReceiveFifo = new byte[17] };
        Should.Throw<InvalidDataException>(() => new UartHarness().Uart.RestoreState(state))
            .Message.ShouldContain("exceeds 16");
    }

    [Fact]
    public void A_refused_state_leaves_the_uart_unchanged()
    {
        var uart = new UartHarness();
        uart.Write(Scr, 0x42);
        var state = uart.Uart.SaveState() with { Scr = 0x99, ReceiveFifo = new byte[17] };
        Should.Throw<InvalidDataException>(() => uart.Uart.RestoreState(state));
        uart.Read(Scr).ShouldBe((byte)0x42);
    }

    [Property(Arbitrary = [typeof(UartStates)])]
    public bool Save_after_restore_gives_back_the_same_state(UartState state)
    {
        var uart = new UartHarness().Uart;
        uart.RestoreState(state);
        return SameState(uart.SaveState(), state);
    }

    [Property]
    public bool A_restored_copy_answers_the_guest_exactly_as_the_original(byte[] typed, byte ier, byte mcr, byte scr)
    {
        var original = new UartHarness();
        original.Write(Ier, ier);
        original.Write(Mcr, mcr);
        original.Write(Scr, scr);
        original.Type(typed);
        original.Write(Thr, 0x55);

        var copy = new UartHarness();
        copy.Uart.RestoreState(original.Uart.SaveState());

        // Registers without read side effects first, then those that have them, in the same order on both.
        int[] registers = [Ier, Lcr, Mcr, Scr, Iir, Lsr, Msr, Rbr, Lsr, Rbr, Iir];
        return registers.All(r => original.Read(r) == copy.Read(r));
    }

    private static bool SameState(UartState a, UartState b) =>
        a with { ReceiveFifo = [], PendingInput = [] } == b with { ReceiveFifo = [], PendingInput = [] }
        && a.ReceiveFifo.AsSpan().SequenceEqual(b.ReceiveFifo) && a.PendingInput.AsSpan().SequenceEqual(b.PendingInput);

    public static class UartStates
    {
        public static Arbitrary<UartState> State() =>
            (from registers in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 9)
             from pending in ArbMap.Default.GeneratorFor<bool>()
             from fifoLength in Gen.Choose(0, 16)
             from fifo in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), fifoLength)
             from inputLength in Gen.Choose(0, 64)
             from input in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), inputLength)
             select new UartState(UartState.CurrentVersion, registers[0], registers[1], registers[2], registers[3], registers[4],
                 registers[5], registers[6], registers[7], registers[8], pending, fifo, input)).ToArbitrary();
    }
}
