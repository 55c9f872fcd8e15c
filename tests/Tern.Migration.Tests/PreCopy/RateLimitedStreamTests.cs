using Microsoft.Extensions.Time.Testing;
using Tern.Migration.Transport;

namespace Tern.Migration.Tests.PreCopy;

public sealed class RateLimitedStreamTests
{
    [Fact]
    public void Passes_every_byte_through_unchanged()
    {
        var inner = new MemoryStream();
        using var limited = new RateLimitedStream(inner, 100L << 20, TimeProvider.System);
        var data = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        limited.Write(data);
        inner.ToArray().ShouldBe(data);
    }

    [Fact]
    public async Task Writes_no_more_than_the_burst_before_time_passes()
    {
        var clock = new FakeTimeProvider();
        var inner = new MemoryStream();
        var limited = new RateLimitedStream(inner, 1_000_000, clock);
        var writer = Task.Run(() => limited.Write(new byte[1_000_000]), TestContext.Current.CancellationToken);
        SpinWait.SpinUntil(() => inner.Length > 0, TimeSpan.FromSeconds(5));
        Thread.Sleep(50);
        // The bucket holds max(64 KiB, 10 ms of rate): without simulated time, at most that much passes.
        inner.Length.ShouldBeLessThanOrEqualTo(64 * 1024);
        writer.IsCompleted.ShouldBeFalse();
        for (var i = 0; i < 200 && !writer.IsCompleted; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            Thread.Sleep(2);
        }
        await writer.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        inner.Length.ShouldBe(1_000_000);
    }

    [Fact]
    public void Once_unlimited_it_writes_everything_without_waiting_for_time_to_pass()
    {
        var clock = new FakeTimeProvider();
        var inner = new MemoryStream();
        using var limited = new RateLimitedStream(inner, 1_000, clock);
        limited.Unlimit();
        limited.Write(new byte[1_000_000]);
        inner.Length.ShouldBe(1_000_000);
    }
}
