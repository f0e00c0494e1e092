namespace BackupPS.Engine.Operations;

/// <summary>
/// Removes what killed runs left behind (never listed, but it holds disk): the *.tar*.partial files of backups and
/// sidecars, the .*.snapshot.partial database copies, the .backupps-probe-* write probes and the .backupps-* scratch
/// folders — names only BackupPS makes,
/// as a restore's work folder is the user's own. Only items untouched for <see cref="MinimumAge"/>
/// go: a live run writes its temporary files continuously, so a recent one may belong to a backup still running.
/// </summary>
internal static class StaleTemporaryFiles
{
    public static readonly TimeSpan MinimumAge = TimeSpan.FromHours(6);

    /// <summary>
    /// The system temp folder holds verification scratch copies and the snapshots of encrypted backups — plaintext —
    /// left by killed runs. A day's wait there: a verification may sit in one long integrity_check without touching them.
    /// </summary>
    public static void CleanTempFolder(OperationContext context) => Clean(Path.GetTempPath(), context, TimeSpan.FromDays(1));

    public static void Clean(string folder, OperationContext context) => Clean(folder, context, MinimumAge);

    private static void Clean(string folder, OperationContext context, TimeSpan minimumAge)
    {
        if (!Directory.Exists(folder)) return;
        var cutoff = DateTime.UtcNow - minimumAge;
        try
        {
            var partials = Directory.EnumerateFiles(folder, "*.tar*" + Format.BackupNaming.PartialSuffix)
                .Concat(Directory.EnumerateFiles(folder, ".*.snapshot" + Format.BackupNaming.PartialSuffix))
                .Concat(Directory.EnumerateFiles(folder, Format.BackupNaming.WriteProbePrefix + "*"));
            foreach (var file in partials.Distinct())
            {
                if (File.GetLastWriteTimeUtc(file) >= cutoff) continue;
                FileSystemSecurity.DeleteDatabaseFiles(file);
                context.Verbose($"Removed '{file}', left by an interrupted run.");
            }
            foreach (var scratch in Directory.EnumerateDirectories(folder, ".backupps-*"))
            {
                if (Directory.GetLastWriteTimeUtc(scratch) >= cutoff) continue;
                try { Directory.Delete(scratch, recursive: true); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { continue; } // another user's, in a shared temp folder
                context.Verbose($"Removed '{scratch}', left by an interrupted run.");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Verbose($"Could not tidy '{folder}': {ex.Message}"); // housekeeping only: never fails the operation
        }
    }
}
