using Tern.Migration.Metrics;
using Tern.Migration.Ports;
using Tern.Migration.Strategies;

namespace Tern.Migration.Tests.Fakes;

/// <summary><see cref="MigrationSender.Run"/> against <see cref="MigrationReceiver.Receive"/> over an in-memory duplex stream.</summary>
internal static class MigrationRun
{
    public sealed record Outcome(MigrationReport? Report, Exception? SenderError, ReceivedMigration? Received, Exception? ReceiverError);

    /// <summary>Runs both ends to completion on their own threads. Each end closes its stream when done, as a process would.</summary>
    public static Outcome Both(IMigrationSource source, IMigrationTarget target, MigrationOptions options, TimeSpan patience)
    {
        var (sourceEnd, destinationEnd) = DuplexPipe.Create();
        var receiving = Task.Factory.StartNew(() =>
        {
            using (destinationEnd)
            {
                var receiver = new MigrationReceiver(target, TimeProvider.System);
                var received = receiver.Receive(destinationEnd, destinationEnd, "the fake stream");
                receiver.SendResumeReport(received.ResumedAtUnixMicros, TimeSpan.Zero);
                return received;
            }
        }, TaskCreationOptions.LongRunning);
        var sending = Task.Factory.StartNew(() =>
        {
            using (sourceEnd)
                return new MigrationSender(source, TimeProvider.System).Run(sourceEnd, options);
        }, TaskCreationOptions.LongRunning);
        Task.WaitAny([Task.WhenAll(receiving, sending).ContinueWith(_ => { }, TaskScheduler.Default)], patience).ShouldNotBe(-1, "the migration hung");
        return new Outcome(
            sending.IsCompletedSuccessfully ? sending.Result : null, sending.Exception?.InnerException,
            receiving.IsCompletedSuccessfully ? receiving.Result : null, receiving.Exception?.InnerException);
    }
}
