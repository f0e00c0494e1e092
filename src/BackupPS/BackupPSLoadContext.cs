using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BackupPS;

/// <summary>
/// The module's own load context: the engine and every third-party assembly (Microsoft.Data.Sqlite, SQLitePCLRaw,
/// SharpCompress) load from dependencies/ here, so another module carrying other versions can share the session.
/// It also finds native libraries (e_sqlite3) under dependencies/runtimes/&lt;rid&gt;/native/, which pwsh would not,
/// as it ignores a module's deps.json.
/// </summary>
internal sealed class BackupPSLoadContext : AssemblyLoadContext
{
    private static readonly string DependencyDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(BackupPSLoadContext).Assembly.Location)!, "dependencies");

    public static BackupPSLoadContext Instance { get; } = new();

    private BackupPSLoadContext() : base("BackupPS", isCollectible: false) { }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(DependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null; // not ours: the default context decides
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var native = Path.Combine(DependencyDirectory, "runtimes", RuntimeId(), "native");
        foreach (var candidate in new[] { unmanagedDllName, $"lib{unmanagedDllName}.so", $"lib{unmanagedDllName}.dylib", $"{unmanagedDllName}.dll" })
        {
            var path = Path.Combine(native, candidate);
            if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
        }
        return IntPtr.Zero;
    }

    private static string RuntimeId()
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        if (OperatingSystem.IsWindows()) return $"win-{arch}";
        if (OperatingSystem.IsMacOS()) return $"osx-{arch}";
        var musl = Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
        return musl ? $"linux-musl-{arch}" : $"linux-{arch}";
    }
}
