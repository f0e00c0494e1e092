# Help source for Copy-DbBackup (see New-DbBackup.psd1 for the format).
@{
    Synopsis     = 'Copies BackupPS backups to another destination: a folder or an S3 bucket, in either direction, verifying each copy.'

    Description  = @'
Copy-DbBackup copies listed backups (a backup file with its sidecar) to another destination: from a folder to S3 (s3://bucket/prefix), from S3 to a folder, from one bucket or store to another, or between folders. It returns a DbBackup object for each new copy, listed at the destination.

Each copy is one streaming pass: the backup is read (from S3 with ranged GETs, retried) and written (to S3 as a multipart upload, parallel parts, memory bounded; to a folder under a temporary name, flushed and renamed) while its SHA-256 is computed. The copy's SHA-256 and size are compared with the source's sidecar before the copy's sidecar is written, last: a copy that differs is removed (error CopyChecksumMismatch) and never listed, and so is a copy that is interrupted.

A backup already at the destination (the same backup id) is an error (BackupAlreadyExists) unless -SkipExisting is given, which skips it silently, so a scheduled offsite copy can simply copy everything each time.

The -S3* parameters say how to reach an s3:// -Destination or -Path. Backups piped from Get-DbBackup s3://... carry their own connection, so the source needs no -S3* parameters; when both sides are S3 stores with different endpoints or credentials, list the source with its own -S3* parameters and give the destination's to Copy-DbBackup.
'@

    Parameters   = @{
        S3Endpoint              = @'
The service URL of an S3-compatible store that is not AWS, for example https://minio.local:9000 (MinIO), a Ceph RGW or Backblaze B2 endpoint. Used when a location is s3://bucket/prefix. Without it, AWS S3 in -S3Region is used. Giving an endpoint turns on path-style addressing unless -S3ForcePathStyle:$false is given.
'@
        S3Region                = @'
The region of the S3 bucket, for example eu-central-1. Default: AWS_REGION or AWS_DEFAULT_REGION, else the profile's region, else us-east-1 (and us-east-1 for signing with -S3Endpoint).
'@
        S3Profile               = @'
The profile in the shared AWS credentials and config files (~/.aws/credentials, ~/.aws/config) whose credentials and region to use for s3:// locations. Without -S3Profile and -S3Credential, the standard AWS chain is used: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the default profile, then container and instance roles.
'@
        S3Credential            = @'
The access key (as user name) and secret key (as password) for s3:// locations, as a PSCredential, for example from Get-Credential. The secret is held in memory only: it is never printed, and never written to a sidecar, the audit log or a schedule. A DbBackup listed from S3 keeps its connection in memory, so piping it on needs no -S3* parameters again.
'@
        S3ForcePathStyle        = @'
Addresses buckets by path (https://host/bucket/key) instead of by host name (https://bucket.host/key), as MinIO and many S3-compatible servers need. On by default when -S3Endpoint is given; -S3ForcePathStyle:$false turns it off.
'@
        S3ServerSideEncryption  = @'
Asks S3 to encrypt new objects at rest: None (the bucket's default), AES256 (S3-managed keys) or aws:kms (the account's KMS key). This is the store's own encryption; -Passphrase or -Certificate encrypt the backup before it leaves the machine.
'@
        InputObject = @'
The backups to copy, as DbBackup objects from Get-DbBackup or New-DbBackup. This is what the pipeline binds.
'@
        Path        = @'
Paths of backup files to copy (each with its sidecar beside it; error NotAListedBackup otherwise), or s3://bucket/prefix/<backup file> keys. Relative paths are resolved against the current PowerShell location.
'@
        Destination = @'
Where to copy the backups: a folder (created if needed) or s3://bucket/prefix. The copy keeps the backup's file name, id and sidecar.
'@
        SkipExisting = @'
Skips a backup whose id the destination already lists, instead of reporting BackupAlreadyExists. Nothing is written for it and nothing is returned for it.
'@
        WhatIf      = @'
Shows which backups would be copied where, without copying anything.
'@
    }

    Inputs       = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'Backups from Get-DbBackup or New-DbBackup (-InputObject).' }
        @{ Type = 'System.String'; Description = 'Paths of backup files or s3:// keys (-Path).' }
    )
    Outputs      = @(
        @{ Type = 'BackupPS.DbBackup'; Description = 'One per backup copied: the copy, as listed at the destination.' }
    )

    Notes        = @'
Error ids that scripts can test for: BackupAlreadyExists (without -SkipExisting), CopyChecksumMismatch (the bytes read differ from the source's sidecar: nothing was kept), CopyOntoItself, NotAListedBackup, S3AccessDenied, S3BucketNotFound, S3Unreachable (after retries), S3CredentialsMissing, S3InvalidLocation.
'@

    Examples     = @(
        @{
            Title   = 'Copy the newest backup of each database offsite'
            Code    = @'
Get-DbBackup ./backups -Latest | Copy-DbBackup -Destination s3://offsite/app -SkipExisting
'@
            Remarks = @'
Copies the newest backup of each database to the bucket offsite under the prefix app, using the AWS credentials of the environment or the default profile. Backups already there are skipped.
'@
        }
        @{
            Title   = 'Bring a backup back from MinIO and restore it'
            Code    = @'
$cred = Get-Credential   # access key / secret key
Get-DbBackup s3://backups/app -S3Endpoint https://minio.local:9000 -S3Credential $cred -Latest |
    Copy-DbBackup -Destination ./restore-staging |
    Restore-DbBackup -Target ./app.db
'@
            Remarks = @'
Lists the newest backup in the MinIO bucket, copies it to a local folder (its SHA-256 checked against the sidecar) and restores it from there. Restore-DbBackup can also restore straight from S3.
'@
        }
    )

    RelatedLinks = @(
        'Get-DbBackup'
        'New-DbBackup'
        'Remove-DbBackup'
        'Test-DbBackup'
        'Restore-DbBackup'
        'about_BackupPS'
    )
}
