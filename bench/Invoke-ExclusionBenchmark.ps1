<#
.SYNOPSIS
    The cost of New-DbBackup -ExcludeTableData on SQLite against a plain backup of the same database, in one run.
.DESCRIPTION
    A plain backup of a WAL database whose WAL is checkpointed streams the database file without a copy; with an
    exclusion the snapshot is an online-backup-API copy in the temp folder, the excluded rows are deleted and the copy
    VACUUMed. Both are timed in this pwsh, interleaved (plain, excluded, excluded, plain, ...) on the same database
    (built by ../../shared/bench/make-sqlite.sh, cached in -DataDir) with a warm page cache; the report gives the
    medians and their ratio as markdown. Absolute seconds mean little on the shared machine (see README.md).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-ExclusionBenchmark.ps1 -ModulePath out/BackupPS -SizeMiB 100 -Runs 3
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [ValidateRange(5, 65536)][int] $SizeMiB = 100,
    [ValidateRange(1, 99)][int] $Runs = 3,
    # Tables whose rows are left out (make-sqlite.sh's audit_log: a small table that a trigger writes, like sessions).
    [string[]] $ExcludeTableData = @('audit_log'),
    [string] $DataDir = '/tmp/backupps-bench-data'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
[Threading.Thread]::CurrentThread.CurrentCulture = [Globalization.CultureInfo]::InvariantCulture

Import-Module (Join-Path (Resolve-Path -LiteralPath $ModulePath).ProviderPath 'BackupPS.psd1')
$make = (Resolve-Path (Join-Path $PSScriptRoot '../../shared/bench/make-sqlite.sh')).ProviderPath
New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
$db = Join-Path $DataDir "sqlite-$($SizeMiB)m.db"
& bash $make $db $SizeMiB
if ($LASTEXITCODE -ne 0) { throw "make-sqlite.sh failed ($LASTEXITCODE)" }
& sqlite3 $db 'PRAGMA wal_checkpoint(TRUNCATE);' | Out-Null

$work = Join-Path ([IO.Path]::GetTempPath()) "backupps-exclbench.$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null
try {
    $times = @{ Plain = [Collections.Generic.List[double]]::new(); Excluded = [Collections.Generic.List[double]]::new() }
    $sizes = @{}
    $warm = New-DbBackup -Database $db -Destination (Join-Path $work 'warm')
    Remove-Item -Recurse -Force (Join-Path $work 'warm')
    for ($run = 0; $run -lt $Runs; $run++) {
        $order = if ($run % 2 -eq 0) { 'Plain', 'Excluded' } else { 'Excluded', 'Plain' }
        foreach ($kind in $order) {
            $dest = Join-Path $work "$kind-$run"
            $params = @{ Database = $db; Destination = $dest }
            if ($kind -eq 'Excluded') { $params.ExcludeTableData = $ExcludeTableData }
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $b = New-DbBackup @params
            $times[$kind].Add($clock.Elapsed.TotalSeconds)
            $sizes[$kind] = $b.SizeBytes
            Remove-Item -Recurse -Force $dest
            [Console]::Error.WriteLine("run $($run + 1)/$Runs $kind $($clock.Elapsed.TotalSeconds.ToString('0.00')) s")
        }
    }
    $median = { param($list) $s = @($list | Sort-Object); $s[[int][math]::Floor(($s.Count - 1) / 2)] }
    $plain = & $median $times.Plain
    $excluded = & $median $times.Excluded
    $dbBytes = (Get-Item $db).Length
    @"
## New-DbBackup -ExcludeTableData $($ExcludeTableData -join ', ') vs a plain backup ($SizeMiB MiB, $Runs runs, medians)

| backup | seconds | archive bytes |
|---|---:|---:|
| plain (WAL checkpointed: the file is streamed) | $($plain.ToString('0.00')) | $($sizes.Plain) |
| -ExcludeTableData (backup-API copy, DELETE, VACUUM) | $($excluded.ToString('0.00')) | $($sizes.Excluded) |

Ratio excluded / plain: **$(($excluded / $plain).ToString('0.00'))x** (database $dbBytes bytes).
"@
}
finally {
    Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction Ignore
}
