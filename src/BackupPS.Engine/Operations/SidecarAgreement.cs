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
        // What verification and a restore compare the data with: an edited count would otherwise pass as the truth
        // (a redacted sidecar of an encrypted backup holds neither).
        if (!record.Encrypted && !SameTables(sidecar.Tables, archive.Tables)) fields.Add("tables");
        if (!record.Encrypted && !SameLargeObjects(sidecar.Postgres?.LargeObjects, archive.Postgres?.LargeObjects)) fields.Add("postgres.largeObjects");
        return fields;
    }

    private static bool SameTables(List<TableRowCount> a, List<TableRowCount> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Rows == p.Second.Rows
            && p.First.Schema == p.Second.Schema && p.First.Table == p.Second.Table && p.First.Oid == p.Second.Oid);

    private static bool SameLargeObjects(PostgresLargeObjectsInfo? a, PostgresLargeObjectsInfo? b) =>
        a is null ? b is null : b is not null && a.Count == b.Count && a.Bytes == b.Bytes && a.Sha256 == b.Sha256;

    public static BackupException Mismatch(string path, IReadOnlyList<string> fields) =>
        new("SidecarMismatch", BackupErrorKind.InvalidData,
            $"The sidecar of '{path}' does not agree with the manifest inside the backup ({string.Join(", ", fields)} differ), so it was edited or belongs to another backup; nothing was restored. Test it with Test-DbBackup -Path, which checks the archive by its own checksums.", path);
}
