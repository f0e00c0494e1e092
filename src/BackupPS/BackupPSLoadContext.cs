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

    /// <summary>The runtime identifier of this process (os, libc, architecture), as NuGet's runtimes/ folders name it.</summary>
    public static string RuntimeId { get; } = DetectRuntimeId();

    /// <summary>Where this platform's SQLite native library lives in the module.</summary>
    public static string NativeDirectory { get; } = Path.Combine(DependencyDirectory, "runtimes", RuntimeId, "native");

    private BackupPSLoadContext() : base("BackupPS", isCollectible: false) { }

    /// <summary>
    /// Fails the import with one sentence naming the platform when the module ships no SQLite library for it, instead
    /// of the first SQLite call failing later with a type-initializer exception.
    /// </summary>
    public static void EnsurePlatformSupported()
    {
        if (Directory.Exists(NativeDirectory) && Directory.EnumerateFiles(NativeDirectory).Any()) return;
        var shipped = Directory.Exists(Path.Combine(DependencyDirectory, "runtimes"))
            ? string.Join(", ", Directory.GetDirectories(Path.Combine(DependencyDirectory, "runtimes")).Select(Path.GetFileName).Order())
            : "none";
        throw new PlatformNotSupportedException(
            $"BackupPS does not support this platform ({RuntimeId}, {RuntimeInformation.OSDescription}): the module ships no SQLite native library for it. Supported platforms: {shipped}.");
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(DependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null; // not ours: the default context decides
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var candidate in new[] { unmanagedDllName, $"lib{unmanagedDllName}.so", $"lib{unmanagedDllName}.dylib", $"{unmanagedDllName}.dll" })
        {
            var path = Path.Combine(NativeDirectory, candidate);
            if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
        }
        return IntPtr.Zero;
    }

    private static string DetectRuntimeId()
    {
        // Arm is 32-bit ARM (Raspberry Pi OS armhf), named linux-arm by NuGet; X86 is win-x86.
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        if (OperatingSystem.IsWindows()) return $"win-{arch}";
        if (OperatingSystem.IsMacOS()) return $"osx-{arch}";
        var musl = Directory.Exists("/lib") && Directory.EnumerateFiles("/lib", "ld-musl-*").Any();
        return musl ? $"linux-musl-{arch}" : $"linux-{arch}";
    }
}
