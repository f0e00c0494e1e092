using System.Management.Automation;
using BackupPS.Engine;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Import;

namespace BackupPS.Cmdlets;

/// <summary>
/// Import-DbBackup: adopts backups made before BackupPS (SQLite copies, pg_dump files, gzip/zstd-compressed) into a
/// destination as normal BackupPS backups. All behaviour is in the engine's ImportOperation.
/// </summary>
[Cmdlet(VerbsData.Import, "DbBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(DbBackup))]
public sealed class ImportDbBackupCommand : ArchiveWritingCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    public DateTime? Created { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DatabaseName { get; set; }

    [Parameter]
    [ValidateSet("SQLite", "PostgreSQL")]
    public string? Engine { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    protected override void ProcessRecord()
    {
        var destination = ResolveLocation(Destination);
        foreach (var pattern in Path)
        {
            foreach (var file in Resolve(pattern))
            {
                Try(() =>
                {
                    var request = new ImportRequest
                    {
                        Path = file,
                        Destination = destination,
                        Stores = Stores,
                        Created = Created is { } c ? new DateTimeOffset(c) : null,
                        DatabaseName = DatabaseName,
                        Engine = Engine,
                        Compression = CompressionKind,
                        CompressionLevel = CompressionLevel,
                        Encryption = Keys,
                        Force = Force,
                        PgBinPath = PgBinPath is null ? null : ResolvePath(PgBinPath),
                    };
                    if (IsWhatIf)
                    {
                        ShouldProcess(ImportOperation.Preview(request), "Import");
                        return;
                    }
                    if (!ShouldProcess($"{file} -> {destination}", "Import")) return;
                    if (RunEngine(context => ImportOperation.Run(request, context)) is { } record) WriteObject(DbBackup.From(record));
                }, file);
            }
        }
    }

    /// <summary>Expands wildcards; a path that matches nothing is a per-item ImportFileNotFound error.</summary>
    private IEnumerable<string> Resolve(string pattern)
    {
        List<string> files;
        try
        {
            files = WildcardPattern.ContainsWildcardCharacters(pattern)
                ? [.. GetResolvedProviderPathFromPSPath(pattern, out _)]
                : [ResolvePath(pattern)];
        }
        catch (Exception ex) when (ex is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException)
        {
            files = [];
        }
        // A file whose name holds wildcard characters ("app[1].db.gz") is taken literally when it exists.
        if (files.Count == 0 && File.Exists(ResolvePath(pattern))) files = [ResolvePath(pattern)];
        if (files.Count == 0)
            WriteError(ErrorFor(new BackupException("ImportFileNotFound", BackupErrorKind.NotFound, $"No file matches '{pattern}'.", pattern), pattern));
        return files;
    }
}
