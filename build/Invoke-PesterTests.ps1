<#
.SYNOPSIS
    Runs the Pester tests against the built BackupPS module, in this (fresh) PowerShell process.
.DESCRIPTION
    build.ps1 Test starts this script with `dotnet pwsh -NoProfile -NonInteractive -File`. It
      1. copies the built module folder (-ModulePath) to a new temporary folder and points $env:BACKUPPS_MODULE_PATH
         at that copy, so the tests load the module from a fresh place and never from a development build folder;
      2. imports Pester from -PesterManifest (Pester 6.2.0 restored from NuGet by build/tools.csproj);
      3. runs every *.Tests.ps1 under -TestPath (detailed output, no interactive features);
      4. writes {"Passed":N,"Failed":N} to -ResultPath and a JUnit XML report beside it (<name>.junit.xml).
    Failed counts failed tests plus failed blocks (a BeforeAll that threw) and containers that could not be run
    (a test file that does not parse), so a broken test file fails the run instead of silently adding nothing.
    The exit code is 0 only when nothing failed and at least one test passed.
.EXAMPLE
    dotnet pwsh -NoProfile -File build/Invoke-PesterTests.ps1 -PesterManifest ~/.nuget/packages/pester/6.2.0/tools/Pester.psd1 -ModulePath out/BackupPS -TestPath tests/Pester -ResultPath out/pester.json
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    # Only run tests whose full name matches (Pester's Filter.FullName, wildcards); for local iteration.
    [string[]] $FullNameFilter
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ProgressPreference = 'SilentlyContinue'

function Write-Result([int] $Passed, [int] $Failed) {
    $folder = Split-Path -Parent $ResultPath
    if ($folder -and -not (Test-Path $folder)) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
    [ordered]@{ Passed = $Passed; Failed = $Failed } | ConvertTo-Json -Compress | Set-Content -LiteralPath $ResultPath -Encoding utf8NoBOM
}

function Get-FirstLine($ErrorRecords) {
    "$(@($ErrorRecords)[0])".Trim() -split "`r?`n" | Select-Object -First 1
}

# Resolve every path against the PowerShell location before anything changes it.
$ResultPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ResultPath)
# A stale result must never be mistaken for this run's.
Remove-Item -LiteralPath $ResultPath -Force -ErrorAction Ignore

$moduleCopyRoot = Join-Path ([IO.Path]::GetTempPath()) ("backupps-pester-" + [guid]::NewGuid().ToString('N'))
$exitCode = 1
try {
    $TestPath = (Resolve-Path -LiteralPath $TestPath).ProviderPath
    $ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
    $PesterManifest = (Resolve-Path -LiteralPath $PesterManifest).ProviderPath
    if (-not (Test-Path -LiteralPath (Join-Path $ModulePath 'BackupPS.psd1'))) {
        throw "'$ModulePath' holds no BackupPS.psd1: build the module first (dotnet pwsh ./build.ps1 Build)."
    }
    # The copy keeps the folder name, so the manifest's module name stays BackupPS.
    New-Item -ItemType Directory -Path $moduleCopyRoot | Out-Null
    Copy-Item -LiteralPath $ModulePath -Destination $moduleCopyRoot -Recurse
    $moduleCopy = Join-Path $moduleCopyRoot (Split-Path -Leaf $ModulePath)
    $env:BACKUPPS_MODULE_PATH = $moduleCopy
    Write-Host "Module under test: $moduleCopy (copied from $ModulePath)"

    Import-Module $PesterManifest -Force
    Write-Host "Pester $((Get-Module Pester).Version) from $PesterManifest"

    $testFiles = @(Get-ChildItem -LiteralPath $TestPath -Recurse -File -Filter *.Tests.ps1)
    if ($testFiles.Count -eq 0) { throw "No *.Tests.ps1 files under '$TestPath'." }

    $config = New-PesterConfiguration
    $config.Run.Path = $TestPath
    $config.Run.PassThru = $true
    $config.Run.Exit = $false
    $config.Run.Throw = $false
    $config.Output.Verbosity = 'Detailed'
    $config.Output.RenderMode = 'Plaintext'
    $config.Output.StackTraceVerbosity = 'Filtered'
    $config.Should.ErrorAction = 'Stop'
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'JUnitXml'
    $config.TestResult.OutputPath = [IO.Path]::ChangeExtension($ResultPath, '.junit.xml')
    if ($FullNameFilter) { $config.Filter.FullName = $FullNameFilter }

    # The tests run with PowerShell's defaults, as users' scripts do: the Stop preference and strict mode of this
    # runner would otherwise leak into them.
    $ErrorActionPreference = 'Continue'
    Set-StrictMode -Off
    $result = Invoke-Pester -Configuration $config
    $ErrorActionPreference = 'Stop'
    Set-StrictMode -Version Latest

    $failed = [int]$result.FailedCount + [int]$result.FailedBlocksCount + [int]$result.FailedContainersCount
    # Whatever else Pester counts as a failed run (it should be covered above) still fails it.
    if ($failed -eq 0 -and $result.Result -eq 'Failed') { $failed = 1 }
    $passed = [int]$result.PassedCount
    Write-Result $passed $failed

    Write-Host ''
    Write-Host "Pester: $passed passed, $([int]$result.FailedCount) failed, $([int]$result.SkippedCount) skipped, $([int]$result.NotRunCount) not run; $([int]$result.FailedBlocksCount) failed blocks, $([int]$result.FailedContainersCount) failed containers"
    foreach ($test in $result.Failed) { Write-Host "  FAILED test: $($test.ExpandedPath)" }
    foreach ($block in $result.FailedBlocks) { Write-Host "  FAILED block: $($block.Path -join ' > ') ($(Get-FirstLine $block.ErrorRecord))" }
    foreach ($container in $result.FailedContainers) { Write-Host "  FAILED container: $($container.Item) ($(Get-FirstLine $container.ErrorRecord))" }
    if ($failed -eq 0 -and $passed -gt 0) { $exitCode = 0 }
    elseif ($passed -eq 0 -and $failed -eq 0) { Write-Host 'No test ran.' }
}
catch {
    Write-Host "The Pester run could not complete: $_"
    Write-Host $_.ScriptStackTrace
    # Count the run as failed; keep any passes already known (none, if Pester never finished).
    Write-Result 0 1
    $exitCode = 1
}
finally {
    Remove-Item -LiteralPath $moduleCopyRoot -Recurse -Force -ErrorAction Ignore
}
exit $exitCode
