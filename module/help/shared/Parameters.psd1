# Help text of parameters several cmdlets share (declared once in a common base class). New-MamlHelp uses an
# entry here when a cmdlet's own module/help/<Cmdlet>.psd1 does not document that parameter itself.
@{
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


    MetricsPath = @'
Writes the outcome to this Prometheus textfile-collector file (for example /var/lib/node_exporter/textfile/backupps.prom), for node_exporter's --collector.textfile.directory. Per database and operation (operation="backup", "verify", "restore", "remove", "copy" or "import") it holds the gauges backupps_last_success_timestamp_seconds, backupps_last_run_timestamp_seconds, backupps_last_run_success (1 or 0), backupps_last_duration_seconds and backupps_last_size_bytes, and per database backupps_last_verification_passed (1 or 0, from Test-DbBackup). The file is updated atomically (written under a temporary name in the same folder, then renamed; concurrent writers wait for a lock file <file>.lock): other databases' and operations' series are kept, and a failed run keeps the time of the last success. So one alert rule catches a database without a backup for 24 hours: time() - backupps_last_success_timestamp_seconds{operation="backup"} > 86400. The file is readable by all (0644), since node_exporter usually runs as another user. A metrics file that cannot be written is a warning, never a failure of the operation.
'@
}
