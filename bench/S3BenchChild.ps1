<#
.SYNOPSIS
    One measured New-DbBackup in its own pwsh process (started by Invoke-S3Benchmark.ps1).
.DESCRIPTION
    Imports the module, times ONE New-DbBackup from inside the process (Stopwatch around the cmdlet; PowerShell
    start-up and Import-Module excluded, first-call JIT included), writes one JSON file. S3 credentials come from
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (never on the command line).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ResultPath,
    [Parameter(Mandatory)][string] $Database,
    [Parameter(Mandatory)][string] $Destination,
    [string] $S3Endpoint
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ProgressPreference = 'SilentlyContinue'

Import-Module $ModulePath
$a = @{ Database = $Database; Destination = $Destination }
if ($S3Endpoint) { $a.S3Endpoint = $S3Endpoint }
$process = [Diagnostics.Process]::GetCurrentProcess()
$process.Refresh()
$cpu0 = $process.TotalProcessorTime
$errorText = $null
$backup = $null
$clock = [Diagnostics.Stopwatch]::StartNew()
try { $backup = New-DbBackup @a }
catch { $errorText = "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
$seconds = $clock.Elapsed.TotalSeconds
$process.Refresh()
if (-not $errorText -and -not $backup) { $errorText = 'no backup was returned' }
[ordered]@{
    Seconds    = $seconds
    CpuSeconds = ($process.TotalProcessorTime - $cpu0).TotalSeconds
    Path       = $backup ? $backup.Path : $null
    SizeBytes  = $backup ? $backup.SizeBytes : $null
    Sha256     = $backup ? $backup.Sha256 : $null
    Error      = $errorText
} | ConvertTo-Json | Set-Content -LiteralPath $ResultPath -Encoding utf8
if ($errorText) { Write-Host "ERROR: $errorText"; exit 1 }
