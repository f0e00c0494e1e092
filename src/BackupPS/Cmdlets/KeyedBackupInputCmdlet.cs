using System.Management.Automation;
using System.Security;

namespace BackupPS.Cmdlets;

/// <summary>Cmdlets that open backups which may be encrypted (Test, Restore): the passphrase or private keys that open them.</summary>
public abstract class KeyedBackupInputCmdlet : BackupInputCmdlet
{
    [Parameter]
    public SecureString? Passphrase { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PassphraseFile { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Certificate { get; set; }

    [Parameter]
    public SecureString? CertificatePassword { get; set; }

    protected override void BeginProcessing()
    {
        try { Keys = KeyParameters.Build(Passphrase, PassphraseFile, Certificate, needPrivateKey: true, ResolvePath, CertificatePassword); }
        catch (BackupPS.Engine.BackupException ex) { ThrowTerminatingError(ErrorFor(ex, null)); }
    }
}
