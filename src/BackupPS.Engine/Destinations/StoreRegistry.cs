using System.Text.RegularExpressions;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// Picks the store kind a location names by its URL scheme: a plain path is a local folder, scheme://... the kind
/// registered for that scheme; an unknown scheme is refused (StoreUnknownScheme) rather than taken for a folder name.
/// </summary>
public static partial class StoreRegistry
{
    private static readonly IStoreKind Local = new LocalStoreKind();
    private static readonly IStoreKind[] Remote = [new S3StoreKind()];

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]+)://")]
    private static partial Regex SchemePattern();

    /// <summary>The schemes a location may start with, for messages.</summary>
    public static IEnumerable<string> KnownSchemes => Remote.Select(k => k.Scheme + "://");

    /// <summary>True for scheme://... (a remote store, or an unknown scheme); false for a plain path. Never throws.</summary>
    public static bool HasScheme(string? location) => location is not null && SchemePattern().IsMatch(location);

    /// <summary>The kind of store <paramref name="location"/> names.</summary>
    public static IStoreKind KindOf(string location)
    {
        var match = SchemePattern().Match(location);
        if (!match.Success) return Local;
        var scheme = match.Groups["scheme"].Value;
        return Remote.FirstOrDefault(k => string.Equals(k.Scheme, scheme, StringComparison.OrdinalIgnoreCase))
            ?? throw new BackupException("StoreUnknownScheme", BackupErrorKind.InvalidArgument,
                $"'{location}' names a store of kind '{scheme}://', which BackupPS does not know. Give a folder path or one of: {string.Join(", ", KnownSchemes)}.", location);
    }

    public static IBackupDestination Open(string location, StoreConnections? connections = null) =>
        KindOf(location).Open(location, connections ?? StoreConnections.None);

    public static BackupRecord? Locate(string path, StoreConnections? connections = null) =>
        KindOf(path).Locate(path, connections ?? StoreConnections.None);

    /// <summary>A backup's path without a trailing sidecar suffix (a sidecar's name means its backup).</summary>
    internal static string BackupPathOf(string path) =>
        path.EndsWith(Format.Sidecar.Suffix, StringComparison.OrdinalIgnoreCase) && path.Contains(".tar", StringComparison.OrdinalIgnoreCase)
            ? path[..^Format.Sidecar.Suffix.Length] : path;
}
