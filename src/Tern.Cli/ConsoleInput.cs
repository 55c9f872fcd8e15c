using Tern.Vmm.Devices.Serial;

namespace Tern.Cli;

/// <summary>Copies what the user types into the guest's UART from a background thread, until input ends.</summary>
internal static class ConsoleInput
{
    public static void Forward(Stream input, Uart16550 uart)
    {
        var thread = new Thread(() =>
        {
            var buffer = new byte[256];
            try
            {
                int read;
                while ((read = input.Read(buffer)) > 0)
                    uart.EnqueueInput(buffer.AsSpan(0, read));
            }
            catch (IOException)
            {
                // The terminal went away; the guest keeps running without input.
            }
        })
        { IsBackground = true, Name = "console-input" };
        thread.Start();
    }
}
