namespace Tern.Sim.Tests;

/// <summary>Finds the shared PlanetLab traces next to the repository, if they are there.</summary>
internal static class PlanetLabData
{
    public static string? Day(string day)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tern.slnx")))
            {
                string folder = Path.Combine(dir.FullName, "..", "shared", "data", "planetlab", day);
                return Directory.Exists(folder) ? folder : null;
            }
        }
        return null;
    }
}
