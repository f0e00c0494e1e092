#!/usr/bin/env pwsh
# PostgreSQL benchmark: New-DbBackup against pg_dump -Fc and pg_dump -Fd -j 2, Restore-DbBackup against pg_restore -j 2,
# on the ~1 GB database of ../../shared/bench/make-postgres.sh (scale 50) in a throwaway cluster from pg-cluster.sh.
# Usage (from the repository, after `dotnet pwsh ./build.ps1 Build`):
#   dotnet pwsh -NoProfile -File bench/Invoke-PostgresBenchmark.ps1 [-Scale 50] [-WorkDir /tmp/bpsbench-pg] [-Keep]
# Prints a Markdown table with seconds, sizes and the ratios the issue sets targets for.
param(
    [int] $Scale = 50,
    [string] $WorkDir = '/tmp/bpsbench-pg',
    [int] $Port = 54391,
    [switch] $Keep
)
$ErrorActionPreference = 'Stop'
$shared = (Resolve-Path (Join-Path $PSScriptRoot '../../shared/bench')).ProviderPath
$module = (Resolve-Path (Join-Path $PSScriptRoot '../out/BackupPS/BackupPS.psd1')).ProviderPath
$pgbin = '/usr/lib/postgresql/15/bin'
Import-Module $module -Force

# Every timed operation starts after a CHECKPOINT, so none pays for the dirty buffers of the one before it.
function Time([scriptblock] $Block) { Psql postgres 'CHECKPOINT' | Out-Null; $sw = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $sw.Elapsed.TotalSeconds }
function SizeOf([string] $Path) { if (Test-Path $Path -PathType Container) { (Get-ChildItem $Path -Recurse -File | Measure-Object Length -Sum).Sum } else { (Get-Item $Path).Length } }
function Psql([string] $Db, [string] $Sql) { & "$pgbin/psql" -X -q -A -t -h 127.0.0.1 -p $Port -U postgres -d $Db -c $Sql; if ($LASTEXITCODE) { throw "psql: $Sql" } }
function Native { param([string] $Exe, [Parameter(ValueFromRemainingArguments)] $Rest) & $Exe @Rest; if ($LASTEXITCODE) { throw "$Exe failed ($LASTEXITCODE)" } }

New-Item -ItemType Directory -Force $WorkDir | Out-Null
$cluster = Join-Path $WorkDir 'pg'
$out = Join-Path $WorkDir 'out'
Remove-Item -Recurse -Force $out -ErrorAction Ignore
New-Item -ItemType Directory $out | Out-Null
$conn = & "$shared/pg-cluster.sh" start $cluster $Port
if ($LASTEXITCODE) { throw 'pg-cluster.sh start failed' }
try {
    & "$shared/make-postgres.sh" $conn bench $Scale
    if ($LASTEXITCODE) { throw 'make-postgres.sh failed' }
    $url = "postgres://postgres@127.0.0.1:$Port/bench"
    $dbSize = [long](Psql bench 'SELECT pg_database_size(current_database())')
    $env:PGHOST = '127.0.0.1'; $env:PGPORT = "$Port"; $env:PGUSER = 'postgres'
    Psql postgres 'CHECKPOINT' | Out-Null

    $r = [ordered]@{}
    $r['pg_dump -Fc'] = Time { Native "$pgbin/pg_dump" -Fc --dbname=bench -f "$out/bench.dump" }
    $sizeFc = SizeOf "$out/bench.dump"
    $r['pg_dump -Fd -j 2'] = Time { Native "$pgbin/pg_dump" -Fd -j 2 --dbname=bench -f "$out/bench.dir" }
    $sizeFd = SizeOf "$out/bench.dir"
    $backup = $null
    $r['New-DbBackup'] = Time { $script:backup = New-DbBackup -Database $url -Destination "$out/backups" }
    $sizeB = $backup.SizeBytes
    $backupJ = $null
    $r['New-DbBackup -Jobs 2'] = Time { $script:backupJ = New-DbBackup -Database $url -Destination "$out/backups-j2" -Jobs 2 }
    $sizeBJ = $backupJ.SizeBytes

    Psql postgres 'CREATE DATABASE bench_pgr' | Out-Null
    $r['pg_restore -j 2 (into a new database)'] = Time { Native "$pgbin/pg_restore" -j 2 --dbname=bench_pgr "$out/bench.dump" }
    $r['Restore-DbBackup -Jobs 2 (new database, incl. verify + row counts)'] = Time { $backup | Restore-DbBackup -Target "postgres://postgres@127.0.0.1:$Port/bench_new" -Jobs 2 -Force }
    $r['Restore-DbBackup of the -Jobs 2 backup (directory format, new database)'] = Time { $backupJ | Restore-DbBackup -Target "postgres://postgres@127.0.0.1:$Port/bench_new_dir" -Jobs 2 -Force }
    $r['Restore-DbBackup -Jobs 2 (in place over bench: + PreRestore backup, swap, drop)'] = Time { $backup | Restore-DbBackup -Target $url -Jobs 2 -Force }

    "### PostgreSQL benchmark: bench, scale $Scale, pg_database_size $([math]::Round($dbSize / 1MB, 1)) MiB, $(& "$pgbin/pg_dump" --version)"
    ''
    '| operation | seconds | output MiB |'
    '|---|---:|---:|'
    foreach ($k in $r.Keys) {
        $size = switch ($k) { 'pg_dump -Fc' { $sizeFc } 'pg_dump -Fd -j 2' { $sizeFd } 'New-DbBackup' { $sizeB } 'New-DbBackup -Jobs 2' { $sizeBJ } default { $null } }
        "| $k | $('{0:0.00}' -f $r[$k]) | $(if ($size) { '{0:0.0}' -f ($size / 1MB) }) |"
    }
    ''
    "- backup time New-DbBackup / pg_dump -Fc: $('{0:0.00}' -f ($r['New-DbBackup'] / $r['pg_dump -Fc'])) (target <= 0.5)"
    "- backup time New-DbBackup / pg_dump -Fd -j 2: $('{0:0.00}' -f ($r['New-DbBackup'] / $r['pg_dump -Fd -j 2']))"
    "- backup time New-DbBackup -Jobs 2 / pg_dump -Fc: $('{0:0.00}' -f ($r['New-DbBackup -Jobs 2'] / $r['pg_dump -Fc'])), size $('{0:0.00}' -f ($sizeBJ / $sizeFc))"
    "- restore time Restore-DbBackup (directory-format backup, new db) / pg_restore -j 2: $('{0:0.00}' -f ($r['Restore-DbBackup of the -Jobs 2 backup (directory format, new database)'] / $r['pg_restore -j 2 (into a new database)']))"
    "- backup size New-DbBackup / pg_dump -Fc: $('{0:0.00}' -f ($sizeB / $sizeFc)) (target <= 1.0)"
    "- restore time Restore-DbBackup (new db) / pg_restore -j 2: $('{0:0.00}' -f ($r['Restore-DbBackup -Jobs 2 (new database, incl. verify + row counts)'] / $r['pg_restore -j 2 (into a new database)'])) (target <= 1.1)"
    "- restore time Restore-DbBackup (in place) / pg_restore -j 2: $('{0:0.00}' -f ($r['Restore-DbBackup -Jobs 2 (in place over bench: + PreRestore backup, swap, drop)'] / $r['pg_restore -j 2 (into a new database)']))"
}
finally {
    if ($Keep) { & "$shared/pg-cluster.sh" stop $cluster } else { & "$shared/pg-cluster.sh" destroy $cluster; Remove-Item -Recurse -Force $WorkDir -ErrorAction Ignore }
}
