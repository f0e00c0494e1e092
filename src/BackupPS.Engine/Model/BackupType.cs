namespace BackupPS.Engine.Model;

/// <summary>What a backup holds. PreRestore is a Full/Database backup Restore takes of the target before replacing it.</summary>
public enum BackupType
{
    Full,
    Database,
    Files,
    PreRestore,
}
