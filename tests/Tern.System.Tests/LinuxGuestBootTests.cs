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

    /// <summary>
    /// Two busybox processes at a time, eight times over. On kvm-pvm hosts guest user code sees the
    /// host's AVX-512 while the guest kernel switches only SSE state, so without /init's glibc tunables
    /// about one `dmesg | grep` in five crashed in grep's startup (docs/linux-guest.md); a crash shows
    /// here as a `segfault` line and a missing count.
    /// </summary>
    [Fact]
    public void Eight_pipelines_of_two_busybox_processes_in_a_row_all_complete()
    {
        LinuxGuest.Require();
        using var tern = TernProcess.Start("run", "--guest", "linux", "--memory", "256M", "--append", LinuxGuest.CommandLine());
        tern.WaitForLine(LinuxGuest.IsReadyLine, LinuxGuest.Patience);

        tern.WriteInput("for i in 1 2 3 4 5 6 7 8; do dmesg | grep -c Linux; done; echo pipelines-$((4 + 4))\n");
        tern.WaitForLine(l => l.TrimEnd('\r').EndsWith("pipelines-8", StringComparison.Ordinal) && !l.Contains("$((", StringComparison.Ordinal),
            LinuxGuest.Patience);

        tern.Lines.ShouldNotContain(l => l.Text.Contains("segfault", StringComparison.Ordinal));
        // grep prints its count only when it ran; a grep that found nothing to read (dmesg crashed) prints 0.
        tern.Lines.Count(l => int.TryParse(l.Text.TrimEnd('\r'), out var matches) && matches > 0).ShouldBe(8);

        tern.WriteInput("poweroff -f\n");
        tern.WaitForExit(LinuxGuest.Patience).ShouldBe(0);
    }
}
