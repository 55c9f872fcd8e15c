using Tern.TestKit;

namespace Tern.System.Tests;

/// <summary>
/// What most migration tests start from: a temporary directory, a source VM running the test guest
/// until it has ticked three times, and a destination listening on a free loopback port. Both VMs get
/// the same extra <c>options</c> (host choices such as <c>--dirty-ring</c>).
/// </summary>
internal sealed class MigrationPair : IDisposable
{
    private MigrationPair(TempDirectory dir, TernVm source, int port, TernVm destination)
    {
        Dir = dir;
        Source = source;
        Port = port;
        Destination = destination;
    }

    public TempDirectory Dir { get; }
    public TernVm Source { get; }
    public int Port { get; }
    public TernVm Destination { get; }

    public static MigrationPair Start(string append, int cpus = 1, string memory = "256M", IEnumerable<string>? options = null)
    {
        KvmAvailability.Require();
        var dir = new TempDirectory();
        TernVm? source = null;
        try
        {
            source = TernVm.Run(dir, "source", append, cpus, memory, options);
            source.WaitForTicks(3);
            var port = LoopbackPort.Free();
            return new MigrationPair(dir, source, port, TernVm.Receive(dir, "destination", port, options));
        }
        catch
        {
            source?.Dispose();
            dir.Dispose();
            throw;
        }
    }

    public void Deconstruct(out TempDirectory dir, out TernVm source, out int port, out TernVm destination) =>
        (dir, source, port, destination) = (Dir, Source, Port, Destination);

    public void Dispose()
    {
        Destination.Dispose();
        Source.Dispose();
        Dir.Dispose();
    }
}
