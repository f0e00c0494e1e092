using System.Management.Automation;
using BackupPS.Engine;
using BackupPS.Engine.Compression;

namespace BackupPS.Cmdlets;

/// <summary>
/// Cmdlets that write new backup archives (New-DbBackup, Import-DbBackup): how the archive is compressed and, with
/// public keys only (nothing is decrypted), for whom it is encrypted. Declared once here.
/// </summary>
public abstract class ArchiveWritingCmdlet : MeteredDbBackupCmdlet
{
    [Parameter]
    public DbBackupCompression Compression { get; set; } = DbBackupCompression.Zstd;

    [Parameter]
    [ValidateRange(1, 19)]
    public int? CompressionLevel { get; set; }

    [Parameter]
    public System.Security.SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PassphraseFile { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Certificate { get; set; }

    /// <summary>The engine's codec for -Compression.</summary>
    protected CompressionKind CompressionKind => Enum.Parse<CompressionKind>(Compression.ToString());

    protected override void BeginProcessing()
    {
        try { Keys = KeyParameters.Build(Passphrase, PassphraseFile, Certificate, needPrivateKey: false, ResolvePath); }
        catch (BackupException ex) { ThrowTerminatingError(ErrorFor(ex, null)); }
    }
}
