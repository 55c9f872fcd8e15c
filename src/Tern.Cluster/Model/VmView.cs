namespace Tern.Cluster.Model;

/// <summary>
/// A VM as the controller sees it at decision time.
/// </summary>
/// <param name="RequestedMips">CPU the VM asks for now.</param>
/// <param name="History">Past CPU utilisation as fractions of <see cref="VmSpec.Mips"/>, most recent first.</param>
/// <param name="HostId">The host it runs on (the source while it migrates); -1 when not placed or gone.</param>
/// <param name="ReservedRamMb">Memory a host must have free to accept it.</param>
/// <param name="ReservedBandwidthMbps">Network share a host must have free to accept it.</param>
public sealed record VmView(
    int Id,
    VmSpec Spec,
    double RequestedMips,
    ReadOnlyMemory<double> History,
    int HostId,
    bool InMigration,
    int ReservedRamMb,
    double ReservedBandwidthMbps)
{
    public double Utilization => RequestedMips / Spec.Mips;
}
