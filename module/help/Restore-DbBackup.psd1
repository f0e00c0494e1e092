# Help source for Restore-DbBackup (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Restores a backup into its database (or another path) and its files, after verifying it and taking a safety backup, with automatic rollback.'

    Description  = @'
Restore-DbBackup puts a backup's database back in place, by default at the path it was backed up from, and its included files back where they came from. It is built so that a failed restore never leaves you worse off than before:

1. Plan: it reads the backup's manifest and works out the targets: -Target or the database's original path, and for each included file root -FilesTarget/<root> or its original path. Problems with the targets (a folder where the database should go, an existing file that is not a SQLite database) stop it here. -WhatIf and the confirmation prompt show these targets.
2. Verify: it reads the whole backup once, checking every checksum, and extracts it into a private scratch folder next to the target (so the final move stays on the same disk). The extracted database must pass PRAGMA integrity_check and have the row counts recorded in the backup; when the backup's sidecar records that an image with exactly the SHA-256 just computed from the extracted bytes already passed these checks (a deep Test-DbBackup or an earlier restore), they are not run again, and the verbose output says which check was reused. If anything fails, nothing has been changed (error BackupVerificationFailed).
3. Safety backup: once the backup is extracted and its checksums match, and while the extracted database is checked, if the target database or any target file already exists, it is backed up as a PreRestore backup in the restored backup's folder (or -SafetyBackupDestination); its Description names the backup being restored. If verification fails, this safety backup is deleted again, since nothing was replaced.
4. Swap: an existing database is replaced through SQLite's backup API, in one transaction on the live database: other connections see either the old or the new content, never a mix, and the application does not have to be stopped. A target that does not exist yet is moved into place by a rename and gets the file mode recorded in the backup. If -wal, -shm or -journal files lie where the new database goes (left by a deleted database), they belong to another database: they are renamed to <name>-wal.orphaned-<UTC time> (kept, named in the verbose output) so SQLite never applies them to the restored one. A -wal beside an existing target that no connection has open is checked against the target before the safety backup reads it: one whose page size, checkpointed pages or page-1 change counters contradict the target belongs to another database and is moved aside the same way (with its -shm), so neither the safety backup nor the restored database gets its frames; one consistent with the target (the -wal of a writer that died) is the target's own, and its committed transactions are in the safety backup.
5. Check: the swapped-in database must pass PRAGMA quick_check (its pages are the verified image's, byte for byte; row counts are not compared again because the application may already be writing). If not, it is rolled back from the safety backup (or removed, if the target did not exist) and the error RestoreCheckFailed is written.
6. Files: the included files and folders are moved into place with their recorded modes and modification times. Files of the same name are overwritten; other files already in the target folders are left alone.

Restore-DbBackup returns a DbRestoreResult that names the target, the number of files and bytes restored, the integrity check result, the verification and the SafetyBackup (a DbBackup you can restore to undo the restore).

A partial backup (Partial = True: made with -ExcludeTable or -ExcludeTableData) restores as it was taken: the restore replaces the whole target database, so the tables whose data was excluded come back EMPTY and tables excluded entirely are GONE from the target, whatever rows they held before. The safety backup keeps the old content. Check the backup's ExcludedTables and ExcludedTableData before restoring over a live database.

Restoring overwrites data, so Restore-DbBackup asks for confirmation (its ConfirmImpact is High) unless -Force or -Confirm:$false is given. If several backups of the same database are piped to it (for example all backups instead of -Latest), it restores the first one and stops with the error MultipleBackupsForOneTarget rather than overwriting the target again with older backups.
'@

    Parameters   = @{
        Passphrase              = @{
            Description = @'
The passphrase of an encrypted backup, as a SecureString. Without -Passphrase, -PassphraseFile or -Certificate, the BACKUPPS_PASSPHRASE environment variable is used when it is set. A wrong passphrase is the error WrongPassphrase (category SecurityError), never reported as damage. Plain backups ignore it.
'@
        }
        PassphraseFile          = @{
            Description = @'
Reads the passphrase of an encrypted backup from the first line of this file. On Linux and macOS the file must be private (chmod 600), otherwise the error PassphraseFileInsecure. Cannot be combined with -Passphrase.
'@
        }
        Certificate             = @{
            Description = @'
Certificates with private keys that open encrypted backups made for them: an X509Certificate2 with its private key, the path of a .pfx/.p12 file (with -CertificatePassword when it is password-protected) or of a .pem file holding the certificate and its key, or the thumbprint of a certificate in the CurrentUser\My store. A backup not made for any of them is the error NotARecipient.
'@
        }
        CertificatePassword     = @{
            Description = @'
The password of the password-protected .pfx/.p12 files given with -Certificate, as a SecureString (for example from Read-Host -AsSecureString or Get-Credential). It is read only to open those files and is never written anywhere. A wrong password is the error CertificateNotReadable; -CertificatePassword without -Certificate is the error CertificatePasswordWithoutCertificate.
'@
        }
        InputObject             = @'
The backup to restore, as a DbBackup object from Get-DbBackup or New-DbBackup. This is what the pipeline binds when you pipe backups to Restore-DbBackup. Pipe one backup per target, for example with Get-DbBackup -Latest -DatabaseName <name>.
'@
        Path                    = @'
The path of a backup file to restore. The file does not need a sidecar: its manifest is read from the archive. Relative paths are resolved against the current PowerShell location; wildcards are not expanded. Objects with a FullName, PSPath or LiteralPath property bind by property name.
'@
        Target                  = @{
            Description  = @'
The database file to restore into, instead of the path the database was backed up from. Use it to restore into a copy for inspection or to migrate a database to another path or machine. The folder is created if needed. If the file exists, it must be a SQLite database (error TargetNotSqlite otherwise, unless -Force) and it is replaced in place after a safety backup; a folder is refused (TargetIsFolder). A backup without a database (type Files) does not accept -Target (NoDatabaseInBackup); use -FilesTarget.

-Target moves only the database: the files of a Full backup still go back to their original places unless -FilesTarget is given too.

For a PostgreSQL backup, -Target is a postgres:// URL or Npgsql connection string naming the target database (default: the URL the backup was made from, without password). The database is restored into a scratch database <db>_backupps_restore_<id> on that server, its row counts are checked against the manifest, and it is renamed into place; a missing target database is thereby created, so restoring under another name or onto another server (migration) works. An existing target gets a PreRestore safety backup first (a normal listed PostgreSQL backup in the backup's folder or -SafetyBackupDestination); the target and the scratch database are swapped by two renames in one transaction and the old database is dropped. Open sessions on the target stop the restore with TargetInUse unless -Force, which terminates them (pg_terminate_backend). From before the safety backup until the swap, writes to the target wait on table locks, and at the swap new connections are refused while the other sessions are ended, so every commit a client saw acknowledged is in the safety backup or in the restored database; the restored database keeps the target's ALLOW_CONNECTIONS. The database itself is reproduced as it was backed up: encoding, collation, ctype, locale provider and ICU locale (the scratch database is created from template0 with them), and, in the swap's transaction, its owner, CONNECT/CREATE/TEMPORARY grants and revokes, comment, CONNECTION LIMIT, ALTER DATABASE ... SET and ALTER ROLE ... IN DATABASE ... SET. Until the swap, only the restoring role and superusers can connect to the scratch database, so no role gains access it did not have. What the target refuses is skipped with a warning that names it, and listed in the result's DatabaseProperties and the audit line: a missing owner role (the database is owned by the restoring role instead; create the role or use -RestoreGlobals), missing roles of grants and role settings, settings a non-superuser may not make (for example log_min_duration_statement); the restore still succeeds. A target name longer than 63 bytes (UTF-8) is refused with InvalidDatabaseName, since PostgreSQL would cut it. An existing target is refused before anything is changed when it is a template database (PostgresTargetIsTemplate: it could not be dropped once replaced) or when the restoring role is neither its owner, a member of the owner role nor a superuser (PostgresPermissionDenied); a target in a non-default tablespace is restored into that tablespace. Role and database settings such as statement_timeout, default_transaction_read_only or role (ALTER ROLE ... SET) do not apply to BackupPS's sessions or the PostgreSQL tools it runs. Objects keep their owners and privileges, so the roles must exist on the target server (PostgresRoleMissing otherwise: create the role, or use -RestoreGlobals with a backup made with New-DbBackup -IncludeGlobals).
'@
            DefaultValue = 'The original path of the backed-up database'
        }
        FilesTarget             = @{
            Description  = @'
A folder to restore the backup's included files into, instead of their original places. Each included item is restored under its root name: -FilesTarget /tmp/restore puts the files backed up from /srv/myapp/uploads into /tmp/restore/uploads. The database is not affected; see -Target.
'@
            DefaultValue = 'The original path of each included file or folder'
        }
        SafetyBackupDestination = @{
            Description  = @'
The folder where the PreRestore safety backup of the current target is written before anything is replaced. Use it when the backup's own folder is read-only or on slow storage. The safety backup is only taken when a target already exists.
'@
            DefaultValue = 'The folder of the backup being restored'
        }
        LockTimeoutSec          = @{
            Description  = @'
How many seconds to wait for other connections' locks on the target database, both for the safety backup and for the swap. When the time is up, the restore fails with the error DatabaseLocked; if the swap had not started, the target is unchanged. 0 means do not wait.
'@
            DefaultValue = '30'
        }
        Force                   = @'
Restores without asking for confirmation, and allows overwriting a -Target file that exists but is not a SQLite database (which is otherwise refused with TargetNotSqlite, as it usually means a wrong path). -Force also restores a backup whose only failed check is the integrity check of its database image (a damaged copy is better than none), with a warning; the after-swap check is then skipped and IntegrityCheck says "damaged". It does not skip verification otherwise, nor the safety backup. With -WhatIf, nothing is restored even with -Force.
'@
        WhatIf                  = @'
Shows the targets that would be replaced and the backup that would be restored, without verifying or changing anything. The targets are resolved first, so target errors (TargetNotSqlite, TargetIsFolder, NoDatabaseInBackup) show up here too.
'@
        Credential = @'
PostgreSQL only: the user name and password for the target server (a PSCredential). Overrides a user or password in -Target. Otherwise the password comes from -Target, or PGPASSFILE/~/.pgpass. It reaches pg_restore only through PGPASSWORD in its own environment, never its command line.
'@
        Jobs       = @'
PostgreSQL only: the number of parallel pg_restore jobs (pg_restore --jobs) used to load the scratch database. 2 by default on a machine with two or more cores, else 1.
'@
        RestoreGlobals = @'
PostgreSQL only: before pg_restore, apply the roles and tablespaces saved by New-DbBackup -IncludeGlobals (database/globals.sql) to the target server with psql, with ON_ERROR_STOP off so that roles which already exist are skipped and the rest is applied. The result's Globals property reports how many statements were applied, skipped and failed (failures are also warnings). Roles are cluster-wide: they stay even if the restore fails later. A backup without globals stops with error NoGlobalsInBackup.
'@
        PgBinPath  = @'
PostgreSQL only: the folder holding pg_restore and pg_dump (for the PreRestore safety backup). Without it they are found on PATH or in /usr/lib/postgresql/<version>/bin. A pg_restore older than the pg_dump that wrote the backup stops with error PgRestoreTooOld, and an imported plain SQL dump needs a psql with \restrict (else PsqlTooOld); a backup from a newer PostgreSQL major version than the target server stops with PostgresVersionMismatch.
'@
    }

    Inputs       = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'A backup from Get-DbBackup or New-DbBackup (-InputObject).' }
        @{ Type = 'System.String'; Description = 'The path of a backup file (-Path). Objects with a FullName, PSPath or LiteralPath property, such as System.IO.FileInfo, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbRestoreResult'; Description = 'One result per restore: BackupId, BackupPath, Database, Target, FilesTargets, FilesRestored, BytesRestored, IntegrityCheck ("ok"), SafetyBackup (a DbBackup of type PreRestore, or null when there was nothing to save), Verification (a DbBackupTestResult), Restored and Duration. Nothing is returned with -WhatIf or when the confirmation is declined.' }
    )

    Notes        = @'
Each restore, successful or refused, appends one line to the audit log audit.jsonl in the backup's folder (operation Restore, with the target and the error message of a failure); the PreRestore safety backup adds its own New line where it is written. Read it with Get-DbBackupAuditLog.

Error ids that scripts can test for. Terminating (the command stops): SidecarMismatch (the sidecar's id, databaseName, sourcePath, created or type differs from the manifest inside the archive: the target comes from that manifest, and nothing is written), TargetIsFolder, TargetNotSqlite, NoDatabaseInBackup, TargetRequired (the backup does not record its database's path; give -Target), MultipleBackupsForOneTarget, BackupPathIsFolder. Non-terminating, per backup (use -ErrorAction Stop to catch them): BackupNotFound, BackupNotReadable, BackupCorrupt, SidecarUnreadable, NewerFormat, BackupVerificationFailed (the backup is damaged; nothing was changed), DatabaseLocked, DatabaseNotAccessible, DestinationNotWritable, DiskFull, WriteFailed, TargetPageSizeMismatch, RestoreCheckFailed (the restored database failed its check and was rolled back), UnsafeRestorePath, OperationStopped, UnexpectedError (a failure BackupPS did not anticipate; the exception is in $_.Exception). The safety backup can also fail with the errors of New-DbBackup, such as DatabaseLocked or DiskFull; then nothing has been replaced.

The target folder needs free space for the extracted backup next to the current database, and the safety backup's folder for the safety backup.

When the target database is in WAL mode and its page size differs from the backup's, SQLite cannot replace it in place (TargetPageSizeMismatch). Stop the application, delete the database (the safety backup has been taken) and restore again.

Safety backups accumulate like any other backup. List them with Get-DbBackup -Type PreRestore and remove the ones you no longer need with Remove-DbBackup.
'@

    Examples     = @(
        @{
            Title   = 'Restore an encrypted backup with a certificate'
            Code    = @'
Get-DbBackup /srv/backups/myapp -Latest | Restore-DbBackup -Certificate ./restore-team.pfx -Force
'@
            Remarks = @'
The backup was made with -Certificate restore-team.cer; the .pfx holds the private key that opens it. Without a key the restore fails with EncryptionKeyRequired; with the wrong key, WrongPassphrase or NotARecipient, and nothing is touched.
'@
        }
        @{
            Title   = 'See what restoring the latest backup would do'
            Code    = @'
Get-DbBackup /srv/backups/myapp -DatabaseName app -Latest | Restore-DbBackup -WhatIf
'@
            Remarks = @'
Shows which database file (and which file folders) would be replaced with which backup, without verifying or changing anything. Remove -WhatIf to restore; PowerShell then asks for confirmation.
'@
        }
        @{
            Title   = 'Restore the latest backup of a database in place'
            Code    = @'
$result = Get-DbBackup /srv/backups/myapp -DatabaseName app -Latest | Restore-DbBackup -Force
$result | Format-List Target, IntegrityCheck, BytesRestored, Duration, SafetyBackup
'@
            Remarks = @'
Verifies the newest backup of app, takes a PreRestore safety backup of the current /var/lib/myapp/app.db into /srv/backups/myapp, replaces the database's content in one transaction and checks it. -Force skips the confirmation prompt. To undo the restore, restore $result.SafetyBackup the same way.
'@
        }
        @{
            Title   = 'Restore into another path to migrate a database or inspect an old state'
            Code    = @'
Get-DbBackup /srv/backups/myapp -DatabaseName app -Before '2025-01-01' -Latest |
    Restore-DbBackup -Target /srv/newhost/myapp/app.db -FilesTarget /srv/newhost/myapp/data -Confirm:$false
'@
            Remarks = @'
Restores the last backup made before 1 January 2025 into a new location instead of the original paths: the database into /srv/newhost/myapp/app.db and the included files under /srv/newhost/myapp/data/<root>. The live database is not touched. When the target does not exist yet, no safety backup is needed and the verified database is moved into place.
'@
        }
        @{
            Title   = 'Restore a backup file copied from another machine'
            Code    = @'
Restore-DbBackup -Path ./app_20250101T023000Z_3f2a9c1e.tar.zst -Target /var/lib/myapp/app.db -SafetyBackupDestination /srv/backups/myapp
'@
            Remarks = @'
-Path accepts a backup file without its sidecar. The safety backup of the current database goes to /srv/backups/myapp rather than next to the copied file.
'@
        }
        @{
            Title   = 'Restore in a script and handle failures by their error id'
            Code    = @'
try {
    $backup = Get-DbBackup /srv/backups/myapp -DatabaseName app -Latest -ErrorAction Stop
    $result = $backup | Restore-DbBackup -Force -ErrorAction Stop
    "Restored $($result.Database) from $($result.BackupPath); safety backup: $($result.SafetyBackup.Path)"
}
catch {
    $err = $_
    switch ($err.FullyQualifiedErrorId.Split(',')[0]) {
        'BackupVerificationFailed' { Write-Error "The backup is damaged; nothing was changed. $($err.Exception.Message)" }
        'RestoreCheckFailed'       { Write-Error "The restored database failed its check and was rolled back. $($err.Exception.Message)" }
        'DatabaseLocked'           { Write-Error 'The application holds a lock on the database; retry when it is idle.' }
        default                    { throw $err }
    }
}
'@
            Remarks = @'
-ErrorAction Stop makes the per-backup errors catchable, and the terminating ones are caught in any case. The error id is the part of FullyQualifiedErrorId before the comma (for example "RestoreCheckFailed,BackupPS.Cmdlets.RestoreDbBackupCommand"). The error record is saved in $err because inside switch, $_ is the value being switched on. In each of the cases handled, the database is either unchanged or back in its previous state.
'@
        }
        @{
            Title   = 'Restore a PostgreSQL backup into another database (migration)'
            Code    = 'Get-DbBackup ./backups -DatabaseName assets -Latest | Restore-DbBackup -Target ''postgres://admin@localhost/assets_copy'' -Jobs 2 -Force'
            Remarks = 'Restores into a scratch database on the target server with pg_restore -j 2, checks every table''s row count against the manifest, and renames it to assets_copy (created if missing). If assets_copy existed, a PreRestore backup of it is taken first, its open sessions are terminated (-Force), the two databases are swapped by renames in one transaction, and the old one is dropped. Any failure before the swap drops the scratch database and leaves the target as it was.'
        }
    )

    RelatedLinks = @(
        'Get-DbBackup'
        'Test-DbBackup'
        'New-DbBackup'
        'Remove-DbBackup'
        'Copy-DbBackup'
        'Get-DbHealth'
        'Get-DbBackupStorage'
        'Register-DbBackupSchedule'
        'Get-DbBackupSchedule'
        'Unregister-DbBackupSchedule'
        'Import-DbBackup'
        'Get-DbBackupAuditLog'
        'about_BackupPS'
    )
}
