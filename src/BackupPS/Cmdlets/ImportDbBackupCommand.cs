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
public sealed class ImportDbBackupCommand : DestinationCmdlet
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
    public DbBackupCompression Compression { get; set; } = DbBackupCompression.Zstd;

    [Parameter]
    [ValidateRange(1, 19)]
    public int? CompressionLevel { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    [Parameter]
    public System.Security.SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PassphraseFile { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Certificate { get; set; }

    protected override void BeginProcessing()
    {
        try { Keys = KeyParameters.Build(Passphrase, PassphraseFile, Certificate, needPrivateKey: false, ResolvePath); }
        catch (BackupException ex) { ThrowTerminatingError(ErrorFor(ex, null)); }
    }

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
                        S3 = S3,
                        Created = Created is { } c ? new DateTimeOffset(c) : null,
                        DatabaseName = DatabaseName,
                        Engine = Engine,
                        Compression = Enum.Parse<CompressionKind>(Compression.ToString()),
                        CompressionLevel = CompressionLevel,
                        Encryption = Keys,
                        Force = Force,
                        PgBinPath = PgBinPath is null ? null : ResolvePath(PgBinPath),
                    };
                    if (IsWhatIf)
                    {
                        // Recognising the file reads only its first bytes: -WhatIf says what it is without checking or writing anything.
                        var detection = ImportOperation.Detect(file);
                        var name = DatabaseName ?? ImportOperation.DatabaseNameFor(System.IO.Path.GetFileName(file));
                        var created = request.Created ?? new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero);
                        ShouldProcess($"{file}: a {detection.Description}, as a backup of '{name}' created {created.LocalDateTime:yyyy-MM-dd HH:mm:ss}, into {destination}", "Import");
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
