namespace Tern.Cluster.Detection;

/// <summary>Decides whether a host is, or is about to be, overloaded.</summary>
public interface IOverloadDetector
{
    bool IsOverloaded(in HostLoad load);
}
