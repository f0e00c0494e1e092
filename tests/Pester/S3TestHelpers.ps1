# A throwaway S3-speaking server for the S3 tests and benchmarks: tests/s3server/server.js (s3rver 3.7.1, pinned in
# tests/s3server/package-lock.json, with the fixes listed at the top of server.js) on 127.0.0.1, a port the system
# picks, its objects in a private temp folder. Nothing reaches AWS. Credentials: access key S3RVER, secret S3RVER
# (Get-TestS3Credential, or $env:AWS_ACCESS_KEY_ID / $env:AWS_SECRET_ACCESS_KEY via Set-TestS3Environment).
# .ci/run installs the server with `npm ci --prefix tests/s3server`; without node or node_modules the S3 tests fail
# with the command to run (they are not skipped: CI must run them).

$script:S3ServerFolder = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../s3server')).ProviderPath

function Test-S3ServerInstalled {
    [bool](Get-Command node -CommandType Application -ErrorAction Ignore) -and
        (Test-Path -LiteralPath (Join-Path $script:S3ServerFolder 'node_modules/s3rver/package.json'))
}

<#
Starts the server and returns { Endpoint ('http://127.0.0.1:<port>'), Port, Process, Directory (private temp folder,
removed by Stop-TestS3Server), DataDirectory (the buckets: <bucket>/<key>._S3rver_object), LogPath, Buckets,
AccessKey, SecretKey, Region, FaultLog }. -Bucket: the buckets created at start. -MaxBytesPerSecond: upload bodies are
read at most that fast (a slow link, so a test can kill a client mid-upload). -FailEvery N: every N-th signed request
is answered 503 SlowDown; -CutGetEvery N: every N-th GET of an object sends half its bytes and drops the connection
(transient faults for the retry tests; each one is a line in FaultLog, read by Get-TestS3Fault).
#>
function Start-TestS3Server {
    param(
        [string[]] $Bucket = @('backups'),
        [long] $MaxBytesPerSecond = 0,
        [int] $FailEvery = 0,
        [int] $CutGetEvery = 0,
        # The secret key the server checks signatures with (a distinctive one lets a test search for leaks).
        [string] $SecretKey = 'S3RVER',
        [int] $TimeoutSec = 30
    )
    $node = Get-Command node -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $node) { throw 'node is not installed: the S3 tests need nodejs and npm (apt-get install nodejs npm; .ci/run does it).' }
    if (-not (Test-S3ServerInstalled)) {
        throw "The test S3 server is not installed: run 'npm ci --prefix tests/s3server --no-audit --no-fund' (.ci/run does it)."
    }
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("backupps-s3-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $data = Join-Path $dir 'data'
    New-Item -ItemType Directory -Path $data | Out-Null
    $log = Join-Path $dir 'server.log'
    $faultLog = Join-Path $dir 'faults.log'

    $psi = [Diagnostics.ProcessStartInfo]::new($node.Source)
    foreach ($a in @('--openssl-legacy-provider', (Join-Path $script:S3ServerFolder 'server.js'), '--directory', $data, '--port', '0', '--log', $log)) {
        $psi.ArgumentList.Add($a)
    }
    foreach ($b in $Bucket) { $psi.ArgumentList.Add('--bucket'); $psi.ArgumentList.Add($b) }
    if ($MaxBytesPerSecond -gt 0) { $psi.ArgumentList.Add('--max-bytes-per-second'); $psi.ArgumentList.Add("$MaxBytesPerSecond") }
    if ($FailEvery -gt 0) { $psi.ArgumentList.Add('--fail-every'); $psi.ArgumentList.Add("$FailEvery") }
    if ($CutGetEvery -gt 0) { $psi.ArgumentList.Add('--cut-get-every'); $psi.ArgumentList.Add("$CutGetEvery") }
    $psi.ArgumentList.Add('--fault-log'); $psi.ArgumentList.Add($faultLog)
    if ($SecretKey -ne 'S3RVER') { $psi.ArgumentList.Add('--secret-key'); $psi.ArgumentList.Add($SecretKey) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.WorkingDirectory = $dir
    $process = [Diagnostics.Process]::Start($psi)
    $stderr = $process.StandardError.ReadToEndAsync()

    # The server prints "S3SERVER LISTENING <port>" once it accepts connections.
    $port = $null
    $lineTask = $process.StandardOutput.ReadLineAsync()
    if ($lineTask.Wait([TimeSpan]::FromSeconds($TimeoutSec)) -and $lineTask.Result -match '^S3SERVER LISTENING (\d+)$') {
        $port = [int]$Matches[1]
    }
    if (-not $port) {
        if (-not $process.HasExited) { $process.Kill() }
        $process.WaitForExit(5000) | Out-Null
        $message = if ($stderr.Wait(2000)) { $stderr.Result } else { '' }
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
        throw "The test S3 server did not start within $TimeoutSec s: $message"
    }
    $endpoint = "http://127.0.0.1:$port"

    # It answers: an anonymous request gets S3's 403 AccessDenied XML.
    $client = [Net.Http.HttpClient]::new()
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while ($true) {
            try {
                $response = $client.GetAsync("$endpoint/").GetAwaiter().GetResult()
                $body = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
                if ([int]$response.StatusCode -eq 403 -and $body -match '<Code>AccessDenied</Code>') { break }
            }
            catch { }
            if ([DateTime]::UtcNow -gt $deadline) {
                $process.Kill(); Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
                throw "The test S3 server on $endpoint does not answer."
            }
            Start-Sleep -Milliseconds 100
        }
    }
    finally { $client.Dispose() }

    [pscustomobject]@{
        Endpoint      = $endpoint
        Port          = $port
        Process       = $process
        Directory     = $dir
        DataDirectory = $data
        LogPath       = $log
        FaultLog      = $faultLog
        Buckets       = $Bucket
        AccessKey     = 'S3RVER'
        SecretKey     = $SecretKey
        Region        = 'us-east-1'
    }
}

# The faults the server injected so far (lines of its fault log: '503 SlowDown <method> <url>', 'cut GET <url> ...').
function Get-TestS3Fault {
    param($Server)
    @(Get-Content -LiteralPath $Server.FaultLog -ErrorAction Ignore)
}

function Stop-TestS3Server {
    param($Server)
    if (-not $Server) { return }
    try {
        if (-not $Server.Process.HasExited) { $Server.Process.Kill($true) }
        $Server.Process.WaitForExit(10000) | Out-Null
    }
    catch { }
    $Server.Process.Dispose()
    if ($Server.Directory -and (Test-Path -LiteralPath $Server.Directory)) {
        Remove-Item -LiteralPath $Server.Directory -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# The server's credentials as a PSCredential (for -S3Credential); -Secret gives a wrong secret for the same key.
function Get-TestS3Credential {
    param($Server, [string] $AccessKey, [string] $Secret)
    if (-not $AccessKey) { $AccessKey = $Server.AccessKey }
    if (-not $Secret) { $Secret = $Server.SecretKey }
    [pscredential]::new($AccessKey, (ConvertTo-SecureString $Secret -AsPlainText -Force))
}

# Sets AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION for the server and returns the previous values for
# Restore-TestS3Environment (the Pester run shares one process: never leave them set).
function Set-TestS3Environment {
    param($Server)
    $previous = @{}
    foreach ($name in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_DEFAULT_REGION') {
        $previous[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:AWS_ACCESS_KEY_ID = $Server.AccessKey
    $env:AWS_SECRET_ACCESS_KEY = $Server.SecretKey
    $env:AWS_REGION = $Server.Region
    $env:AWS_DEFAULT_REGION = $Server.Region
    $previous
}

function Restore-TestS3Environment {
    param([hashtable] $Previous)
    if (-not $Previous) { return }
    foreach ($name in $Previous.Keys) { [Environment]::SetEnvironmentVariable($name, $Previous[$name]) }
}

# Every object the server lists in a bucket (optionally under a prefix), as { Key, Size }, sorted by key: read from
# the server's store, where (with server.js's atomic PUT) an object exists exactly when ListObjects shows it.
# Unfinished multipart uploads are not objects (S3 does not list them either).
function Get-TestS3Object {
    # Audit-log objects (<prefix>/audit/…, one per operation, by design) are left out unless -IncludeAuditLog.
    param($Server, [string] $Bucket, [string] $Prefix = '', [switch] $IncludeAuditLog)
    $root = Join-Path $Server.DataDirectory $Bucket
    if (-not (Test-Path -LiteralPath $root)) { return @() }
    $suffix = '._S3rver_object'
    @(Get-ChildItem -LiteralPath $root -Recurse -File -Force |
        Where-Object { $_.Name.EndsWith($suffix) -and $_.FullName -notmatch '/\._S3rver_uploads/' } |
        ForEach-Object {
            $key = $_.FullName.Substring($root.Length + 1)
            [pscustomobject]@{ Key = $key.Substring(0, $key.Length - $suffix.Length); Size = $_.Length; Path = $_.FullName }
        } |
        Where-Object { $_.Key.StartsWith($Prefix) -and ($IncludeAuditLog -or $_.Key -notmatch '(^|/)audit/') } |
        Sort-Object Key)
}

# Unfinished multipart uploads in a bucket: { UploadId, Key, Parts (count of stored parts) }.
function Get-TestS3Upload {
    param($Server, [string] $Bucket)
    $root = Join-Path $Server.DataDirectory "$Bucket/._S3rver_uploads"
    if (-not (Test-Path -LiteralPath $root)) { return @() }
    @(Get-ChildItem -LiteralPath $root -Directory | ForEach-Object {
        $keyFile = Join-Path $_.FullName 'key'
        [pscustomobject]@{
            UploadId = $_.Name
            Key      = if (Test-Path -LiteralPath $keyFile) { Get-Content -Raw -LiteralPath $keyFile } else { $null }
            Parts    = @(Get-ChildItem -LiteralPath $_.FullName -File | Where-Object Name -match '^\d+$').Count
        }
    })
}

# Uploads that are being received right now by single PUTs (server.js's temporary names).
function Get-TestS3PendingPut {
    param($Server, [string] $Bucket)
    $root = Join-Path $Server.DataDirectory $Bucket
    if (-not (Test-Path -LiteralPath $root)) { return @() }
    # A backup being uploaded, not the write probe every writing cmdlet puts (and removes) first.
    @(Get-ChildItem -LiteralPath $root -Recurse -File -Force | Where-Object { $_.Name -like '*.uploading' -and $_.Name -notlike '.backupps-probe-*' })
}
