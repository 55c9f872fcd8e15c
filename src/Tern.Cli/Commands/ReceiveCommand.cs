using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Tern.Host;
using Tern.Migration.Strategies;
using Tern.Vmm.Boot;

namespace Tern.Cli.Commands;

/// <summary>`tern receive --listen HOST:PORT`: wait for one incoming migration, then run the guest here.</summary>
internal static class ReceiveCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Address to wait on, HOST:PORT (e.g. 127.0.0.1:4444 or 0.0.0.0:4444).",
            Required = true,
        };
        var memory = new Option<string?>("--memory", "-m") { Description = "Refuse an incoming guest that does not have this much RAM." };
        var cpus = new Option<int?>("--cpus") { Description = "Refuse an incoming guest that does not have this many vCPUs." };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the source to connect (0 = forever).",
            DefaultValueFactory = _ => 0,
        };
        var vm = new VmOptions();
        var command = new Command("receive", $"""
            Wait for one incoming migration (tern migrate --to HOST:PORT), check every record, and run
            the guest here once it has arrived whole. The source keeps its guest until this side
            confirms the guest runs.
            {RunCommand.ExitStatusHelp}
            """)
        {
            listen, memory, cpus, timeout,
        };
        vm.AddTo(command);
        command.SetAction(parse =>
        {
            var endpoint = ParseEndpoint(parse.GetValue(listen)!);
            (ulong, int)? expected = null;
            if (parse.GetValue(memory) is not null || parse.GetValue(cpus) is not null)
                expected = (parse.GetValue(memory) is { } m ? MemoryLayout.ParseSize(m) : 0, parse.GetValue(cpus) ?? 0);
            var (name, api) = vm.Resolve(parse);
            var session = new VmSession(name, api);

            using var listener = new TcpListener(endpoint);
            try
            {
                listener.Start(1);
            }
            catch (SocketException ex)
            {
                throw new IOException($"cannot listen on {endpoint}: {ex.Message}");
            }
            Console.Error.WriteLine($"tern: waiting for a migration on {listener.LocalEndpoint}");
            using var accept = parse.GetValue(timeout) > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(parse.GetValue(timeout))) : new CancellationTokenSource();
            TcpClient client;
            try
            {
                client = listener.AcceptTcpClientAsync(accept.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no migration arrived on {endpoint} within {parse.GetValue(timeout)} s");
            }
            listener.Stop();
            client.NoDelay = true;
            using var connection = client.GetStream();
            var target = new MachineMigrationTarget(session.CreateConsole(), session.Progress, parse.GetValue(vm.DirtyRing));
            var receiver = new MigrationReceiver(target, TimeProvider.System);
            var remote = $"the migration stream from {client.Client.RemoteEndPoint}";
            ReceivedMigration received;
            try
            {
                received = receiver.Receive(connection, connection, remote, expected);
            }
            catch
            {
                CloseAfterError(client.Client);
                throw;
            }
            Console.Error.WriteLine($"tern: guest arrived ({received.Pages} pages, {received.Bytes >> 20} MiB) and runs here");
            var report = Task.Run(() =>
            {
                try
                {
                    receiver.SendResumeReport(received.ResumedAtUnixMicros, TimeSpan.FromSeconds(2));
                }
                catch (IOException)
                {
                    // The source left without waiting for the report; the guest runs on regardless.
                }
            });
            using var machine = target.Machine!;
            var status = session.Serve(machine, alreadyStarted: true);
            report.Wait(TimeSpan.FromSeconds(1));
            return status;
        });
        return command;
    }

    /// <summary>
    /// A lingering close: closing a socket whose receive queue still holds the source's pages makes the
    /// kernel send a reset, which can destroy the error record just written before the source reads it.
    /// So the error is followed by a half-close, and what the source still sends is read and dropped
    /// until it hangs up (it does once it reads the error) or a short grace period ends.
    /// </summary>
    private static void CloseAfterError(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            socket.ReceiveTimeout = 2000;
            var sink = new byte[64 << 10];
            var deadline = Environment.TickCount64 + 2000;
            while (Environment.TickCount64 < deadline && socket.Receive(sink) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // The source is gone already: nothing left to protect.
        }
    }

    public static IPEndPoint ParseEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new ArgumentException($"'{text}' is not HOST:PORT");
        var host = text[..colon].Trim('[', ']');
        if (host is "localhost")
            return new IPEndPoint(IPAddress.Loopback, port);
        if (!IPAddress.TryParse(host, out var address))
            address = Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"cannot resolve '{host}'");
        return new IPEndPoint(address, port);
    }
}
