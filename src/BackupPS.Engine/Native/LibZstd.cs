using System.Runtime.InteropServices;

namespace BackupPS.Engine.Native;

/// <summary>
/// The system libzstd (the library behind the zstd CLI), bound by function pointers so no DllImport resolution or
/// third-party binding is needed. Measured faster than the managed port at the same level and worker count;
/// where the library is absent (Windows, macOS without it) <see cref="IsAvailable"/> is false and the managed codec is used.
/// </summary>
internal static unsafe class LibZstd
{
    public const int CompressionLevelParameter = 100; // ZSTD_c_compressionLevel
    public const int ChecksumFlagParameter = 201;     // ZSTD_c_checksumFlag
    public const int WorkersParameter = 400;          // ZSTD_c_nbWorkers
    public const int WindowLogMaxParameter = 100;     // ZSTD_d_windowLogMax
    public const int EndContinue = 0, EndFlush = 1, EndFrame = 2;

    [StructLayout(LayoutKind.Sequential)]
    public struct InBuffer { public byte* Src; public nuint Size; public nuint Pos; }

    [StructLayout(LayoutKind.Sequential)]
    public struct OutBuffer { public byte* Dst; public nuint Size; public nuint Pos; }

    public static readonly delegate* unmanaged<nint> CreateCCtx;
    public static readonly delegate* unmanaged<nint, nuint> FreeCCtx;
    public static readonly delegate* unmanaged<nint, int, int, nuint> CCtxSetParameter;
    public static readonly delegate* unmanaged<nint, OutBuffer*, InBuffer*, int, nuint> CompressStream2;
    public static readonly delegate* unmanaged<nint> CreateDCtx;
    public static readonly delegate* unmanaged<nint, nuint> FreeDCtx;
    public static readonly delegate* unmanaged<nint, int, int, nuint> DCtxSetParameter;
    public static readonly delegate* unmanaged<nint, OutBuffer*, InBuffer*, nuint> DecompressStream;
    public static readonly delegate* unmanaged<nuint, uint> IsErrorFn;
    public static readonly delegate* unmanaged<nuint, byte*> GetErrorNameFn;
    public static readonly delegate* unmanaged<uint> VersionNumber;

    public static bool IsAvailable { get; }

    static LibZstd()
    {
        if (Environment.GetEnvironmentVariable("BACKUPPS_ZSTD") == "managed") return; // lets tests and benchmarks compare codecs
        foreach (var name in CandidateNames())
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            try
            {
                CreateCCtx = (delegate* unmanaged<nint>)NativeLibrary.GetExport(lib, "ZSTD_createCCtx");
                FreeCCtx = (delegate* unmanaged<nint, nuint>)NativeLibrary.GetExport(lib, "ZSTD_freeCCtx");
                CCtxSetParameter = (delegate* unmanaged<nint, int, int, nuint>)NativeLibrary.GetExport(lib, "ZSTD_CCtx_setParameter");
                CompressStream2 = (delegate* unmanaged<nint, OutBuffer*, InBuffer*, int, nuint>)NativeLibrary.GetExport(lib, "ZSTD_compressStream2");
                CreateDCtx = (delegate* unmanaged<nint>)NativeLibrary.GetExport(lib, "ZSTD_createDCtx");
                FreeDCtx = (delegate* unmanaged<nint, nuint>)NativeLibrary.GetExport(lib, "ZSTD_freeDCtx");
                DCtxSetParameter = (delegate* unmanaged<nint, int, int, nuint>)NativeLibrary.GetExport(lib, "ZSTD_DCtx_setParameter");
                DecompressStream = (delegate* unmanaged<nint, OutBuffer*, InBuffer*, nuint>)NativeLibrary.GetExport(lib, "ZSTD_decompressStream");
                IsErrorFn = (delegate* unmanaged<nuint, uint>)NativeLibrary.GetExport(lib, "ZSTD_isError");
                GetErrorNameFn = (delegate* unmanaged<nuint, byte*>)NativeLibrary.GetExport(lib, "ZSTD_getErrorName");
                VersionNumber = (delegate* unmanaged<uint>)NativeLibrary.GetExport(lib, "ZSTD_versionNumber");
                // Multithreaded compression (nbWorkers) arrived in 1.4; older system libraries fall back to managed.
                IsAvailable = VersionNumber() >= 10400;
                if (IsAvailable) return;
            }
            catch (EntryPointNotFoundException) { }
            NativeLibrary.Free(lib);
        }
    }

    private static IEnumerable<string> CandidateNames()
    {
        if (OperatingSystem.IsLinux()) return ["libzstd.so.1", "libzstd.so"];
        if (OperatingSystem.IsMacOS()) return ["libzstd.1.dylib", "/opt/homebrew/lib/libzstd.1.dylib", "/usr/local/lib/libzstd.1.dylib"];
        if (OperatingSystem.IsWindows()) return ["libzstd.dll", "zstd.dll"];
        return ["libzstd.so.1"];
    }

    public static string Version => IsAvailable ? $"{VersionNumber() / 10000}.{VersionNumber() / 100 % 100}.{VersionNumber() % 100}" : "";

    /// <summary>Throws when a zstd call returned an error code; returns the code otherwise.</summary>
    public static nuint Check(nuint code, string operation)
    {
        if (IsErrorFn(code) == 0) return code;
        var name = Marshal.PtrToStringAnsi((nint)GetErrorNameFn(code)) ?? "unknown error";
        throw new InvalidDataException($"zstd {operation} failed: {name}");
    }
}
