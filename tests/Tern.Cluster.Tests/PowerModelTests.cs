using Tern.Cluster.Power;

namespace Tern.Cluster.Tests;

public class PowerModelTests
{
    [Theory]
    [InlineData(0.0, 86.0)]
    [InlineData(0.5, 102.0)]
    [InlineData(1.0, 117.0)]
    [InlineData(0.55, 104.0)]
    [InlineData(0.05, 87.7)]
    public void G4_interpolates_linearly_between_its_spec_readings(double utilization, double watts) =>
        ServerPowerModels.HpProLiantMl110G4.PowerAt(utilization).ShouldBe(watts, 1e-9);

    [Theory]
    [InlineData(0.0, 93.7)]
    [InlineData(0.42, 111.2)]
    [InlineData(0.95, 134.0)]
    [InlineData(1.0, 135.0)]
    public void G5_interpolates_linearly_between_its_spec_readings(double utilization, double watts) =>
        ServerPowerModels.HpProLiantMl110G5.PowerAt(utilization).ShouldBe(watts, 1e-9);

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Rejects_utilisation_outside_zero_to_one(double utilization) =>
        Should.Throw<ArgumentOutOfRangeException>(() => ServerPowerModels.HpProLiantMl110G5.PowerAt(utilization));

    [Fact]
    public void Needs_eleven_readings() =>
        Should.Throw<ArgumentException>(() => new SpecPowerModel("bad", [1, 2, 3]));

    [Fact]
    public void Spec_power_matches_the_references_remainder_test_at_every_thousandth_and_tenth()
    {
        // The reference returns the table value when u % 0.1 == 0 and interpolates otherwise.
        var model = ServerPowerModels.HpProLiantMl110G5;
        double[] readings = [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135];
        var utilizations = Enumerable.Range(0, 1001).Select(k => k / 1000.0)
            .Concat(Enumerable.Range(0, 11).Select(k => k * 0.1))
            .Concat(Enumerable.Range(0, 11).Select(k => k / 10.0));
        foreach (double u in utilizations)
        {
            double expected;
            if (u % 0.1 == 0)
            {
                expected = readings[(int)(u * 10)];
            }
            else
            {
                int lower = (int)Math.Floor(u * 10);
                int upper = (int)Math.Ceiling(u * 10);
                expected = readings[lower] + (readings[upper] - readings[lower]) / 10 * (u - lower / 10.0) * 100;
            }
            BitConverter.DoubleToInt64Bits(model.PowerAt(u)).ShouldBe(BitConverter.DoubleToInt64Bits(expected), $"u = {u:R}");
        }
    }
}
