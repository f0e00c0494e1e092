using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>
/// Whether a sidecar describes the archive beside it: the sidecar is plain JSON anyone can edit, the manifest inside
/// the archive is covered by its checksums, so where they differ the archive's manifest is the truth and the backup
/// is not trusted (a restore would otherwise write where an edited sidecar points).
/// </summary>
internal static class SidecarAgreement
{
    /// <summary>The names of the fields in which the sidecar's manifest differs from the archive's (empty when they agree).</summary>
    public static List<string> Differences(BackupRecord record, Manifest archive)
    {
        var sidecar = record.Manifest;
        var fields = new List<string>();
        if (sidecar.Id != archive.Id) fields.Add("id");
        // An encrypted backup's sidecar is redacted: compare only what it shows.
        if (!(record.Encrypted && string.IsNullOrEmpty(sidecar.DatabaseName)) && sidecar.DatabaseName != archive.DatabaseName) fields.Add("databaseName");
        if (!(record.Encrypted && sidecar.SourcePath is null) && sidecar.SourcePath != archive.SourcePath) fields.Add("sourcePath");
        if (sidecar.CreatedUtc != archive.CreatedUtc) fields.Add("created");
        if (sidecar.Type != archive.Type) fields.Add("type");
        return fields;
    }

    public static BackupException Mismatch(string path, IReadOnlyList<string> fields) =>
        new("SidecarMismatch", BackupErrorKind.InvalidData,
            $"The sidecar of '{path}' does not agree with the manifest inside the backup ({string.Join(", ", fields)} differ), so it was edited or belongs to another backup; nothing was restored. Test it with Test-DbBackup -Path, which checks the archive by its own checksums.", path);
}
