using System.Text.Json.Nodes;

namespace Tern.Vmm.Control;

/// <summary>The control operations a machine answers by itself: status, pause, resume, stop.</summary>
public static class MachineControl
{
    public static void Register(ControlServer server, Machine machine, string name)
    {
        server.Register("status", (_, _, _) => new JsonObject
        {
            ["name"] = name,
            ["state"] = machine.IsStopping ? "stopping" : machine.IsPaused ? "paused" : "running",
            ["vcpus"] = machine.VcpuCount,
            ["memory_bytes"] = machine.Config.MemoryBytes,
            ["uptime_ms"] = (long)machine.Uptime.TotalMilliseconds,
            ["kernel"] = machine.Config.KernelPath,
            ["pid"] = Environment.ProcessId,
        });
        server.Register("pause", (_, _, _) =>
        {
            machine.Pause();
            return new JsonObject { ["state"] = "paused" };
        });
        server.Register("resume", (_, _, _) =>
        {
            machine.Resume();
            return new JsonObject { ["state"] = "running" };
        });
        server.Register("stop", (_, _, _) =>
        {
            machine.RequestStop(new MachineExit(MachineExitKind.Stopped, "stopped through the control API"));
            return new JsonObject { ["state"] = "stopping" };
        });
    }
}
