using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tern.Migration.Metrics;

namespace Tern.Migration.Tests.Metrics;

public sealed class GuestProgressMonitorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static void Feed(GuestProgressMonitor monitor, string text) => monitor.Feed(Encoding.ASCII.GetBytes(text));

    [Fact]
    public void A_tick_line_becomes_a_sample_stamped_with_host_time()
    {
        var clock = new FakeTimeProvider(Start);
        var monitor = new GuestProgressMonitor(clock);
        Feed(monitor, "tick 1500 4096\n");
        var sample = monitor.Samples.ShouldHaveSingleItem();
        sample.GuestMilliseconds.ShouldBe(1500UL);
        sample.PagesWritten.ShouldBe(4096UL);
        sample.HostUnixMicros.ShouldBe(Start.ToUnixTimeMilliseconds() * 1000);
    }

    [Fact]
    public void A_line_split_across_feeds_is_stamped_when_it_ends()
    {
        var clock = new FakeTimeProvider(Start);
        var monitor = new GuestProgressMonitor(clock);
        Feed(monitor, "tick 10");
        clock.Advance(TimeSpan.FromMilliseconds(3));
        Feed(monitor, "0 7\r\n");
        var sample = monitor.Samples.ShouldHaveSingleItem();
        sample.GuestMilliseconds.ShouldBe(100UL);
        sample.HostUnixMicros.ShouldBe(Start.ToUnixTimeMilliseconds() * 1000 + 3000);
    }

    [Theory]
    [InlineData("tern-guest: ready\n")]
    [InlineData("tick\n")]
    [InlineData("tick 5\n")]
    [InlineData("tick 5 x\n")]
    [InlineData("tick 5 6 7\n")]
    [InlineData("ticks 5 6\n")]
    [InlineData("echo tick 5 6\n")]
    public void Other_lines_are_ignored(string line)
    {
        var monitor = new GuestProgressMonitor(new FakeTimeProvider(Start));
        Feed(monitor, line);
        monitor.Samples.ShouldBeEmpty();
    }

    [Fact]
    public void An_overlong_line_is_ignored_and_the_next_line_still_counts()
    {
        var monitor = new GuestProgressMonitor(new FakeTimeProvider(Start));
        Feed(monitor, "tick 1 2" + new string('9', 100) + "\ntick 3 4\n");
        monitor.Samples.ShouldHaveSingleItem().GuestMilliseconds.ShouldBe(3UL);
    }

    [Fact]
    public void Rate_is_pages_per_host_second_when_pages_advance()
    {
        ProgressSample[] samples = [new(0, 0, 1000), new(500_000, 100, 1500), new(2_000_000, 400, 3000)];
        GuestProgressMonitor.Rate(samples).ShouldBe(1000, 1e-9);
    }

    [Fact]
    public void Rate_of_an_idle_guest_is_its_clock_progress()
    {
        ProgressSample[] samples = [new(0, 0, 0), new(2_000_000, 1000, 0)];
        GuestProgressMonitor.Rate(samples).ShouldBe(500, 1e-9);
    }

    [Fact]
    public void Rate_needs_two_samples()
    {
        GuestProgressMonitor.Rate([new ProgressSample(0, 0, 0)]).ShouldBe(0);
    }

    [Fact]
    public void Largest_gap_is_the_longest_host_time_between_lines()
    {
        ProgressSample[] samples = [new(0, 0, 0), new(100, 1, 0), new(900, 2, 0), new(1000, 3, 0)];
        GuestProgressMonitor.LargestGap(samples).ShouldBe(800);
    }

    [Fact]
    public void Samples_since_keeps_only_later_lines()
    {
        var clock = new FakeTimeProvider(Start);
        var monitor = new GuestProgressMonitor(clock);
        Feed(monitor, "tick 1 1\n");
        clock.Advance(TimeSpan.FromSeconds(1));
        var cut = GuestProgressMonitor.UnixMicros(clock);
        Feed(monitor, "tick 2 2\n");
        monitor.SamplesSince(cut).ShouldHaveSingleItem().GuestMilliseconds.ShouldBe(2UL);
    }
}
