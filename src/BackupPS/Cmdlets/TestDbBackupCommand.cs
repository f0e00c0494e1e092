using System.Management.Automation;
using BackupPS.Engine.Operations;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsDiagnostic.Test, "DbBackup", DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(DbBackupTestResult))]
public sealed class TestDbBackupCommand : KeyedBackupInputCmdlet
{
    [Parameter]
    public SwitchParameter Quick { get; set; }

    [Parameter]
    public SwitchParameter RestoreTest { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    protected override void ProcessRecord()
    {
        foreach (var (record, path) in Backups())
        {
            var request = new VerifyRequest { Record = record, Path = path, Quick = Quick };
            if (RestoreTest)
            {
                Try(() =>
                {
                    if (Server is null || !BackupPS.Engine.Sources.PostgresConnectionInfo.IsPostgres(Server))
                        throw new BackupPS.Engine.BackupException("ServerRequired", BackupPS.Engine.BackupErrorKind.InvalidArgument,
                            "-RestoreTest needs -Server: a postgres:// URL or connection string of a server where a throwaway database may be created.", path);
                    var (user, password) = PostgresCmdletSupport.FromCredential(Credential);
                    var server = BackupPS.Engine.Sources.PostgresConnectionInfo.Parse(Server, user, password);
                    var bin = PgBinPath is null ? null : ResolvePath(PgBinPath);
                    WriteObject(DbBackupTestResult.From(RunEngine(context => PostgresVerify.RestoreTest(request, server, bin, Jobs, context))));
                }, path);
                continue;
            }
            Try(() => WriteObject(DbBackupTestResult.From(RunEngine(context => VerifyOperation.Run(request, context)))), path);
        }
    }
}
