using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace BackupPS;

/// <summary>At import, routes the engine assembly (and through it every dependency) to <see cref="BackupPSLoadContext"/>.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private const string EngineAssembly = "BackupPS.Engine";

    public void OnImport()
    {
        BackupPSLoadContext.EnsurePlatformSupported();
        AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssembly ? BackupPSLoadContext.Instance.LoadFromAssemblyName(name) : null;
}
