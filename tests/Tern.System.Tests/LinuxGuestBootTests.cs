using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// `tern run --guest linux` boots the minimal Linux guest (guest/linux) through the 64-bit boot
/// protocol on the real /dev/kvm to its busybox shell: kernel messages, /init's own output through the
/// interrupt-driven tty, console input through UART receive interrupts, and `poweroff` ending tern
/// cleanly through the ACPI sleep control register. Guest kernel mode is emulated on kvm-pvm hosts, so
/// this is one long test (about a minute there; seconds with VT-x/AMD-V).
/// </summary>
[Collection(LinuxGuest.Collection)]
public sealed class LinuxGuestBootTests
{
    [Fact]
    public void Linux_boots_to_a_shell_that_answers_console_input_and_powers_off_with_exit_code_zero()
    {
        LinuxGuest.Require();
        using var tern = TernProcess.Start("run", "--guest", "linux", "--memory", "256M", "--append", LinuxGuest.CommandLine());

        tern.WaitForLine(LinuxGuest.IsKernelVersionLine, LinuxGuest.Patience);
        tern.WaitForLine(LinuxGuest.IsRunInitLine, LinuxGuest.Patience);
        tern.WaitForLine(LinuxGuest.IsReadyLine, LinuxGuest.Patience);

        // The shell computes the answer, so the line proves input reached it, not just the tty's echo.
        tern.WriteInput("echo shell-$((6 * 7))\n");
        tern.WaitForLine(l => l.TrimEnd('\r').EndsWith("shell-42", StringComparison.Ordinal) && !l.Contains("$((", StringComparison.Ordinal),
            LinuxGuest.Patience);

        tern.WriteInput("poweroff -f\n");
        tern.WaitForLine(l => l.Contains("ACPI: PM: Preparing to enter system sleep state S5", StringComparison.Ordinal), LinuxGuest.Patience);
        tern.WaitForExit(LinuxGuest.Patience).ShouldBe(0);
        tern.Stderr.ShouldContain("powered off");
        tern.Lines.ShouldNotContain(l => l.Text.Contains("Kernel panic", StringComparison.Ordinal));
    }
}
