using BackupPS.Engine.Audit;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>Removes one listed backup (sidecar first, then the file), audited.</summary>
public static class RemoveOperation
{
    public static BackupRecord Run(BackupRecord record, OperationContext context) =>
        Audited.Run(context, Audited.ForBackup(AuditOperation.Remove, record, record.Path), () =>
        {
            record.Destination.Delete(record);
            return record;
        });
}
