# Help source for Test-DbBackup (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Verifies backups completely: file checksum, archive structure, every entry''s checksum, and the database''s integrity and row counts.'

    Description  = @'
Test-DbBackup proves that a backup can be restored. It reads the whole backup once, decompressing and checking it as it goes, and returns a DbBackupTestResult with Passed, its Status (Passed, Failed, or Partial), the FailureReason when it did not pass, and the outcome of each check:

- FileChecksum: the SHA-256 and size of the whole file match its sidecar (Skipped for a file without a sidecar).
- Archive: the compressed stream and the tar structure are intact, manifest.json comes first and checksums.sha256 last, and the archive holds exactly the entries its manifest lists.
- Manifest: the archive's manifest is the backup its sidecar describes (same id, databaseName, sourcePath, created and type; a difference is a failure naming the fields).
- EntryChecksums: every entry's SHA-256 matches checksums.sha256 inside the archive and, with a sidecar, the manifest in the sidecar.
- IntegrityCheck: the database, decompressed into a private temporary folder, passes PRAGMA integrity_check (PRAGMA quick_check with -Quick).
- RowCounts: every table has the number of rows recorded when the backup was made.

An encrypted backup tested without its key is Partial, not Passed: only the whole-file SHA-256 and the encryption header can be checked, so Passed is False, Status is Partial, the other checks are Skipped, and a warning names them and how to supply the key (-Passphrase, -PassphraseFile, -Certificate or BACKUPPS_PASSPHRASE). A partial check is not recorded as a verification (LastVerified), so it counts for neither Remove-DbBackup's LastVerified rule nor Get-DbHealth.

A damaged backup is not an error: Test-DbBackup returns Passed = False with the reason, so you can test many backups and act on the results. This includes a listed backup whose file has vanished or cannot be read since it was listed. Errors are written only when a backup cannot be tested at all: a -Path that does not exist, or no space in the temporary folder to decompress the database.

For a listed backup (one with a sidecar), the date and outcome of the verification are recorded in the sidecar and appear as LastVerified and LastVerificationPassed in Get-DbBackup's output. A file without a sidecar (-Path) is verified against the checksums inside the archive.

The database is decompressed to the system temporary folder ($env:TMPDIR or /tmp on Linux and macOS, $env:TEMP on Windows) to be checked, and deleted afterwards, so that folder needs free space for the uncompressed database.
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
        InputObject = @'
Backups to verify, as DbBackup objects from Get-DbBackup or New-DbBackup. This is what the pipeline binds when you pipe backups to Test-DbBackup.
'@
        Path        = @'
Paths of backup files to verify. A backup file without a sidecar can be verified this way (the FileChecksum check is then skipped); giving the sidecar's path (<backup file>.json) verifies the backup beside it. Relative paths are resolved against the current PowerShell location; wildcards are not expanded, so pipe Get-ChildItem output to verify several files (FileInfo objects bind by their FullName or PSPath property).
'@
        Quick       = @'
Runs PRAGMA quick_check instead of PRAGMA integrity_check on the decompressed database. quick_check is several times faster on large databases but does not check that indexes match their tables. The checksums and row counts are verified either way.
'@
        RestoreTest = @'
PostgreSQL only: after the checks, restores the backup into a throwaway database on the -Server you name (pg_restore), compares every table's row count with the manifest, and drops the database again. The outcome is the RestoreTest check; its time and result are recorded in the sidecar (restoreTestedUtc, restoreTestPassed). For a PostgreSQL backup, the DumpList check (pg_restore --list parses the dump) replaces SQLite's IntegrityCheck and RowCounts checks.
'@
        Server      = @'
With -RestoreTest: a postgres:// URL or Npgsql connection string of the server to restore on (the database part is ignored). The role needs CREATEDB.
'@
        Credential  = @'
With -RestoreTest: the user name and password for -Server (a PSCredential); otherwise the password comes from the URL or PGPASSFILE/~/.pgpass.
'@
        PgBinPath   = @'
With -RestoreTest: the folder holding pg_restore. Without it, pg_restore is found on PATH or in /usr/lib/postgresql/<version>/bin.
'@
        Jobs        = @'
With -RestoreTest: the number of parallel pg_restore jobs. 1 by default.
'@
    }

    Inputs       = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'Backups from Get-DbBackup or New-DbBackup (-InputObject).' }
        @{ Type = 'System.String'; Description = 'Paths of backup files (-Path). Objects with a FullName, PSPath or LiteralPath property, such as System.IO.FileInfo, bind by property name.' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackupTestResult'; Description = 'One result per backup: Path, Id, Database, Created, Passed, Status (Passed, Failed or Partial), FailureReason, Checks (Name, Outcome: Passed, Failed or Skipped, Message), Verified, Duration and Backup (the DbBackup, for a listed backup).' }
    )

    Notes        = @'
Each verification appends one line to the audit log audit.jsonl in the backup's folder: operation Test, result Succeeded or Failed (with the failure reason). Read it with Get-DbBackupAuditLog.

Error ids that scripts can test for: BackupNotFound (a -Path that does not exist), SidecarUnreadable, NewerFormat (a sidecar written by a newer BackupPS), DiskFull or WriteFailed (the temporary folder, not the backup), BackupPathIsFolder (a folder was given; terminating), OperationStopped, UnexpectedError. A damaged, truncated, vanished or unreadable backup produces a result with Passed = False, not an error.

Verification reads and decompresses the whole backup, so it takes about as long as a restore. Schedule it after each backup, or regularly for all backups with Get-DbBackup | Test-DbBackup.

Restore-DbBackup verifies the backup itself before it changes anything, so a separate Test-DbBackup before a restore is not required.
'@

    Examples     = @(
        @{
            Title   = 'Verify an encrypted backup'
            Code    = @'
Get-DbBackup /srv/backups/myapp -Latest | Test-DbBackup -PassphraseFile /etc/myapp/backup.pass
'@
            Remarks = @'
With the passphrase every check runs on the decrypted archive. Without a key, Test-DbBackup checks the whole-file SHA-256 and the encryption header, reports the other checks as Skipped (they need the passphrase or a recipient's private key) and returns Status = Partial with Passed = False, with a warning: the contents were not verified.
'@
        }
        @{
            Title   = 'Verify every backup in a folder'
            Code    = @'
Get-DbBackup /srv/backups/myapp | Test-DbBackup
'@
            Remarks = @'
Verifies each listed backup and shows one line per backup: database, creation time, Passed, duration and, for a failed backup, the reason. The results are also recorded in the sidecars (LastVerified).
'@
        }
        @{
            Title   = 'Report the backups that fail verification'
            Code    = @'
$failed = Get-DbBackup /srv/backups/myapp | Test-DbBackup | Where-Object { -not $_.Passed }
foreach ($result in $failed) {
    Write-Warning "$($result.Path): $($result.FailureReason)"
    $result.Checks | Where-Object Outcome -eq 'Failed' | Format-Table Name, Message -Wrap
}
'@
            Remarks = @'
Because damage is reported in the result rather than as an error, a monitoring script can verify every backup and collect the failures. Each failed check names what is wrong, for example a checksum mismatch of database/app.db or a PRAGMA integrity_check message.
'@
        }
        @{
            Title   = 'Verify a backup file that was copied without its sidecar'
            Code    = @'
Test-DbBackup -Path ./app_20250101T023000Z_3f2a9c1e.tar.zst | Select-Object -ExpandProperty Checks
'@
            Remarks = @'
Without a sidecar, the FileChecksum check is Skipped and every entry is verified against checksums.sha256 inside the archive; the database's integrity and row counts are checked as usual.
'@
        }
        @{
            Title   = 'Quickly verify the newest backups and fail a scheduled job when one is bad'
            Code    = @'
$results = Get-DbBackup /srv/backups/myapp -Latest | Test-DbBackup -Quick
if ($results | Where-Object { -not $_.Passed }) { exit 1 }
'@
            Remarks = @'
-Quick uses PRAGMA quick_check, which skips the index consistency check, to keep a frequent job short. The exit code 1 makes the scheduler (cron, systemd, Task Scheduler) report the failure.
'@
        }
        @{
            Title   = 'Prove a PostgreSQL backup restores'
            Code    = 'Get-DbBackup ./backups -DatabaseName assets -Latest | Test-DbBackup -RestoreTest -Server ''postgres://admin@localhost/postgres'''
            Remarks = 'Verifies the checksums, checks that pg_restore --list reads the dump, restores it into a throwaway database on localhost, compares the row counts with the manifest and drops that database. The result is recorded in the backup''s sidecar.'
        }
    )

    RelatedLinks = @(
        'Get-DbBackup'
        'New-DbBackup'
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
