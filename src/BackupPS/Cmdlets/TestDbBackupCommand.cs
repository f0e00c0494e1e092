using System.Management.Automation;
using BackupPS.Engine.Operations;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsDiagnostic.Test, "DbBackup", DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(DbBackupTestResult))]
public sealed class TestDbBackupCommand : BackupInputCmdlet
{
    [Parameter]
    public SwitchParameter Quick { get; set; }

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
        try { Keys = KeyParameters.Build(Passphrase, PassphraseFile, Certificate, needPrivateKey: true, ResolvePath); }
        catch (BackupPS.Engine.BackupException ex) { ThrowTerminatingError(ErrorFor(ex, null)); }
    }

    protected override void ProcessRecord()
    {
        foreach (var (record, path) in Backups())
        {
            var request = new VerifyRequest { Record = record, Path = path, Quick = Quick };
            Try(() => WriteObject(DbBackupTestResult.From(RunEngine(context => VerifyOperation.Run(request, context)))), path);
        }
    }
}
