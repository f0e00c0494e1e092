using BackupPS.Engine.Format;

namespace BackupPS.Engine.Destinations;

/// <summary>Reading a sidecar's bytes, wherever they were stored: a newer format and unreadable JSON are clear errors.</summary>
internal static class SidecarFile
{
    public static Sidecar Parse(byte[] bytes, string where)
    {
        Sidecar sidecar;
        try
        {
            sidecar = FormatJson.Deserialize<Sidecar>(bytes);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
        {
            throw Unreadable(where, ex);
        }
        if (sidecar.SidecarVersion > Sidecar.CurrentSidecarVersion || sidecar.Manifest.FormatVersion > Manifest.CurrentFormatVersion)
            throw new BackupException("NewerFormat", BackupErrorKind.InvalidData,
                $"'{where}' was written by a newer BackupPS (format {sidecar.Manifest.FormatVersion}). Update the BackupPS module to read it.", where);
        return sidecar;
    }

    public static BackupException Unreadable(string where, Exception ex) =>
        new("SidecarUnreadable", BackupErrorKind.InvalidData,
            $"The sidecar '{where}' cannot be read ({ex.Message}). The backup beside it is not listed; check it with Test-DbBackup -Path.", where, ex);
}
