using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>`tern run` boots the test guest on the real /dev/kvm and ends the way the guest ends.</summary>
public sealed class TestGuestRunTests
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(60);

    private static TernProcess Start(string append, int cpus = 1)
    {
        KvmAvailability.Require();
        return TernProcess.Start("run", "--kernel", RepositoryPaths.TestGuestKernel, "--memory", "256M",
            "--cpus", cpus.ToString(), "--append", append);
    }

    private static List<TickLine> Ticks(TernProcess tern) =>
        tern.Lines.Select(l => TickLine.TryParse(l.Text, out var t) ? t : (TickLine?)null).OfType<TickLine>().ToList();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Guest_reaches_ready_and_its_ticks_advance(int cpus)
    {
        using var tern = Start("dirty=16,0 tick=50", cpus);
        tern.WaitForLine(l => l == "tern-guest: ready", Boot);
        tern.WaitForLine(l => l == $"cpus {cpus}", Boot);
        tern.WaitForLine(TickLine.IsTick, Boot, skip: 5);
        var ticks = Ticks(tern);
        ticks.Count.ShouldBeGreaterThanOrEqualTo(6);
        for (var i = 1; i < ticks.Count; i++)
        {
            ticks[i].GuestMilliseconds.ShouldBeGreaterThan(ticks[i - 1].GuestMilliseconds);
            ticks[i].PagesWritten.ShouldBeGreaterThan(ticks[i - 1].PagesWritten);
        }
    }

    [Fact]
    public void Guest_reset_ends_tern_with_exit_code_zero()
    {
        using var tern = Start("tick=10 stop=3");
        tern.WaitForExit(Boot).ShouldBe(0);
        Ticks(tern).Count.ShouldBe(3);
        tern.Stderr.ShouldContain("guest reset");
    }

    [Fact]
    public void Exception_in_the_guest_is_printed_and_ends_tern_as_halted()
    {
        using var tern = Start("fault=ud");
        tern.WaitForExit(Boot).ShouldBe(4);
        tern.Lines.ShouldContain(l => l.Text.StartsWith("exception 6 ", StringComparison.Ordinal));
        tern.Stderr.ShouldContain("halted with interrupts disabled");
    }

    [Fact]
    public void Halt_with_interrupts_off_ends_tern_with_exit_code_four()
    {
        using var tern = Start("fault=hlt");
        tern.WaitForExit(Boot).ShouldBe(4);
        tern.Stderr.ShouldContain("halted with interrupts disabled");
    }

    [Fact]
    public void Triple_fault_ends_tern_with_exit_code_three()
    {
        using var tern = Start("fault=triple");
        tern.WaitForExit(Boot).ShouldBe(3);
        tern.Stderr.ShouldContain("triple fault");
    }

    [Fact]
    public void Console_input_reaches_the_guest()
    {
        using var tern = Start("tick=100");
        tern.WaitForLine(l => l == "tern-guest: ready", Boot);
        tern.WriteInput("hello tern\n");
        tern.WaitForLine(l => l == "echo hello tern", Boot);
    }
}
