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
}
