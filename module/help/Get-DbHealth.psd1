# Help source for Get-DbHealth (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Checks the health of a SQLite database file or a PostgreSQL database, and of its backups in a destination, and returns one object with a Status and the problems found.'

    Description  = @'
Get-DbHealth inspects one database and returns a single DbHealth object: Status (Healthy, Warning or Unhealthy), Problems (one sentence per problem, the serious ones first) and the facts behind them. The default view is a list; Format-List * shows every property and the Tables property holds one object per table.

For a SQLite file it reports the size (the file plus its -wal file), SQLite version, page size, page count, freelist count, journal mode, the result of PRAGMA integrity_check (or quick_check with -Quick), the foreign key violations (PRAGMA foreign_key_check: a count and up to 20 examples) and the exact row count of every table. The database is opened read-only: nothing is written, checkpointed or changed. Each statement runs in its own short read transaction; in rollback-journal mode a writer waits for at most one statement (the integrity check is the long one), in WAL mode writers are not blocked at all.

For a PostgreSQL database (a postgres:// URL or an Npgsql connection string, as New-DbBackup takes them) it reports the server version, pg_database_size, every table with its estimated row count (reltuples; exact count(*) with -Exact) and size, the sessions connected to the database (total, active, idle in transaction) and to the server (against max_connections), the start and age of the oldest open transaction of a non-idle session, and age(datfrozenxid), the transaction ID age that warns of wraparound. Everything is read in one read-only transaction. Without the pg_read_all_stats role, the state of other roles' sessions is hidden by PostgreSQL and their transactions are not seen.

With -Destination it also finds the database's newest backup there (LastBackup) and its newest backup that has been verified by Test-DbBackup or Restore-DbBackup (LastVerifiedBackup, with LastVerified and LastVerificationPassed). A backup counts when it is a Database or Full backup (not Files, not a PreRestore safety copy) of the same engine whose recorded source is this database: for SQLite the same full path, for PostgreSQL the same database on the same server (host and port; the user does not matter; localhost, 127.0.0.1, ::1 and socket folders count as one host). The sidecar of an encrypted backup hides the source path; such a backup counts when its database name is the name New-DbBackup gives this database (the file name without extension, or the PostgreSQL database name).

Status is Unhealthy when the integrity check finds damage, when SQLite cannot read the database at all, or when the newest verified backup failed its last verification. It is Warning for foreign key violations, no backup in the destination (or a destination that does not exist), a last backup older than 24 hours, no verified backup, a transaction open longer than an hour, age(datfrozenxid) above 1 billion, or at least 90% of max_connections in use. Otherwise it is Healthy. Damage is reported in the result, not as an error, so monitoring scripts always get an object to test.
'@

    Parameters   = @{
        Database    = @'
The database to check: the path of a SQLite database file (relative paths are resolved against the current PowerShell location), or a PostgreSQL postgres:// or postgresql:// URL or Npgsql connection string (Host=...;Database=...). Paths can be piped, as strings or as objects with a FullName or Path property (for example, Get-ChildItem output); each database gives one DbHealth object.

A missing file writes the non-terminating error DatabaseNotFound; a file that is not a SQLite database writes NotASqliteDatabase.
'@
        Destination = @'
A folder of backups to look in for this database's last backup and last verified backup. Without it, the backup checks are skipped and only the database itself is judged.
'@
        Quick       = @'
SQLite only: runs PRAGMA quick_check instead of the full PRAGMA integrity_check. quick_check is much faster on large databases but does not check that indexes match their tables. Ignored for PostgreSQL.
'@
        Exact       = @'
PostgreSQL only: counts each table's rows exactly with count(*) (which reads every table) instead of reporting the planner's estimate. The Exact property of each table says which it is. SQLite row counts are always exact, so it is ignored there.
'@
        Credential  = @'
PostgreSQL only: the user name and password to log in with (a PSCredential), overriding a user or password in the URL, as with New-DbBackup. Without it the password comes from the URL or the connection string, or from PGPASSFILE or ~/.pgpass.
'@
    }

    Inputs       = @(
        @{ Type = 'System.String'; Description = 'A database path or PostgreSQL URL (-Database). Objects with a FullName or Path property, such as System.IO.FileInfo from Get-ChildItem, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbHealth'; Description = 'One object per database: Database, Engine, Source, Status, Problems, SizeBytes, TableCount, TotalRows, Tables (DbHealthTable: Name, Rows, Exact, SizeBytes), the SQLite facts (PageSize, PageCount, FreelistCount, JournalMode, IntegrityCheck, IntegrityOk, IntegrityMessages, ForeignKeyViolationCount, ForeignKeyViolations) or the PostgreSQL facts (ServerVersion, Connections, ActiveConnections, IdleInTransactionConnections, ServerConnections, MaxConnections, OldestTransactionStart, OldestTransactionAge, TransactionIdAge), and with -Destination: LastBackup, LastBackupCreated, LastVerifiedBackup, LastVerified, LastVerificationPassed.' }
    )

    Notes        = @'
Error ids that scripts can test for: DatabaseNotFound, DatabaseIsDirectory, NotASqliteDatabase, DatabaseNotReadable, DatabaseLocked (a writer held an exclusive lock for more than 30 seconds), and for PostgreSQL PostgresUnreachable, PostgresAuthenticationFailed, PostgresPermissionDenied and DatabaseNotFound. A damaged database is not an error: it is Status Unhealthy with SQLite's messages in Problems and IntegrityMessages.
'@

    Examples     = @(
        @{
            Title   = 'Check a SQLite database and its backups'
            Code    = @'
Get-DbHealth /srv/myapp/app.db -Destination /srv/backups/myapp
'@
            Remarks = @'
Runs the full integrity check and the foreign key check, counts every table's rows and finds the newest backup and the newest verified backup of /srv/myapp/app.db in /srv/backups/myapp. The list view shows the Status, the problems, the size, pages, freelist, journal mode, the tables and the backups.
'@
        }
        @{
            Title   = 'Fail a monitoring job unless every database is healthy'
            Code    = @'
$sick = Get-ChildItem /srv/*/data/*.db | Get-DbHealth -Quick -Destination /srv/backups | Where-Object Status -ne Healthy
$sick | ForEach-Object { "$($_.Database): $($_.Status): $($_.Problems -join ' | ')" }
if ($sick) { exit 1 }
'@
            Remarks = @'
Each database file from Get-ChildItem binds to -Database by its FullName. -Quick uses the faster quick_check. Problems holds one sentence per problem, so the output says what is wrong with each database.
'@
        }
        @{
            Title   = 'Check a PostgreSQL database with exact row counts'
            Code    = @'
Get-DbHealth 'postgres://app@db.internal/assets' -Credential (Get-Credential app) -Exact -Destination /srv/backups/pg
(Get-DbHealth 'postgres://app@db.internal/assets').Tables | Sort-Object SizeBytes -Descending | Select-Object -First 5
'@
            Remarks = @'
The first command reports the server version, size, sessions, the oldest open transaction, the transaction ID age and every table with its exact row count, plus the last backup in /srv/backups/pg. The second lists the five largest tables with their estimated row counts.
'@
        }
    )

    RelatedLinks = @(
        'Get-DbBackupStorage'
        'New-DbBackup'
        'Test-DbBackup'
        'Get-DbBackup'
        'Restore-DbBackup'
        'Remove-DbBackup'
        'about_BackupPS'
    )
}
