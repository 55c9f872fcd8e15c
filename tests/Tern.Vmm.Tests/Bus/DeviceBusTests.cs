using Tern.Vmm.Bus;

namespace Tern.Vmm.Tests.Bus;

public class DeviceBusTests
{
    [Fact]
    public void A_read_reaches_the_device_with_the_offset_from_its_base()
    {
        var bus = new DeviceBus("pio");
        var uart = new RecordingDevice(answer: 0x42);
        bus.Register(0x3f8, 8, uart);

        var data = new byte[1];
        bus.Read(0x3fd, data);

        uart.Reads.ShouldBe([(5UL, 1)]);
        data[0].ShouldBe((byte)0x42);
    }

    [Fact]
    public void A_write_reaches_the_device_with_the_offset_and_the_bytes()
    {
        var bus = new DeviceBus("mmio");
        var device = new RecordingDevice();
        bus.Register(0xd000_0000, 0x1000, device);

        bus.Write(0xd000_0010, [1, 2, 3, 4]);

        var write = device.Writes.ShouldHaveSingleItem();
        write.Offset.ShouldBe(0x10UL);
        write.Data.ShouldBe([1, 2, 3, 4]);
    }

    [Fact]
    public void Accesses_are_routed_to_the_device_owning_the_address_among_many()
    {
        var bus = new DeviceBus("pio");
        var devices = new Dictionary<ulong, RecordingDevice>();
        // Registered out of order, so the lookup cannot rely on registration order.
        foreach (var start in new ulong[] { 0x3f8, 0x60, 0x2f8, 0x70, 0x20, 0x40 })
            bus.Register(start, 2, devices[start] = new RecordingDevice());

        bus.Write(0x71, [9]);

        devices[0x70].Writes.ShouldHaveSingleItem().Offset.ShouldBe(1UL);
        devices.Where(d => d.Key != 0x70).ShouldAllBe(d => d.Value.Writes.Count == 0);
    }

    [Fact]
    public void The_first_and_last_addresses_of_a_range_belong_to_it()
    {
        var bus = new DeviceBus("pio");
        var device = new RecordingDevice();
        bus.Register(0x60, 5, device);

        bus.Read(0x60, new byte[1]);
        bus.Read(0x64, new byte[1]);

        device.Reads.Select(r => r.Offset).ShouldBe([0UL, 4]);
    }

    [Fact]
    public void An_unclaimed_read_returns_all_ones_and_is_counted()
    {
        var bus = new DeviceBus("pio");
        bus.Register(0x60, 5, new RecordingDevice());

        var data = new byte[] { 0, 0, 0, 0 };
        bus.Read(0x65, data);

        data.ShouldBe([0xff, 0xff, 0xff, 0xff]);
        bus.UnclaimedAccesses.ShouldBe(1);
    }

    [Fact]
    public void An_unclaimed_write_is_ignored_and_counted()
    {
        var bus = new DeviceBus("pio");
        var device = new RecordingDevice();
        bus.Register(0x60, 5, device);

        bus.Write(0x5f, [1]);
        bus.Write(0x80, [1]);

        device.Writes.ShouldBeEmpty();
        bus.UnclaimedAccesses.ShouldBe(2);
    }

    [Fact]
    public void An_empty_bus_claims_nothing()
    {
        var bus = new DeviceBus("pio");
        var data = new byte[2];
        bus.Read(0, data);
        data.ShouldBe([0xff, 0xff]);
        bus.UnclaimedAccesses.ShouldBe(1);
    }

    [Fact]
    public void Claimed_accesses_are_not_counted()
    {
        var bus = new DeviceBus("pio");
        bus.Register(0x60, 1, new RecordingDevice());
        bus.Read(0x60, new byte[1]);
        bus.Write(0x60, [0]);
        bus.UnclaimedAccesses.ShouldBe(0);
    }

    [Theory]
    [InlineData(0x3f8UL, 8UL)] // the same range
    [InlineData(0x3fcUL, 8UL)] // overlapping its end
    [InlineData(0x3f0UL, 9UL)] // overlapping its start
    [InlineData(0x3faUL, 1UL)] // inside it
    [InlineData(0x3f0UL, 0x20UL)] // around it
    public void A_range_overlapping_a_registered_one_is_refused(ulong start, ulong length)
    {
        var bus = new DeviceBus("pio");
        bus.Register(0x3f8, 8, new RecordingDevice());
        Should.Throw<InvalidOperationException>(() => bus.Register(start, length, new RecordingDevice()))
            .Message.ShouldContain("pio range");
    }

    [Fact]
    public void Ranges_that_touch_without_overlapping_are_both_accepted()
    {
        var bus = new DeviceBus("pio");
        var low = new RecordingDevice();
        var high = new RecordingDevice();
        bus.Register(0x3f8, 8, low);
        bus.Register(0x400, 8, high);
        bus.Register(0x3f0, 8, new RecordingDevice());

        bus.Read(0x3ff, new byte[1]);
        bus.Read(0x400, new byte[1]);

        low.Reads.ShouldBe([(7UL, 1)]);
        high.Reads.ShouldBe([(0UL, 1)]);
    }

    [Fact]
    public void An_empty_range_is_refused() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new DeviceBus("pio").Register(0x60, 0, new RecordingDevice()));

    [Fact]
    public void A_refused_registration_leaves_the_bus_unchanged()
    {
        var bus = new DeviceBus("pio");
        var first = new RecordingDevice();
        bus.Register(0x60, 4, first);
        Should.Throw<InvalidOperationException>(() => bus.Register(0x62, 4, new RecordingDevice()));

        bus.Read(0x64, new byte[1]);

        bus.UnclaimedAccesses.ShouldBe(1);
        first.Reads.ShouldBeEmpty();
    }

    private sealed class RecordingDevice(byte answer = 0) : IBusDevice
    {
        public List<(ulong Offset, int Length)> Reads { get; } = [];
        public List<(ulong Offset, byte[] Data)> Writes { get; } = [];

        public void Read(ulong offset, Span<byte> data)
        {
            Reads.Add((offset, data.Length));
            data.Fill(answer);
        }

        public void Write(ulong offset, ReadOnlySpan<byte> data) => Writes.Add((offset, data.ToArray()));
    }
}
