namespace Tern.Cluster.Power;

/// <summary>Electrical power a server draws as a function of its CPU utilisation.</summary>
public interface IPowerModel
{
    /// <summary>Watts drawn at <paramref name="utilization"/> (0 = idle but on, 1 = fully loaded).</summary>
    double PowerAt(double utilization);

    /// <summary>Watts drawn at full load.</summary>
    double MaxPower { get; }
}
