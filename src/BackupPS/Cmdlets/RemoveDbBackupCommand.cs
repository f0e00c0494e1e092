using System.Management.Automation;
using BackupPS.Engine;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Retention;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.Remove, "DbBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(void), ParameterSetName = [InputObjectSet, PathSet])]
[OutputType(typeof(DbBackupRetentionDecision), ParameterSetName = [PolicySet])]
public sealed class RemoveDbBackupCommand : BackupInputCmdlet
{
    private const string PolicySet = "Policy";

    /// <summary>No prompt (all sets). In the Policy set it also lifts the LastVerified rule (the refusal -Force overrides, as the issue asks); the other safety rules stay.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter(ParameterSetName = PolicySet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? DatabaseName { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [ValidateNotNullOrEmpty]
    public DbBackupType[]? Type { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRetentionCount]
    public int? KeepLast { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRetentionCount]
    public int? KeepHourly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRetentionCount]
    public int? KeepDaily { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRetentionCount]
    public int? KeepWeekly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRetentionCount]
    public int? KeepMonthly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [ValidateRetentionCount]
    public int? KeepYearly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [RetentionPeriodTransformation]
    public RetentionPeriod? KeepWithin { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [RetentionPeriodTransformation]
    public RetentionPeriod? KeepWithinHourly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [RetentionPeriodTransformation]
    public RetentionPeriod? KeepWithinDaily { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [RetentionPeriodTransformation]
    public RetentionPeriod? KeepWithinWeekly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [RetentionPeriodTransformation]
    public RetentionPeriod? KeepWithinMonthly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    [RetentionPeriodTransformation]
    public RetentionPeriod? KeepWithinYearly { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    public TimeSpan? OlderThan { get; set; }

    [Parameter(ParameterSetName = PolicySet)]
    public SwitchParameter Utc { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PolicySet)
        {
            ApplyPolicy();
            return;
        }
        foreach (var (record, path) in Backups())
        {
            Try(() =>
            {
                // -Path gives no record: find the sidecar beside the file (BackupNotFound if the file is missing).
                var target = record ?? BackupLocator.RequireListed(path, Stores, "Remove-DbBackup removes only those. Delete the file yourself if it should go.");
                var description = $"Backup {target.Id} of '{target.DatabaseName}' ({target.Type}, {target.CreatedUtc.LocalDateTime:yyyy-MM-dd HH:mm:ss}) and its sidecar";
                if (!(Force && !IsWhatIf) && !ShouldProcess(target.Path, "Remove " + description)) return;
                RunEngine(context => RemoveOperation.Run(target, context));
                WriteVerbose($"Removed '{target.Path}' and '{target.SidecarPath}'.");
            }, path);
        }
    }

    /// <summary>The Policy set: the engine plans, the user confirms each removal here (ShouldProcess), the engine removes.</summary>
    private void ApplyPolicy()
    {
        var path = ResolveLocation(Destination);
        var policy = new RetentionPolicy
        {
            KeepLast = KeepLast,
            KeepHourly = KeepHourly,
            KeepDaily = KeepDaily,
            KeepWeekly = KeepWeekly,
            KeepMonthly = KeepMonthly,
            KeepYearly = KeepYearly,
            KeepWithin = KeepWithin,
            KeepWithinHourly = KeepWithinHourly,
            KeepWithinDaily = KeepWithinDaily,
            KeepWithinWeekly = KeepWithinWeekly,
            KeepWithinMonthly = KeepWithinMonthly,
            KeepWithinYearly = KeepWithinYearly,
            OlderThan = OlderThan,
            TimeZone = Utc ? TimeZoneInfo.Utc : TimeZoneInfo.Local,
            DatabaseNames = DatabaseName,
            Types = Type?.Select(t => Enum.Parse<BackupType>(t.ToString())).ToArray(),
            AllowRemoveLastVerified = Force,
        };
        RetentionOperation? operation = null;
        Try(() => operation = new RetentionOperation(OpenDestination(Destination)), path);
        if (operation is null) return;
        RetentionPlan? plan = null;
        Try(() => plan = RunEngine(ctx => operation.Plan(policy, DateTimeOffset.UtcNow, ctx)), path);
        if (plan is null) return;
        foreach (var problem in plan.Problems) WriteError(ErrorFor(problem, path));

        var approved = new List<RetentionDecision>();
        foreach (var decision in plan.Removals)
        {
            var b = decision.Backup;
            var action = $"Remove backup {b.Id} of '{b.DatabaseName}' ({b.Type}, {b.CreatedUtc.LocalDateTime:yyyy-MM-dd HH:mm:ss}) and its sidecar: {decision.Reason}";
            if ((Force && !IsWhatIf) || ShouldProcess(b.Path, action)) approved.Add(decision);
        }

        IReadOnlyList<RetentionRemoval> results = [];
        if (!IsWhatIf) Try(() => results = RunEngine(ctx => operation.Apply(plan, approved, ctx)), path);
        foreach (var result in results)
            if (result.Error is not null) WriteError(ErrorFor(result.Error, result.Decision.Backup.Path));
        var removed = new HashSet<RetentionDecision>(results.Where(r => r.Removed).Select(r => r.Decision), ReferenceEqualityComparer.Instance);
        foreach (var decision in plan.Decisions)
            WriteObject(DbBackupRetentionDecision.From(decision, removed.Contains(decision)));
    }

    /// <summary>A -KeepWithin* span: restic's "1y2m3d4h" or a TimeSpan (what worked before calendar spans still works).</summary>
    private sealed class RetentionPeriodTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            try
            {
                return value switch
                {
                    null or RetentionPeriod => value,
                    TimeSpan span => (RetentionPeriod)span,
                    string text => RetentionPeriod.Parse(text),
                    _ => RetentionPeriod.Parse(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
                };
            }
            catch (BackupException e)
            {
                throw new ArgumentTransformationMetadataException(e.Message, e);
            }
        }
    }

    /// <summary>A Keep* count: 1 or more, or -1 for unlimited (as restic).</summary>
    private sealed class ValidateRetentionCountAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (arguments is int n && n < 1 && n != RetentionPolicy.Unlimited)
                throw new ValidationMetadataException($"The count must be 1 or more, or -1 for unlimited (it was {n}).");
        }
    }
}
