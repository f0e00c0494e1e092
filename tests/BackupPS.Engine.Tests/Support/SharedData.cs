namespace BackupPS.Engine.Tests.Support;

/// <summary>The project's third-party sample data in ../shared/data beside the repository (present in CI too).</summary>
internal static class SharedData
{
    public static string Path(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "BackupPS.sln")))
                return System.IO.Path.Combine(dir.FullName, "..", "shared", "data", name);
        }
        return name;
    }
}
