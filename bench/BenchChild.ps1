<#
.SYNOPSIS
    One measured BackupPS operation in its own pwsh process (started by Invoke-Benchmark.ps1).
.DESCRIPTION
    Imports the module, then runs ONE cmdlet with -Verbose and times it from inside the process (Stopwatch around
    the cmdlet call, so PowerShell start-up and Import-Module are excluded; the cmdlet's first-call JIT is included,
    as it is for anyone who runs one backup per process). Every verbose message is stamped with the time it arrived,
    which gives a per-phase breakdown. Writes one JSON file (-ResultPath) and nothing else of interest.
    Operation None only imports the module: it measures the fixed cost of a child process.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][ValidateSet('None', 'Backup', 'Verify', 'Restore')][string] $Operation,
    [Parameter(Mandatory)][string] $ResultPath,
    [string] $Database,
    [string] $Destination,
    [string] $BackupPath,
    [string] $Target,
    [int] $CompressionLevel = 0,
    [switch] $Quick
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ProgressPreference = 'SilentlyContinue' # the output is a file, not a terminal: rendering progress bars there is noise

function Get-PeakRssKiB {
    $line = Get-Content /proc/self/status -ErrorAction Ignore | Where-Object { $_ -like 'VmHWM:*' }
    if ($line) { [long](($line -split '\s+')[1]) } else { $null }
}

$importClock = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$importSeconds = $importClock.Elapsed.TotalSeconds
$rssAfterImport = Get-PeakRssKiB

# Bytes this process moved through read/write syscalls (/proc/self/io rchar, wchar; includes page-cache hits).
function Get-IoBytes {
    $io = @{ rchar = 0L; wchar = 0L }
    foreach ($line in (Get-Content /proc/self/io -ErrorAction Ignore)) { $k, $v = $line -split ':\s*'; if ($io.ContainsKey($k)) { $io[$k] = [long]$v } }
    $io
}

$log = [Collections.Generic.List[object]]::new()
$outputs = [Collections.Generic.List[object]]::new()
$errorText = $null
$process = [Diagnostics.Process]::GetCurrentProcess()
$process.Refresh()
$cpu0 = $process.TotalProcessorTime
$io0 = Get-IoBytes
$startUnixMs = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
$clock = [Diagnostics.Stopwatch]::StartNew()
try {
    # Verbose records are written to the pipeline as the engine reports them (4>&1), so their arrival time is
    # (within a few ms) the time the phase boundary was reached.
    $stamp = {
        process {
            if ($_ -is [System.Management.Automation.VerboseRecord]) { $log.Add([ordered]@{ T = $clock.Elapsed.TotalSeconds; Message = $_.Message }) }
            else { $outputs.Add($_) }
        }
    }
    switch ($Operation) {
        'None' { }
        'Backup' {
            $a = @{ Database = $Database; Destination = $Destination }
            if ($CompressionLevel -gt 0) { $a.CompressionLevel = $CompressionLevel }
            New-DbBackup @a -Verbose 4>&1 | ForEach-Object $stamp
        }
        'Verify' { Test-DbBackup -Path $BackupPath -Quick:$Quick -Verbose 4>&1 | ForEach-Object $stamp }
        'Restore' { Restore-DbBackup -Path $BackupPath -Target $Target -Confirm:$false -Verbose 4>&1 | ForEach-Object $stamp }
    }
} catch {
    $errorText = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)"
}
$seconds = $clock.Elapsed.TotalSeconds
$endUnixMs = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
$io1 = Get-IoBytes
$process.Refresh()
$cpuSeconds = ($process.TotalProcessorTime - $cpu0).TotalSeconds

$summary = $null
$out = @($outputs | Where-Object { $null -ne $_ })
if ($out.Count -gt 0) {
    $o = $out[0]
    $summary = switch ($Operation) {
        'Backup' { [ordered]@{ Path = $o.Path; SizeBytes = $o.SizeBytes; DatabaseSizeBytes = $o.DatabaseSizeBytes; Tables = $o.TableRowCounts.Count } }
        'Verify' { [ordered]@{ Passed = $o.Passed; FailureReason = $o.FailureReason; Checks = @($o.Checks | ForEach-Object { "$($_.Name)=$($_.Outcome)" }) } }
        'Restore' { [ordered]@{ Restored = $o.Restored; IntegrityCheck = $o.IntegrityCheck; SafetyBackup = "$($o.SafetyBackup)"; Verification = $o.Verification.Passed } }
    }
}
if (-not $errorText) {
    $bad = switch ($Operation) {
        'Backup' { -not $summary -or -not $summary.Path }
        'Verify' { -not $summary -or -not $summary.Passed }
        'Restore' { -not $summary -or $summary.IntegrityCheck -ne 'ok' }
        default { $false }
    }
    if ($bad) { $errorText = "unexpected result: $($summary | ConvertTo-Json -Compress -Depth 4)" }
}

[ordered]@{
    Operation      = $Operation
    ImportSeconds  = $importSeconds
    Seconds        = $seconds
    CpuSeconds     = $cpuSeconds
    StartUnixMs    = $startUnixMs
    EndUnixMs      = $endUnixMs
    ReadBytes      = $io1.rchar - $io0.rchar
    WriteBytes     = $io1.wchar - $io0.wchar
    PeakRssKiB     = Get-PeakRssKiB
    RssAfterImportKiB = $rssAfterImport
    Verbose        = $log
    Result         = $summary
    Error          = $errorText
} | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $ResultPath -Encoding utf8
if ($errorText) { Write-Host "ERROR: $errorText"; exit 1 }
