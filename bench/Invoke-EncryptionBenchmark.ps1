<#
.SYNOPSIS
    Encrypted backup and restore of a SQLite database with BackupPS against sqlite3 .backup + zstd -3 -T0 + gpg
    --symmetric --cipher-algo AES256 (and age, if installed); and the encryption overhead over a plain BackupPS backup.
.DESCRIPTION
    Wall-clock times, best of -Runs. The reference backup is the usual admin script: sqlite3 .backup to a temporary
    file, zstd -3 -T0, gpg symmetric AES256 (--compress-algo none: the data is already compressed, which only makes
    the reference faster). The reference restore is gpg -d | zstd -d into a new file. BackupPS restores into a new
    target (which includes verification of every entry and a full integrity_check before the swap).
    Ratios = BackupPS time / reference time (lower is better; the goals are <= 0.6 for backup, <= 1.0 for restore, and
    an encryption overhead <= 10 %).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-EncryptionBenchmark.ps1 -ModulePath out/BackupPS
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/BackupPS'),
    [int] $SizeMiB = 1024,
    [int] $Runs = 2,
    [string] $DataFolder = '/tmp/backupps-bench-data',
    [string] $WorkFolder = (Join-Path ([IO.Path]::GetTempPath()) "backupps-encbench-$PID")
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path $ModulePath).ProviderPath 'BackupPS.psd1')

$db = Join-Path $DataFolder "sqlite-${SizeMiB}m.db"
if (-not (Test-Path $db)) {
    New-Item -ItemType Directory -Force $DataFolder | Out-Null
    & bash (Join-Path $PSScriptRoot '../../shared/bench/make-sqlite.sh') $db $SizeMiB
    if ($LASTEXITCODE -ne 0) { throw "make-sqlite.sh failed" }
}
New-Item -ItemType Directory -Force $WorkFolder | Out-Null
$pass = Join-Path $WorkFolder 'bench.pass'
Set-Content -LiteralPath $pass -Value ('bench-' + [guid]::NewGuid())
chmod 600 $pass

function Measure-Best([scriptblock] $Script, [scriptblock] $Cleanup) {
    $best = [double]::MaxValue
    for ($i = 0; $i -lt $Runs; $i++) {
        if ($Cleanup) { & $Cleanup }
        [GC]::Collect()
        $t = [Diagnostics.Stopwatch]::StartNew()
        & $Script | Out-Null
        $best = [Math]::Min($best, $t.Elapsed.TotalSeconds)
    }
    $best
}
function Invoke-Bash([string] $Command) {
    & bash -c $Command
    if ($LASTEXITCODE -ne 0) { throw "failed: $Command" }
}

$size = (Get-Item $db).Length
Write-Host ("Database: {0} ({1:N0} MiB), {2} runs each, best time" -f $db, ($size / 1MB), $Runs)
$plainDir = Join-Path $WorkFolder 'plain'; $encDir = Join-Path $WorkFolder 'enc'; $ref = Join-Path $WorkFolder 'ref'
New-Item -ItemType Directory -Force $ref | Out-Null
$q = { param($s) "'" + $s.Replace("'", "'\''") + "'" }

$results = [ordered]@{}
# Interleaved so that load from other processes hits both alike.
$plain = [double]::MaxValue; $enc = [double]::MaxValue
for ($i = 0; $i -lt $Runs; $i++) {
    Remove-Item $plainDir, $encDir -Recurse -Force -ErrorAction Ignore
    $t = [Diagnostics.Stopwatch]::StartNew(); New-DbBackup $db $plainDir | Out-Null; $plain = [Math]::Min($plain, $t.Elapsed.TotalSeconds)
    $t = [Diagnostics.Stopwatch]::StartNew(); $encBackup = New-DbBackup $db $encDir -PassphraseFile $pass; $enc = [Math]::Min($enc, $t.Elapsed.TotalSeconds)
}
$results['BackupPS backup, plain'] = $plain
$results['BackupPS backup, encrypted'] = $enc

$gpgBackup = "sqlite3 $(& $q $db) "".backup $(& $q "$ref/snap.db")"" && zstd -q -3 -T0 -f $(& $q "$ref/snap.db") -o $(& $q "$ref/snap.db.zst") && rm -f $(& $q "$ref/snap.db") && gpg --batch --yes --quiet --pinentry-mode loopback --passphrase-file $(& $q $pass) --symmetric --cipher-algo AES256 --compress-algo none -o $(& $q "$ref/snap.db.zst.gpg") $(& $q "$ref/snap.db.zst") && rm -f $(& $q "$ref/snap.db.zst")"
$results['sqlite3 .backup + zstd -3 -T0 + gpg AES256'] = Measure-Best { Invoke-Bash $gpgBackup } { Remove-Item "$ref/*" -Force -ErrorAction Ignore }
$gpgFile = "$ref/snap.db.zst.gpg"
Invoke-Bash $gpgBackup

$hasAge = [bool](Get-Command age -ErrorAction Ignore)
if ($hasAge) {
    $ageBackup = "sqlite3 $(& $q $db) "".backup $(& $q "$ref/a.db")"" && zstd -q -3 -T0 -c $(& $q "$ref/a.db") | age -p -o $(& $q "$ref/a.db.zst.age") ; rm -f $(& $q "$ref/a.db")"
    Write-Host 'age -p reads the passphrase from a terminal only; age is timed with a generated key instead (age-keygen).'
    Invoke-Bash "age-keygen -o $(& $q "$ref/age.key") 2>/dev/null"
    $recipient = (Get-Content "$ref/age.key" | Where-Object { $_ -match '^# public key: ' }) -replace '^# public key: ', ''
    $ageBackup = "sqlite3 $(& $q $db) "".backup $(& $q "$ref/a.db")"" && zstd -q -3 -T0 -c $(& $q "$ref/a.db") | age -r $recipient -o $(& $q "$ref/a.db.zst.age") && rm -f $(& $q "$ref/a.db")"
    $results['sqlite3 .backup + zstd -3 -T0 + age'] = Measure-Best { Invoke-Bash $ageBackup } $null
}

$target = Join-Path $WorkFolder 'restored.db'
$results['BackupPS restore, encrypted'] = Measure-Best { Restore-DbBackup -InputObject $encBackup -Target $target -PassphraseFile $pass -Force } { Remove-Item $target, "$target-*" -Force -ErrorAction Ignore }
$plainBackup = Get-DbBackup $plainDir -Latest
$results['BackupPS restore, plain'] = Measure-Best { Restore-DbBackup -InputObject $plainBackup -Target $target -Force } { Remove-Item $target, "$target-*" -Force -ErrorAction Ignore }
$results['gpg -d | zstd -d (restore)'] = Measure-Best { Invoke-Bash "gpg --batch --quiet --pinentry-mode loopback --passphrase-file $(& $q $pass) -d $(& $q $gpgFile) | zstd -q -d -f -o $(& $q $target)" } { Remove-Item $target -Force -ErrorAction Ignore }
if ($hasAge) {
    $results['age -d | zstd -d (restore)'] = Measure-Best { Invoke-Bash "age -d -i $(& $q "$ref/age.key") $(& $q "$ref/a.db.zst.age") | zstd -q -d -f -o $(& $q $target)" } { Remove-Item $target -Force -ErrorAction Ignore }
}

Write-Host ''
foreach ($k in $results.Keys) { Write-Host ("{0,-48} {1,8:N2} s   {2,8:N0} MiB/s" -f $k, $results[$k], ($size / 1MB / $results[$k])) }
Write-Host ''
Write-Host ("backup ratio  (BackupPS encrypted / sqlite3+zstd+gpg): {0:N2}  (goal <= 0.6)" -f ($results['BackupPS backup, encrypted'] / $results['sqlite3 .backup + zstd -3 -T0 + gpg AES256']))
Write-Host ("restore ratio (BackupPS encrypted / gpg -d | zstd -d):  {0:N2}  (goal <= 1.0)" -f ($results['BackupPS restore, encrypted'] / $results['gpg -d | zstd -d (restore)']))
if ($hasAge) {
    Write-Host ("backup ratio vs age:  {0:N2}" -f ($results['BackupPS backup, encrypted'] / $results['sqlite3 .backup + zstd -3 -T0 + age']))
    Write-Host ("restore ratio vs age: {0:N2}" -f ($results['BackupPS restore, encrypted'] / $results['age -d | zstd -d (restore)']))
}
Write-Host ("encryption overhead, backup:  {0:N1} %  (goal <= 10 %)" -f (100 * ($results['BackupPS backup, encrypted'] / $results['BackupPS backup, plain'] - 1)))
Write-Host ("encryption overhead, restore: {0:N1} %" -f (100 * ($results['BackupPS restore, encrypted'] / $results['BackupPS restore, plain'] - 1)))
Write-Host ("sizes: plain {0:N1} MiB, encrypted {1:N1} MiB, gpg {2:N1} MiB" -f ((Get-DbBackup $plainDir -Latest).SizeBytes / 1MB), ($encBackup.SizeBytes / 1MB), ((Get-Item $gpgFile).Length / 1MB))
Remove-Item $WorkFolder -Recurse -Force -ErrorAction Ignore
