using System.Management.Automation;
using BackupPS.Engine.Health;
using BackupPS.Engine.Sources;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.Get, "DbHealth")]
[OutputType(typeof(DbHealth))]
public sealed class GetDbHealthCommand : DestinationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Path")]
    [ValidateNotNullOrEmpty]
    public string Database { get; set; } = "";

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    public SwitchParameter Quick { get; set; }

    [Parameter]
    public SwitchParameter Exact { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override void ProcessRecord()
    {
        var options = new HealthOptions
        {
            Quick = Quick,
            Exact = Exact,
            Destination = Destination is null ? null : ResolveLocation(Destination),
            Stores = Stores,
        };
        if (PostgresConnectionInfo.IsPostgres(Database))
        {
            Try(() =>
            {
                var (user, password) = PostgresCmdletSupport.FromCredential(Credential);
                var connection = PostgresConnectionInfo.Parse(Database, user, password);
                WriteObject(DbHealth.From(RunEngine(context => PostgresHealthCheck.Run(connection, options, context))));
            }, PostgresConnectionInfo.Redact(Database));
            return;
        }
        var path = ResolvePath(Database);
        Try(() => WriteObject(DbHealth.From(RunEngine(context => SqliteHealthCheck.Run(path, options, context)))), path);
    }
}
