# Help source for Import-DbBackup (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Adopts backups made before BackupPS (SQLite copies, pg_dump files, gzip- or zstd-compressed) as normal BackupPS backups.'

    Description  = @'
Import-DbBackup takes backup files written by other tools or by old cron scripts and adds each one to a BackupPS destination as a normal backup, so that Get-DbBackup lists it, Test-DbBackup verifies it, Restore-DbBackup restores it, Remove-DbBackup and retention remove it, like any backup New-DbBackup made.

Each file is recognised by its content, not its name:

- a SQLite database file (a copy made with sqlite3 ".backup", cp or the online backup API);
- a pg_dump custom-format dump (pg_dump -Fc);
- a pg_dump plain SQL dump (pg_dump db > db.sql), as written by most cron scripts;
- any of these compressed with gzip or zstd (for example the .db.gz and .sql.gz files of old cron scripts).

Each file is checked before it is adopted. A SQLite database is decompressed into a private temporary file and must pass PRAGMA integrity_check; its tables are counted. A custom-format dump must be read completely by pg_restore (pg_restore --list, then every table's data through pg_restore -f -). A plain SQL dump must start with pg_dump's header and end with its "PostgreSQL database dump complete" trailer, so a dump cut short by a full disk or a killed job is refused; a dump that creates or connects to databases itself (pg_dump --create, pg_dumpall) is refused too. The rows of every table are counted from the dump's COPY data, so a later restore is checked against them.

A file that passes is repacked into the BackupPS format (tar, zstd, optionally encrypted, SHA-256 checksums, sidecar written last), with the creation time taken from the file's modification time (or -Created), type Database, the engine found, and the database name taken from the file name with its extensions and a trailing date removed ("app-2024-05-01.db.gz" becomes "app"), or -DatabaseName. The manifest records where it came from in a block "imported": the original path, file name, SHA-256, format and the time of the import.

The original file is only read: it is never modified, moved or removed. Delete it yourself once the imported backup has been tested.

Importing the same file (same SHA-256 and same Created time) into the same destination again is skipped with a warning; -Force imports it again. Byte-identical copies with different dates are separate backups. A backup restored from an imported SQLite file has no recorded source path, so Restore-DbBackup needs -Target; an imported PostgreSQL dump likewise needs -Target (a postgres:// URL). Plain SQL dumps are restored with psql (ON_ERROR_STOP on, and behind psql's \restrict so that no psql command in the file, such as \! for a shell command, can run; a psql too old for \restrict is refused with the error PsqlTooOld) into a new scratch database, which is swapped in when its row counts match, as for other PostgreSQL backups. A plain dump with a line that starts with a psql command pg_dump does not write is not imported.
'@

    Parameters   = @{
        Path             = @'
The files to import. Wildcards are expanded (for example /var/backups/*.db.gz), relative paths are resolved against the current PowerShell location, and the FileInfo objects Get-ChildItem returns bind by their FullName property. A path that matches no file is a non-terminating ImportFileNotFound error.
'@
        Destination      = @'
The folder that receives the imported backups; it is created (mode 0700) if it does not exist. Usually the folder where New-DbBackup writes the database's new backups, so retention treats old and new backups alike.
'@
        Created          = @'
The creation time to record for the imported backups, instead of each file's modification time (which is the default). Use it when the files were copied and lost their original times. A time without a time zone is taken as local time.
'@
        DatabaseName     = @'
The database name to record, instead of the one derived from the file name. Retention and Get-DbBackup -Latest group backups by this name, so give the name New-DbBackup uses for the same database (the database file name without extension, or the PostgreSQL database name).
'@
        Engine           = @'
SQLite or PostgreSQL: import only files of this engine; a file whose content is of the other engine is refused with ImportUnrecognizedFormat. Without it, the engine is whatever the content is.
'@
        Compression      = @'
The compression of the new backup file: Zstd (default, .tar.zst), Gzip (.tar.gz) or None (.tar), as for New-DbBackup. The original's own compression does not matter.
'@
        CompressionLevel = @'
The compression level: for Zstd 1 (fastest) to 19 (smallest), default 3; for Gzip 1 means fastest and 9 or more smallest. Ignored with -Compression None.
'@
        Force            = @'
Imports a file even when the destination already holds a backup imported from a file with the same SHA-256 and Created time (otherwise such a file is skipped with a warning).
'@
        PgBinPath        = @'
PostgreSQL dumps only: the folder holding pg_restore (for example /usr/lib/postgresql/16/bin), used to read custom-format dumps. Without it, pg_restore is found on PATH or in /usr/lib/postgresql/<version>/bin.
'@
        Passphrase       = @'
Encrypts the imported backups with this passphrase (a SecureString), exactly as New-DbBackup -Passphrase does. The decompressed copy is then kept in the system temporary folder, never in the destination. Without -Passphrase, -PassphraseFile or -Certificate, BACKUPPS_PASSPHRASE is used when set.
'@
        PassphraseFile   = @'
Encrypts the imported backups with the passphrase on the first line of this private (chmod 600) file, as New-DbBackup -PassphraseFile does. Cannot be combined with -Passphrase.
'@
        Certificate      = @'
Encrypts the imported backups for one or more RSA certificates (X509Certificate2 objects, certificate file paths or thumbprints), as New-DbBackup -Certificate does; only the public key is needed.
'@
        WhatIf           = @'
Shows, for each file, what it was recognised as, the database name and creation time it would get and the destination, without checking or writing anything. A file that is not importable is reported as an error.
'@
        Confirm          = @'
Asks for confirmation before each file is imported.
'@
    }

    Inputs       = @(
        @{ Type = 'System.String'; Description = 'Paths of files to import (-Path). The System.IO.FileInfo objects Get-ChildItem returns bind by their FullName property.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'One new backup per imported file (nothing for a skipped or refused file), as New-DbBackup returns. Its Created is the original file''s time and its Description says which file it was imported from.' }
    )

    Notes        = @'
Error ids that scripts can test for: ImportFileNotFound (no such file, or a folder), ImportFileNotReadable, ImportUnrecognizedFormat (the content is none of the accepted kinds; the message says what was found and what is accepted), ImportCheckFailed (integrity_check failed, pg_restore could not read the dump, a plain dump is truncated, or the gzip/zstd stream is damaged; nothing was imported), ImportSourceChanged (the file changed while it was read), DestinationIsFile, DestinationNotWritable, DiskFull. All are non-terminating, per file: the other files are still imported.

pg_dump directory and tar formats and pg_dumpall cluster dumps are not importable: restore them with their own tools and back up each database with New-DbBackup.
'@

    Examples     = @(
        @{
            Title   = 'Adopt the .db.gz files of an old cron script'
            Code    = @'
Get-ChildItem /var/backups/app-*.db.gz | Import-DbBackup -Destination /srv/backups/app -DatabaseName app
Get-DbBackup /srv/backups/app | Test-DbBackup
'@
            Remarks = @'
Each gzip-compressed SQLite copy (app-2024-05-01.db.gz, ...) is decompressed, checked with integrity_check and added as a backup of "app" created at the file's modification time. The originals stay where they are. Test-DbBackup then verifies all backups, old and new.
'@
        }
        @{
            Title   = 'Import compressed plain pg_dump files, then restore one'
            Code    = @'
Import-DbBackup -Path '/var/backups/pg/shop_*.sql.gz' -Destination /srv/backups/shop
Get-DbBackup /srv/backups/shop -Latest | Restore-DbBackup -Target 'postgres://app@localhost/shop_restored'
'@
            Remarks = @'
Files made with "pg_dump shop | gzip > shop_$(date +%F).sql.gz" are imported as backups of "shop" when they are complete (pg_dump's trailer present). The newest is restored with psql into a scratch database on the target server, its row counts compared with those counted at import, and swapped in.
'@
        }
        @{
            Title   = 'Preview an import'
            Code    = @'
Import-DbBackup -Path /mnt/old/*.dump -Destination /srv/backups/crm -WhatIf
'@
            Remarks = @'
Shows what each file is (for example "pg_dump custom-format dump"), the database name and creation time it would get, without checking or writing anything.
'@
        }
    )

    RelatedLinks = @(
        'New-DbBackup'
        'Get-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'Remove-DbBackup'
        'about_BackupPS'
    )
}
