<#
.SYNOPSIS
    Benchmarks New-DbBackup to an S3-compatible store (the local test server) against New-DbBackup to a local folder
    and against the reference chain plus an `aws s3 cp` upload, IN ONE RUN; prints ratios and peak RSS as markdown.
.DESCRIPTION
    For each size (databases built by ../../shared/bench/make-sqlite.sh, cached in -DataDir), -Runs times,
    interleaved (the order rotates run by run):
      local      New-DbBackup -Destination <folder>                      (BackupPS, fresh pwsh, timed inside)
      s3         New-DbBackup -Destination s3://bench/ours -S3Endpoint   (same, to tests/s3server on 127.0.0.1)
      ref        sqlite3 .backup + zstd -3 -T0                           (reference chain, local output)
      ref+s3     the same + aws s3 cp of the .zst to s3://bench/ref      (when the aws CLI is installed)
    The S3 server is tests/s3server/server.js (s3rver; Node, single-threaded, on the same 2 cores): it is the same
    server for both S3 rows, so the ratio s3/ref+s3 compares clients, not servers. Peak RSS: /usr/bin/time %M (the
    whole pwsh for BackupPS; the heaviest step of a shell chain). Every upload is checked (SHA-256 of the stored
    object). Progress on stderr, report on stdout (and -OutFile).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-S3Benchmark.ps1 -ModulePath out/BackupPS -SizesMiB 100 -Runs 1
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-S3Benchmark.ps1 -ModulePath out/BackupPS -SizesMiB 100, 1024 -Runs 3 -OutFile bench/results/s3.md
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [ValidateRange(5, 65536)][int[]] $SizesMiB = @(100, 1024),
    [ValidateRange(1, 99)][int] $Runs = 3,
    [string] $WorkDir,
    [string] $DataDir = '/tmp/backupps-bench-data',
    [string] $OutFile,
    [switch] $Keep
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSNativeCommandUseErrorActionPreference = $false
$Invariant = [Globalization.CultureInfo]::InvariantCulture
[Threading.Thread]::CurrentThread.CurrentCulture = $Invariant

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
if (-not (Test-Path (Join-Path $ModulePath 'BackupPS.psd1'))) { throw "No BackupPS.psd1 in '$ModulePath'. Build first: dotnet pwsh ./build.ps1 Build" }
$MakeSqlite = Join-Path $PSScriptRoot '../../shared/bench/make-sqlite.sh'
if (-not (Test-Path $MakeSqlite)) { throw "make-sqlite.sh not found at '$MakeSqlite' (the repository must sit next to shared/)." }
$MakeSqlite = (Resolve-Path $MakeSqlite).ProviderPath
$ChildScript = Join-Path $PSScriptRoot 'S3BenchChild.ps1'
foreach ($tool in '/usr/bin/time', 'bash', 'sqlite3', 'zstd', 'node') {
    if (-not (Get-Command $tool -ErrorAction Ignore)) { throw "Missing tool '$tool' (apt-get install time sqlite3 zstd nodejs)." }
}
$Aws = Get-Command aws -CommandType Application -ErrorAction Ignore | Select-Object -First 1
. (Join-Path $PSScriptRoot '../tests/Pester/S3TestHelpers.ps1')
$SizesMiB = @($SizesMiB | Sort-Object -Unique)

$PwshCommand = @([Environment]::ProcessPath)
if ($IsLinux -and (Test-Path "/proc/$PID/cmdline")) {
    $argv = ([IO.File]::ReadAllText("/proc/$PID/cmdline") -split "`0")
    $dll = [Array]::FindIndex($argv, [Predicate[string]] { param($a) $a -like '*pwsh.dll' })
    if ($dll -ge 1) { $PwshCommand = @([Environment]::ProcessPath) + $argv[1..$dll] }
}

$OwnWorkDir = -not $WorkDir
if ($OwnWorkDir) { $WorkDir = Join-Path ([IO.Path]::GetTempPath()) "backupps-s3bench.$PID" }
New-Item -ItemType Directory -Force -Path $WorkDir, $DataDir | Out-Null
$WorkDir = (Resolve-Path -LiteralPath $WorkDir).ProviderPath
$DataDir = (Resolve-Path -LiteralPath $DataDir).ProviderPath
foreach ($p in $WorkDir, $DataDir) {
    if ($p -notmatch '^[A-Za-z0-9._/+-]+$') { throw "Path must match [A-Za-z0-9._/+-]+ (it goes into shell commands): $p" }
}
# The module must be imported from a folder named BackupPS (the manifest's module name).
if ((Split-Path -Leaf $ModulePath) -ne 'BackupPS') {
    $copy = Join-Path $WorkDir 'module/BackupPS'
    New-Item -ItemType Directory -Force -Path (Split-Path $copy) | Out-Null
    Copy-Item -LiteralPath $ModulePath -Destination $copy -Recurse -Force
    $ModulePath = $copy
}

function Write-Log([string] $Message) { [Console]::Error.WriteLine("[$((Get-Date).ToString('HH:mm:ss'))] $Message") }
function Q([string] $Path) { "'" + $Path.Replace("'", "'\''") + "'" }
function Get-Median([double[]] $Values) {
    $v = @($Values | Where-Object { $null -ne $_ } | Sort-Object)
    if ($v.Count -eq 0) { return $null }
    $v[[int][Math]::Floor(($v.Count - 1) / 2)]
}
function Invoke-Bash([string] $Script) {
    $output = & bash -c "set -euo pipefail; $Script" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "bash failed ($LASTEXITCODE): $Script`n$($output -join "`n")" }
}

function Invoke-Timed {
    param([Parameter(Mandatory)][string[]] $Command, [hashtable] $Environment = @{}, [string] $Label = '')
    $timeFile = Join-Path $WorkDir 'time.out'
    $psi = [Diagnostics.ProcessStartInfo]::new('/usr/bin/time')
    foreach ($a in @('-f', '%e %M %U %S', '-o', $timeFile) + $Command) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    $stdout = $p.StandardOutput.ReadToEndAsync()
    $stderr = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    $seconds = $clock.Elapsed.TotalSeconds
    $fields = @((Get-Content $timeFile | Select-Object -Last 1) -split ' ')
    [pscustomobject]@{
        Label = $Label; ExitCode = $p.ExitCode; Seconds = $seconds; ProcessSeconds = $seconds
        RssKiB = [long]$fields[1]; CpuSeconds = [double]$fields[2] + [double]$fields[3]
        Output = ($stdout.Result + $stderr.Result).Trim(); Error = $null; SizeBytes = $null; Steps = [ordered]@{}
    }
}

$server = Start-TestS3Server -Bucket bench
$s3Env = @{ AWS_ACCESS_KEY_ID = $server.AccessKey; AWS_SECRET_ACCESS_KEY = $server.SecretKey; AWS_REGION = $server.Region; AWS_DEFAULT_REGION = $server.Region }
Write-Log "S3 server: $($server.Endpoint) (store $($server.DataDirectory)); aws CLI: $(if ($Aws) { $Aws.Source } else { 'not installed: no ref+s3 row' })"

function Clear-S3Prefix([string] $Prefix) {
    $folder = Join-Path $server.DataDirectory "bench/$Prefix"
    if (Test-Path -LiteralPath $folder) { Remove-Item -LiteralPath $folder -Recurse -Force }
}

function Invoke-Ours([string] $Label, [string] $Database, [string] $Destination, [switch] $S3) {
    $resultPath = Join-Path $WorkDir 'child.json'
    Remove-Item $resultPath -ErrorAction Ignore
    $childArgs = @('-NoProfile', '-NonInteractive', '-File', $ChildScript, '-ModulePath', $ModulePath, '-ResultPath', $resultPath, '-Database', $Database, '-Destination', $Destination)
    if ($S3) { $childArgs += @('-S3Endpoint', $server.Endpoint) }
    $r = Invoke-Timed -Label $Label -Command ($PwshCommand + $childArgs) -Environment ($S3 ? $s3Env : @{})
    $child = if (Test-Path $resultPath) { Get-Content $resultPath -Raw | ConvertFrom-Json } else { $null }
    if (-not $child) { $r.Error = "no result (exit $($r.ExitCode)): $($r.Output)" }
    elseif ($child.Error) { $r.Error = $child.Error }
    else {
        $r.Seconds = [double]$child.Seconds
        $r.CpuSeconds = [double]$child.CpuSeconds
        $r.SizeBytes = [long]$child.SizeBytes
        if ($S3) {
            $key = $child.Path.Substring('s3://bench/'.Length)
            $object = Get-TestS3Object $server bench $key | Where-Object Key -eq $key
            if (-not $object) { $r.Error = "the uploaded object $key is not in the store" }
            elseif ((Get-FileHash -Algorithm SHA256 -LiteralPath $object.Path).Hash.ToLowerInvariant() -ne $child.Sha256) { $r.Error = "the stored object's SHA-256 differs from the backup's" }
        }
    }
    if ($r.Error) { Write-Log "  $Label FAILED: $($r.Error)" }
    else { Write-Log ('  {0}: {1:0.000} s in cmdlet, {2:0.000} s process, {3:0.0} MiB RSS' -f $Label, $r.Seconds, $r.ProcessSeconds, ($r.RssKiB / 1024)) }
    $r
}

function Invoke-Reference([string] $Label, [string] $Database, [switch] $Upload) {
    $out = Join-Path $WorkDir 'ref'
    Invoke-Bash "rm -rf $(Q $out); mkdir -p $(Q $out)"
    Clear-S3Prefix 'ref'
    $steps = Join-Path $WorkDir 'ref.steps'
    $script = "set -euo pipefail; echo `$EPOCHREALTIME > $(Q $steps); sqlite3 $(Q $Database) `".backup $(Q "$out/db.sqlite")`"; echo `$EPOCHREALTIME >> $(Q $steps); " +
        "zstd -q -3 -T0 --rm $(Q "$out/db.sqlite") -o $(Q "$out/db.sqlite.zst"); echo `$EPOCHREALTIME >> $(Q $steps)"
    if ($Upload) { $script += "; $(Q $Aws.Source) --endpoint-url $($server.Endpoint) s3 cp --no-progress --only-show-errors $(Q "$out/db.sqlite.zst") s3://bench/ref/db.sqlite.zst; echo `$EPOCHREALTIME >> $(Q $steps)" }
    $r = Invoke-Timed -Label $Label -Command @('bash', '-c', $script) -Environment $s3Env
    if ($r.ExitCode -ne 0) { $r.Error = "exit $($r.ExitCode): $($r.Output)"; Write-Log "  $Label FAILED: $($r.Error)"; return $r }
    $r.SizeBytes = (Get-Item "$out/db.sqlite.zst").Length
    $t = @((Get-Content $steps) | ForEach-Object { [double]::Parse($_, $Invariant) })
    $names = @('sqlite3 .backup', 'zstd -3 -T0', 'aws s3 cp')
    for ($i = 0; $i + 1 -lt $t.Count; $i++) { $r.Steps[$names[$i]] = $t[$i + 1] - $t[$i] }
    if ($Upload) {
        $object = Get-TestS3Object $server bench 'ref/db.sqlite.zst' | Select-Object -First 1
        if (-not $object -or (Get-FileHash -Algorithm SHA256 $object.Path).Hash -ne (Get-FileHash -Algorithm SHA256 "$out/db.sqlite.zst").Hash) { $r.Error = 'the uploaded object differs from the local .zst' }
    }
    if ($r.Error) { Write-Log "  $Label FAILED: $($r.Error)" }
    else { Write-Log ('  {0}: {1:0.000} s, {2:0.0} MiB RSS ({3})' -f $Label, $r.Seconds, ($r.RssKiB / 1024), (($r.Steps.GetEnumerator() | ForEach-Object { '{0} {1:0.00} s' -f $_.Key, $_.Value }) -join ', ')) }
    $r
}

$report = [Collections.Generic.List[string]]::new()
$report.Add("# BackupPS: backups to S3 (local test server) — $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC$((Get-Date).ToString('zzz'))")
$report.Add('')
$report.Add("Machine: $([Environment]::ProcessorCount) cores, load $(((Get-Content /proc/loadavg -Raw) -split ' ')[0..2] -join ' ') at start; server: tests/s3server (s3rver 3.7.1, node $(& node --version)) on 127.0.0.1; runs: $Runs (median; RSS: max).")
$failed = $false
try {
    foreach ($size in $SizesMiB) {
        $db = Join-Path $DataDir "sqlite-$($size)m.db"
        Write-Log "Database $size MiB: $db"
        Invoke-Bash "$(Q $MakeSqlite) $(Q $db) $size >&2"
        Invoke-Bash "sqlite3 $(Q $db) 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null; cat $(Q $db) >/dev/null"
        $dbBytes = (Get-Item $db).Length
        $results = @{ local = @(); s3 = @(); ref = @(); 'ref+s3' = @() }
        $kinds = @('local', 's3', 'ref') + $(if ($Aws) { @('ref+s3') } else { @() })
        for ($run = 0; $run -lt $Runs; $run++) {
            Write-Log "Run $($run + 1)/$Runs"
            $order = @($kinds[($run % $kinds.Count)..($kinds.Count - 1)]) + @(if ($run % $kinds.Count) { $kinds[0..(($run % $kinds.Count) - 1)] })
            foreach ($kind in $order) {
                switch ($kind) {
                    'local' {
                        $dest = Join-Path $WorkDir 'local'
                        Invoke-Bash "rm -rf $(Q $dest)"
                        $results.local += Invoke-Ours 'New-DbBackup → folder' $db $dest
                    }
                    's3' {
                        Clear-S3Prefix 'ours'
                        $results.s3 += Invoke-Ours 'New-DbBackup → S3' $db 's3://bench/ours' -S3
                    }
                    'ref' { $results.ref += Invoke-Reference 'sqlite3 .backup + zstd -3 -T0' $db }
                    'ref+s3' { $results.'ref+s3' += Invoke-Reference 'sqlite3 .backup + zstd -3 -T0 + aws s3 cp' $db -Upload }
                }
            }
        }
        Clear-S3Prefix 'ours'; Clear-S3Prefix 'ref'; Invoke-Bash "rm -rf $(Q (Join-Path $WorkDir 'local')) $(Q (Join-Path $WorkDir 'ref'))"

        $row = @{}
        foreach ($k in $kinds) {
            $ok = @($results[$k] | Where-Object { -not $_.Error })
            if ($ok.Count -lt $results[$k].Count) { $failed = $true }
            $row[$k] = if ($ok.Count -eq 0) { $null } else {
                [pscustomobject]@{
                    Seconds = Get-Median @($ok.Seconds); ProcessSeconds = Get-Median @($ok.ProcessSeconds); Cpu = Get-Median @($ok.CpuSeconds)
                    RssMiB = (($ok.RssKiB | Measure-Object -Maximum).Maximum) / 1024; SizeMiB = (Get-Median @($ok.SizeBytes)) / 1MB
                    PerRun = ($ok | ForEach-Object { '{0:0.00}' -f $_.Seconds }) -join ' / '
                    Steps = $ok[0].Steps
                }
            }
        }
        $report.Add('')
        $report.Add("## $size MiB database ($([Math]::Round($dbBytes / 1MB, 1)) MiB file)")
        $report.Add('')
        $report.Add('| what | s (median) | per run | process s | CPU s | output MiB | peak RSS MiB |')
        $report.Add('|---|---:|---|---:|---:|---:|---:|')
        $labels = [ordered]@{ s3 = 'New-DbBackup → s3://'; local = 'New-DbBackup → local folder'; 'ref+s3' = 'sqlite3 .backup + zstd -3 -T0 + aws s3 cp'; ref = 'sqlite3 .backup + zstd -3 -T0 (local)' }
        foreach ($k in $labels.Keys) {
            if (-not $row.ContainsKey($k)) { continue }
            $v = $row[$k]
            if (-not $v) { $report.Add("| $($labels[$k]) | FAILED | | | | | |"); continue }
            $report.Add(('| {0} | {1:0.00} | {2} | {3:0.00} | {4:0.00} | {5:0.0} | {6:0} |' -f $labels[$k], $v.Seconds, $v.PerRun, $v.ProcessSeconds, $v.Cpu, $v.SizeMiB, $v.RssMiB))
        }
        if ($row['ref+s3']) {
            $report.Add('')
            $report.Add('Reference steps (first run): ' + (($row['ref+s3'].Steps.GetEnumerator() | ForEach-Object { '{0} {1:0.00} s' -f $_.Key, $_.Value }) -join ', '))
        }
        $report.Add('')
        $report.Add('| ratio | time | peak RSS |')
        $report.Add('|---|---:|---:|')
        function Add-Ratio([string] $Name, [string] $A, [string] $B) {
            if ($row.ContainsKey($A) -and $row.ContainsKey($B) -and $row[$A] -and $row[$B]) {
                $report.Add(('| {0} | {1:0.00}× | {2:0.00}× |' -f $Name, ($row[$A].Seconds / $row[$B].Seconds), ($row[$A].RssMiB / $row[$B].RssMiB)))
            }
        }
        Add-Ratio 'New-DbBackup S3 / New-DbBackup local folder' 's3' 'local'
        Add-Ratio 'New-DbBackup S3 / reference + aws s3 cp' 's3' 'ref+s3'
        Add-Ratio 'New-DbBackup local / reference (local)' 'local' 'ref'
    }
    $hwm = Get-Content "/proc/$($server.Process.Id)/status" -ErrorAction Ignore | Where-Object { $_ -like 'VmHWM:*' }
    $report.Add('')
    $report.Add("S3 server peak RSS over the whole run: $(if ($hwm) { '{0:0} MiB' -f ([long](($hwm -split '\s+')[1]) / 1024) } else { 'unknown' }). BackupPS times exclude PowerShell start-up and Import-Module (""process s"" includes them).")
}
finally {
    Stop-TestS3Server $server
    if ($OwnWorkDir -and -not $Keep) { Remove-Item -LiteralPath $WorkDir -Recurse -Force -ErrorAction Ignore }
}
$text = $report -join "`n"
if ($OutFile) {
    $folder = Split-Path -Parent $OutFile
    if ($folder) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
    Set-Content -LiteralPath $OutFile -Value $text -Encoding utf8
}
$text
if ($failed) { exit 1 }
