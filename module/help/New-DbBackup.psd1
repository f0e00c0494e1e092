# Help source for New-DbBackup. build/New-MamlHelp.ps1 merges this text with the compiled cmdlet's parameter
# metadata into out/BackupPS/en-US/BackupPS.dll-Help.xml. Paragraphs are separated by blank lines; lines starting
# with "- ", "N. " or two spaces keep their own line.
@{
    Synopsis     = 'Backs up a SQLite database, and optionally files and folders that go with it, into one checksummed, self-describing backup file.'

    Description  = @'
New-DbBackup takes a transactionally consistent snapshot of a live SQLite database and writes it, in a single streaming pass, into one backup file in the -Destination folder. It can also include files and folders (-IncludePath), such as an application's uploads or configuration, in the same backup. It returns a DbBackup object describing the new backup.

The snapshot is taken under a read transaction on the database, in one of three ways:

- WAL mode, with the WAL fully checkpointed: the database file cannot change while the read transaction lasts, so it is streamed straight into the archive without an extra copy. Writers keep committing to the WAL meanwhile; the WAL is not checkpointed until the backup has read the file, so it can grow during a long backup.
- Rollback-journal mode: the file is copied at disk speed to a private temporary file in the destination (for an encrypted backup: in the system temporary folder, so no plaintext ever reaches the destination) while the shared lock is held (writers wait for that copy, not for the compression), then the lock is released.
- Otherwise (for example when a busy writer keeps frames in the WAL): SQLite's online backup API copies the database into a private temporary file in the destination (for an encrypted backup: in the system temporary folder), without blocking writers in WAL mode.

New-DbBackup waits up to -LockTimeoutSec seconds for the lock it needs. When a temporary copy is made, the destination needs free space for the uncompressed database in addition to the backup. The source database is only read, never modified: no checkpoint runs on it, so a database on a read-only location can be backed up. Before the database is archived, PRAGMA quick_check runs on the snapshot; a damaged database is refused with SourceDatabaseDamaged unless -AllowDamaged.

The backup file is named <name>_<yyyyMMddTHHmmssZ>_<shortid>.tar.zst (.tar.gz with -Compression Gzip, .tar with -Compression None). It is a standard tar archive: manifest.json first, then database/<file> and files/<root>/..., and checksums.sha256 last (in sha256sum format). Any tar that reads zstd opens it, for example: tar --zstd -xf <file>. A sidecar file, <backup file>.json, is written beside it last; Get-DbBackup lists only backups whose sidecar exists, so an interrupted backup is never listed.

The backup is written under a temporary name (<file>.partial), flushed to disk and renamed when complete. If anything fails, or the command is stopped with Ctrl+C, everything written so far is removed. The destination folder is created if it does not exist. Backup files and sidecars are created with mode 0600 and new folders with 0700 on Linux and macOS, because a backup holds the whole database.

The backup type is derived from the parameters when -Type is not given: Full when -IncludePath is given, otherwise Database. A Files backup holds only the -IncludePath items; a Full backup holds the database and the files. Links, FIFOs, sockets and devices found inside included folders are skipped with a warning, and a destination that lies inside an included folder is left out, so a backup never contains earlier backups.

New-DbBackup accepts database paths from the pipeline, as strings or as objects with a FullName or Path property (for example, the output of Get-ChildItem), and makes one backup per database.
'@

    Parameters   = @{
        Passphrase              = @{
            Description = @'
Encrypts the backup with this passphrase, given as a SecureString (for example from Read-Host -AsSecureString). The backup is encrypted with AES-256-GCM under a random data key; the data key is wrapped by a key derived from the passphrase with PBKDF2-HMAC-SHA256 (600,000 iterations, about a quarter of a second). Anyone who has the passphrase can restore the backup; without it, nothing inside can be read.

There is no plain-text -Password parameter. For scheduled jobs use -PassphraseFile or the BACKUPPS_PASSPHRASE environment variable, which New-DbBackup uses when neither -Passphrase nor -PassphraseFile is given. The sidecar of an encrypted backup keeps only its id, name, type, time, tags and sizes; paths, description, table names and row counts stay inside the encrypted file.
'@
        }
        PassphraseFile          = @{
            Description = @'
Encrypts the backup with the passphrase on the first line of this file (UTF-8; a trailing carriage return is ignored). On Linux and macOS the file must be private (chmod 600): a file that group or others can read or write is refused with the error PassphraseFileInsecure. Cannot be combined with -Passphrase.
'@
        }
        Certificate             = @{
            Description = @'
Encrypts the backup for one or more X.509 certificates with RSA keys: an X509Certificate2 object, the path of a certificate file (.cer, .crt, .der, .pem) or the thumbprint of a certificate in the CurrentUser\My store. Only the public key is needed, so the machine that makes backups never holds what decrypts them; the data key is wrapped with RSA-OAEP-SHA256 for each certificate. Can be combined with a passphrase: any one of the keys then opens the backup.
'@
        }
        Database                = @{
            Description  = @'
The path of the SQLite database file to back up. Relative paths are resolved against the current PowerShell location, and ~ is expanded. Wildcards are not expanded.

The file must exist and start with the SQLite header; an empty file, a folder or another kind of file is refused (errors NotASqliteDatabase, DatabaseIsDirectory, DatabaseNotFound). Omit -Database only for a Files backup (-Type Files with -IncludePath).

PostgreSQL: a postgres:// or postgresql:// URL (as in DATABASE_URL, e.g. 'postgres://app@db:5432/assets?sslmode=require'; supported options sslmode, sslrootcert, sslcert, sslkey, passfile, host, port, user, dbname, connect_timeout) or an Npgsql connection string ('Host=db;Port=5432;Database=assets;Username=app'). A value that is a URL or has Host=/Database=-style keys is PostgreSQL; anything else is a SQLite path. Errors: PostgresUnreachable, PostgresAuthenticationFailed, DatabaseNotFound, PostgresPermissionDenied, PgDumpNotFound, PgDumpTooOld. The URL without its password is recorded as the backup's source (the default restore target).
'@
            DefaultValue = 'None'
        }
        Destination             = @{
            Description = @'
The folder the backup is written into. It is created (mode 0700) if it does not exist. New-DbBackup first proves that it can write there, so an unusable destination fails before the database is read (errors DestinationIsFile, DestinationNotWritable, DiskFull).

Keep backups on a different disk or machine than the database: a backup on the same disk does not survive the loss of that disk.
'@
        }
        IncludePath             = @{
            Description = @'
Files and folders to include in the backup, for example an application's uploads folder or its configuration file. Folders are included recursively with their file modes and modification times. Each item becomes a root under files/<name>/ in the archive, named after its last path segment (a suffix such as -2 is added when two items have the same name). Its original absolute path is recorded, and Restore-DbBackup puts it back there unless -FilesTarget is given.

Links, FIFOs, sockets and devices inside included folders are skipped with a warning; the -Destination folder is left out when it lies inside an included folder. The -Database file and its -wal, -shm and -journal files are left out of included folders: the consistent snapshot is the database's only copy in the backup. Any other SQLite database found inside an included folder (a file starting with the SQLite header) is copied as a raw file with a warning that names it, because a raw copy of a database in use may be torn; back such a database up with its own New-DbBackup -Database. Roots with the same folder name are stored as <name>, <name>-2, ... and each restores to its own place. Any file name whose bytes are valid UTF-8 (newlines, carriage returns, backslashes, a leading dash, 255-byte names, NFC/NFD twins included), with its mode (including setuid, setgid and sticky) and mtime, is restored exactly; a backup holding a name with a newline, carriage return or backslash is written as format version 2 (see about_BackupPS, FILE NAMES). A file whose name is not valid UTF-8 fails the whole backup before anything is written (error IncludePathUnsupportedName, naming the file escaped): rename it or move it out of the included folder. A path that does not exist fails the backup before anything is written (error IncludePathNotFound). -IncludePath is ignored when -Type is Database.
'@
        }
        Type                    = @{
            Description  = @'
What the backup holds:

- Full: the database and the -IncludePath items. Both -Database and -IncludePath are required.
- Database: the database only.
- Files: only the -IncludePath items; -Database must not be given.
- PreRestore: the type of the safety backups that Restore-DbBackup takes before it overwrites anything. You do not normally use it yourself.

A combination that does not fit the other parameters is refused with the terminating error InvalidBackupType.
'@
            DefaultValue = 'Full when -IncludePath is given, otherwise Database'
        }
        Name                    = @{
            Description  = @'
The name recorded for the backup and used at the start of its file name and in the Database property that Get-DbBackup -DatabaseName and -Latest group by. Characters other than letters, digits, '.', '-' and '_' are replaced by '_', and the name is cut to 64 characters.

Use it to give a Files backup a meaningful name, or to keep the backups of two databases with the same file name apart.
'@
            DefaultValue = "The database file's name without its extension; for a Files backup, the first included item's name"
        }
        Description             = @'
A free-text description stored in the backup's manifest and shown in the Description property of DbBackup, for example the reason for a manual backup ("before schema migration 42").
'@
        Tag                     = @{
            Description = @'
One or more tags stored in the backup's manifest. Get-DbBackup -Tag selects backups by tag (case-insensitive), which is useful to tell scheduled backups from manual ones or to mark backups that must be kept.
'@
        }
        Compression             = @{
            Description  = @'
How the archive is compressed. Zstd (.tar.zst) is fast, compresses well and carries a frame checksum; it uses the system libzstd when available and a managed implementation otherwise. Gzip (.tar.gz) is readable by older tools. None (.tar) writes an uncompressed tar, which can be useful when the destination compresses or deduplicates by itself.
'@
            DefaultValue = 'Zstd'
        }
        CompressionLevel        = @{
            Description  = @'
The compression level. For Zstd, 1 (fastest) to 19 (smallest); the default 3 is a good balance, and levels above about 9 cost much more time for little gain on database files. For Gzip, 1 means fastest, 9 or more means smallest, and anything in between the library's optimal setting. Ignored with -Compression None.
'@
            DefaultValue = '3 for Zstd; optimal for Gzip'
        }
        LockTimeoutSec          = @{
            Description  = @'
How many seconds to wait when another process holds a lock on the database that prevents a consistent snapshot (typically a long write transaction in rollback-journal mode, where the snapshot needs the shared lock). When the time is up, the backup fails with the error DatabaseLocked and nothing is written. 0 means do not wait.

PostgreSQL: how long the counting transaction (lock_timeout) and pg_dump (--lock-wait-timeout) wait for a table another session holds locked (e.g. ACCESS EXCLUSIVE by ALTER TABLE or LOCK TABLE). When the time is up, the backup fails with DatabaseLocked and nothing is written; retry when that session is done, or raise -LockTimeoutSec.
'@
            DefaultValue = '30'
        }
        WhatIf                  = @'
Shows the database, included paths and destination that would be backed up, without reading or writing anything.
'@
        Credential       = @'
PostgreSQL only: the user name and password to log in with (a PSCredential, e.g. from Get-Credential). It overrides a user or password in the URL. Without it the password comes from the URL or the connection string, or libpq's password file (PGPASSFILE or ~/.pgpass), which both Npgsql and pg_dump read. The password is never put on a command line: pg_dump gets it through the PGPASSWORD variable of its own environment only, and it never appears in the manifest, the sidecar, verbose output or error messages.
'@
        PgBinPath        = @'
PostgreSQL only: the folder holding pg_dump and pg_restore (e.g. /usr/lib/postgresql/16/bin). Without it, pg_dump is found on PATH or in /usr/lib/postgresql/<version>/bin (the newest that is at least the server's major version). A pg_dump older than the server stops the backup with error PgDumpTooOld, naming both versions and what to install.
'@
        ExcludeTable     = @'
Tables left out of the backup entirely, as patterns: * matches any run of characters, ? one character (e.g. 'audit_*').
PostgreSQL: pg_dump --exclude-table patterns (e.g. 'public.audit_*'); excluded tables have no row count. An inheritance child or a partition can be excluded; excluding a parent (or partitioned table) whose children stay in the backup is refused with ExcludedTableHasChildren, since pg_restore could not create the children: exclude them too, or use -ExcludeTableData.
SQLite: the tables (an optional 'main.' prefix is allowed; names match case-insensitively, as in SQLite) are left out with their indexes and triggers. If a kept object depends on one (a view that uses it, a trigger of another table that names it, a foreign key of a kept table that references it), the backup is refused with error ExcludedTableInUse naming each; exclude those too, or use -ExcludeTableData. A virtual table's shadow tables go with it.
The manifest records the patterns and the tables they matched, and the backup is Partial. A pattern that matches no table is warned about.
'@
        ExcludeTableData = @'
Tables whose definitions are backed up but not their rows (e.g. sessions, caches, device-specific state), as patterns like -ExcludeTable's.
PostgreSQL: pg_dump --exclude-table-data patterns; such tables have no row count.
SQLite: the table keeps its schema and everything that refers to it (indexes, triggers, foreign keys) and has no rows; its ANALYZE statistics are dropped. The rows are removed from a private copy of the snapshot in the system temporary folder (never in the destination), with triggers and foreign-key actions off so no kept row changes, and the copy is VACUUMed, so no free page of the backed-up image keeps an excluded row. The VACUUM rebuilds the image: the tables keep their content, but sqlite_schema lists tables before indexes (as after any VACUUM). Its row count in the manifest is 0, so Test-DbBackup and Restore-DbBackup check it is empty.
The manifest records the patterns and the tables they matched, and the backup is Partial. A pattern that matches no table is warned about.
'@
        Jobs             = @'
PostgreSQL only: the number of parallel pg_dump jobs. 1 (the default) runs pg_dump -Fc into one archive entry database/<db>.pgdump; N > 1 runs pg_dump -Fd -j N into a private 0700 temporary folder in the destination, and every file of the dump directory becomes an entry under database/<db>.pgdir/ (the manifest's postgres.dumpFormat is "directory"). Restore and Test-DbBackup handle both. pg_dump -j opens N + 1 connections to the server.
'@
        IncludeGlobals   = @'
PostgreSQL only: also back up the cluster's roles and tablespaces with pg_dumpall --globals-only --no-role-passwords, as the entry database/globals.sql. They are restored only when Restore-DbBackup is given -RestoreGlobals.
'@
        AllowDamaged = @'
SQLite only: back up a database whose PRAGMA quick_check (run on the snapshot before it is archived) reports damage, instead of refusing it with the error SourceDatabaseDamaged. A warning is written and the check's messages are recorded in the manifest (sqlite.quickCheck). Such a backup fails Test-DbBackup and is restored only with Restore-DbBackup -Force. The PreRestore safety backup of Restore-DbBackup always allows it.
'@
        IncludeRolePasswords = @'
PostgreSQL only: with -IncludeGlobals (implied), keep the roles' password hashes in database/globals.sql (pg_dumpall without --no-role-passwords). Reading them needs a superuser. Without this switch no password hash is ever in the backup.
'@
    }

    Inputs       = @(
        @{ Type = 'System.String'; Description = 'The path of a database to back up (-Database). Objects with a FullName or Path property, such as the System.IO.FileInfo objects that Get-ChildItem returns, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'The new backup: Id, ShortId, Path, Database, Type, Created, SizeBytes, DatabaseSizeBytes, CompressionRatio, Sha256, Tags, TableRowCounts and more. Pipe it to Test-DbBackup to verify it.' }
    )

    Notes        = @'
Each backup, successful or not, appends one line to the audit log <destination>/audit.jsonl (time, host, user, operation New, backup id, database, result, duration, bytes, error message; never a password). Read it with Get-DbBackupAuditLog.

Error ids (in $_.FullyQualifiedErrorId, before the comma) that scripts can test for: DatabaseNotFound, DatabaseIsDirectory, NotASqliteDatabase, DatabaseNotReadable, DatabaseNotAccessible, DatabaseLocked, DatabaseCorrupt, DestinationIsFile, DestinationNotWritable, DiskFull, WriteFailed, IncludePathNotFound, IncludePathNotRegular, IncludePathNotReadable, IncludePathUnsupportedName, InvalidBackupType, SourceChanged, OperationStopped, and UnexpectedError for a failure BackupPS did not anticipate (its exception is in $_.Exception). Unusable arguments (DatabaseIsDirectory, DestinationIsFile, IncludePathNotRegular, InvalidBackupType) are terminating errors; the others are non-terminating, per database, so use -ErrorAction Stop to catch them with try/catch.

A backup is only as good as its last verification: run Test-DbBackup on new backups, for example right after New-DbBackup or in the same scheduled job.

The snapshot of a database in rollback-journal mode holds a shared lock while the file is copied, which makes writers wait for that time. Databases in WAL mode (PRAGMA journal_mode=WAL) are backed up without blocking writers.

The backup file format is described in about_BackupPS.
'@

    Examples     = @(
        @{
            Title   = 'Encrypted backups for an off-site copy'
            Code    = @'
# once: a private passphrase file
Set-Content -Path /etc/myapp/backup.pass -Value 'long random passphrase'; chmod 600 /etc/myapp/backup.pass
New-DbBackup -Database /var/lib/myapp/app.db -Destination /srv/backups/myapp -PassphraseFile /etc/myapp/backup.pass -Certificate /etc/myapp/restore-team.cer
'@
            Remarks = @'
The backup is encrypted (Encrypted = True) for the passphrase and for the holder of the restore team's private key; either one can restore it. The certificate file holds only the public key. Test-DbBackup without a key still checks the file's SHA-256; with -PassphraseFile it verifies everything inside.
'@
        }
        @{
            Title   = 'Back up a SQLite database without its sessions and device state'
            Code    = @'
New-DbBackup -Database /var/lib/mesh/app.db -Destination /srv/backups/mesh -ExcludeTableData sessions, 'device_*'
'@
            Remarks = @'
The backup holds every table's schema, but the sessions table and the tables whose names start with device_ are empty: sessions cannot be restored onto another machine. The DbBackup shows Partial = True and the tables in ExcludedTableData. Restoring it replaces the target database, so those tables come back empty.
'@
        }
        @{
            Title   = 'Back up a database'
            Code    = @'
New-DbBackup -Database /var/lib/myapp/app.db -Destination /srv/backups/myapp
'@
            Remarks = @'
Takes a consistent snapshot of app.db while the application keeps running and writes it to /srv/backups/myapp/app_<timestamp>_<shortid>.tar.zst with its sidecar .json. The DbBackup object returned shows the backup's creation time, size and id.
'@
        }
        @{
            Title   = 'Nightly backup from a scheduled task, verified, with old backups pruned'
            Code    = @'
# /etc/myapp/nightly-backup.ps1, run by cron:
#   30 2 * * * pwsh -NoProfile -NonInteractive -File /etc/myapp/nightly-backup.ps1
# (on Windows, a Task Scheduler action: pwsh.exe -NoProfile -NonInteractive -File C:\Scripts\nightly-backup.ps1)
$ErrorActionPreference = 'Stop'
Import-Module BackupPS
$backup = New-DbBackup -Database /var/lib/myapp/app.db -Destination /srv/backups/myapp -Tag nightly -LockTimeoutSec 120
$check = $backup | Test-DbBackup
if (-not $check.Passed) { throw "Backup $($backup.Path) failed verification: $($check.FailureReason)" }
Get-DbBackup /srv/backups/myapp -DatabaseName app -Tag nightly | Select-Object -Skip 14 | Remove-DbBackup -Force
'@
            Remarks = @'
Makes the nightly backup, verifies it, and keeps the 14 newest nightly backups. $ErrorActionPreference = 'Stop' turns any error into a script failure, so the scheduler reports a non-zero exit code. -LockTimeoutSec 120 gives a long-running write transaction two minutes to finish. Get-DbBackup returns backups newest first, so Select-Object -Skip 14 passes on all but the 14 newest; -Force removes them without a confirmation prompt, which a scheduled task could not answer.
'@
        }
        @{
            Title   = 'Back up the database and the uploads folder together before an upgrade'
            Code    = @'
New-DbBackup -Database ./data/app.db -IncludePath ./data/uploads, ./appsettings.json -Destination /srv/backups/myapp -Description 'Before upgrade to 2.4' -Tag manual, keep
'@
            Remarks = @'
Because -IncludePath is given, the backup is a Full backup: the archive holds database/app.db, files/uploads/... and files/appsettings.json, with their original paths recorded so Restore-DbBackup can put everything back. Relative paths are resolved against the current location. The tags make the backup easy to find (Get-DbBackup -Tag keep) and to exclude from pruning.
'@
        }
        @{
            Title   = 'Back up every database in a folder'
            Code    = @'
Get-ChildItem /var/lib/myapp -Filter *.db | New-DbBackup -Destination /srv/backups/myapp -Compression Zstd -CompressionLevel 9
'@
            Remarks = @'
Get-ChildItem's FileInfo objects bind to -Database by their FullName property; each database gets its own backup file. A database that fails (for example one that is locked for too long) writes a non-terminating error and the others are still backed up.
'@
        }
        @{
            Title   = 'Handle specific errors in a script'
            Code    = @'
try {
    New-DbBackup -Database /var/lib/myapp/app.db -Destination /mnt/nas/backups -ErrorAction Stop
}
catch {
    $err = $_
    switch -Wildcard ($err.FullyQualifiedErrorId) {
        'DatabaseLocked,*'         { Write-Warning 'The database stayed locked; the next run will retry.' }
        'DiskFull,*'               { Write-Error "The backup disk is full: $($err.Exception.Message)" }
        'DestinationNotWritable,*' { Write-Error 'The NAS share is not writable: is it mounted?' }
        default                    { throw $err }
    }
}
'@
            Remarks = @'
-ErrorAction Stop makes the non-terminating per-database errors catchable. The error record is saved in $err because $_ means the switch value inside the switch. The error id is the part of FullyQualifiedErrorId before the comma ("DatabaseLocked,BackupPS.Cmdlets.NewDbBackupCommand"); $err.CategoryInfo.Category (ResourceBusy, ResourceUnavailable, PermissionDenied, ...) can be tested as well. Whatever failed, no partial backup is left behind.
'@
        }
        @{
            Title   = 'Back up files only'
            Code    = @'
New-DbBackup -Type Files -IncludePath /etc/myapp -Name myapp-config -Destination /srv/backups/config
'@
            Remarks = @'
A Files backup holds no database. -Name sets the name used in the file name and in Get-DbBackup -DatabaseName; without it, the name would be that of the first included item (myapp).
'@
        }
        @{
            Title   = 'Back up a PostgreSQL database given by a URL'
            Code    = '$cred = Get-Credential app; New-DbBackup -Database ''postgres://app@db.internal:5432/assets'' -Credential $cred -Destination ./backups -ExcludeTableData ''public.sessions'''
            Remarks = 'Dumps the database with pg_dump (custom format, its own compression off) inside one REPEATABLE READ snapshot whose exact per-table row counts go into the manifest, and compresses the dump with zstd into one backup file. The rows of public.sessions are not backed up. Add -Jobs 2 for a parallel dump (pg_dump -Fd -j 2) and -IncludeGlobals to add the roles (without passwords).'
        }
    )

    RelatedLinks = @(
        'Get-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
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
