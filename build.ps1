<#
.SYNOPSIS
    Builds, tests and demonstrates the BackupPS module.
.DESCRIPTION
    Run with the repository's pinned PowerShell: dotnet tool restore; dotnet pwsh ./build.ps1 <Task>
      Build  publishes the module to out/BackupPS (manifest, binary, dependencies/ with natives, formats, help)
      Test   Build, then xunit (engine) and Pester (the built module in a fresh pwsh); prints one summary line
      Demo   Build, then backs up, lists, verifies and restores a sample database, showing the objects
      FaultTest  Build, then the fault-injection suite (tests/FaultTest) with the full counts: 1,000 byte flips and
             100 truncations, and kill -9 at ~50 points each during New-DbBackup and Restore-DbBackup (Test runs it too, with 60 and 10; override with BACKUPPS_FAULT_FLIPS/_TRUNCATIONS)
      Package  Build, then packs the module into out/package/BackupPS.<version>.nupkg for Install-PSResource
      Bench  Build, then runs bench/Invoke-Benchmark.ps1 (ratios against the reference tools)
      Clean  removes out/ and the projects' bin/obj
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'FaultTest', 'Demo', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',
    # Extra arguments for the benchmark (e.g. -SizesMiB 100).
    [hashtable] $BenchArgs = @{}
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'BackupPS'
# The SQLite natives shipped: every platform PowerShell 7 runs on that SQLitePCLRaw provides (linux-arm is 32-bit
# Raspberry Pi OS, linux-musl-* are Alpine containers). Others in the package (mips, s390x, wasm, …) run no pwsh.
# The module refuses to import on a platform outside this list with one sentence naming it (ModuleInitializer).
$NativeRids = 'linux-x64', 'linux-arm64', 'linux-arm', 'linux-musl-x64', 'linux-musl-arm64', 'osx-x64', 'osx-arm64', 'win-x64', 'win-arm64', 'win-x86'

function Invoke-Tool {
    param([Parameter(Mandatory)][string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-NuGetRoot {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages'
}

function Get-PesterManifest {
    Invoke-Tool dotnet @('restore', (Join-Path $Root 'build/tools.csproj'), '--nologo', '-v', 'q')
    $manifest = Join-Path (Get-NuGetRoot) 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $manifest)) { throw "Pester was restored but $manifest is missing." }
    $manifest
}

function Invoke-Build {
    $staging = Join-Path $Out 'staging'
    Remove-Item $ModuleOut, $staging -Recurse -Force -ErrorAction Ignore
    Invoke-Tool dotnet @('publish', (Join-Path $Root 'src/BackupPS.Engine'), '-c', $Configuration, '-o', (Join-Path $staging 'engine'), '--nologo', '-v', 'q')
    Invoke-Tool dotnet @('build', (Join-Path $Root 'src/BackupPS'), '-c', $Configuration, '-o', (Join-Path $staging 'module'), '--nologo', '-v', 'q')

    $dependencies = Join-Path $ModuleOut 'dependencies'
    New-Item -ItemType Directory -Force -Path $dependencies, (Join-Path $ModuleOut 'en-US') | Out-Null
    # Module root: only the assembly PowerShell loads; everything else lives in dependencies/ (own load context).
    Copy-Item (Join-Path $staging 'module/BackupPS.dll') $ModuleOut
    Get-ChildItem (Join-Path $staging 'engine') -Filter *.dll | Copy-Item -Destination $dependencies
    foreach ($rid in $NativeRids) {
        $native = Join-Path $staging "engine/runtimes/$rid/native"
        if (-not (Test-Path $native)) { throw "The SQLite native library for $rid is missing from the publish output." }
        $target = Join-Path $dependencies "runtimes/$rid/native"
        New-Item -ItemType Directory -Force -Path $target | Out-Null
        Copy-Item (Join-Path $native '*') $target
    }
    Copy-Item (Join-Path $Root 'module/BackupPS.psd1'), (Join-Path $Root 'module/BackupPS.format.ps1xml'), (Join-Path $Root 'LICENSE') $ModuleOut
    Copy-Item (Join-Path $Root 'module/en-US/*') (Join-Path $ModuleOut 'en-US') -ErrorAction Ignore
    $helpBuilder = Join-Path $Root 'build/New-MamlHelp.ps1'
    if (Test-Path $helpBuilder) {
        & $helpBuilder -ModulePath $ModuleOut -SourcePath (Join-Path $Root 'module/help') -OutputPath (Join-Path $ModuleOut 'en-US/BackupPS.dll-Help.xml')
    }
    Remove-Item $staging -Recurse -Force
    Write-Host "Built $ModuleOut"
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $Out 'test-results'
    Remove-Item $results -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Force -Path $results | Out-Null

    # The engine suite runs twice: with the system libzstd, and with the managed zstd that Windows and macOS use.
    $xunit = @{ Passed = 0; Failed = 0 }
    foreach ($codec in 'native', 'managed') {
        Write-Host "== xunit (engine, $codec zstd)"
        $trx = Join-Path $results "engine-$codec.trx"
        $env:BACKUPPS_ZSTD = if ($codec -eq 'managed') { 'managed' } else { $null }
        try {
            & dotnet test (Join-Path $Root 'tests/BackupPS.Engine.Tests') -c $Configuration --nologo --results-directory $results --logger "trx;LogFileName=engine-$codec.trx" --logger 'console;verbosity=minimal'
        } finally { $env:BACKUPPS_ZSTD = $null }
        if (Test-Path $trx) {
            $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
            $xunit.Passed += [int]$counters.passed
            $xunit.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
        } else { $xunit.Failed += 1; Write-Host "xunit ($codec) produced no results (build failure?)" }
    }

    # The S3 tests' local server (tests/s3server): its pinned npm packages, once (.ci/run does the same).
    $s3server = Join-Path $Root 'tests/s3server'
    if (-not (Test-Path (Join-Path $s3server 'node_modules')) -and (Get-Command npm -ErrorAction Ignore)) {
        Write-Host '== npm ci (tests/s3server)'
        & npm ci --prefix $s3server --no-audit --no-fund | Out-Host
    }

    Write-Host '== Pester (built module in a fresh pwsh)'
    $pesterJson = Join-Path $results 'pester.json'
    $runner = Join-Path $Root 'build/Invoke-PesterTests.ps1'
    & dotnet pwsh -NoProfile -NonInteractive -File $runner -PesterManifest (Get-PesterManifest) -ModulePath $ModuleOut -TestPath (Join-Path $Root 'tests/Pester') -ResultPath $pesterJson
    $pester = @{ Passed = 0; Failed = 1 }
    if (Test-Path $pesterJson) { $pester = Get-Content -Raw $pesterJson | ConvertFrom-Json -AsHashtable }
    else { Write-Host 'Pester produced no results.' }

    # The fault-injection suite with small counts (the FaultTest task runs the full ones).
    $fault = Invoke-FaultTest -Flips ($env:BACKUPPS_FAULT_FLIPS ?? 60) -Truncations ($env:BACKUPPS_FAULT_TRUNCATIONS ?? 10) -ResultPath (Join-Path $results 'fault.json')

    $passed = $xunit.Passed + $pester.Passed + $fault.Passed
    $failed = $xunit.Failed + $pester.Failed + $fault.Failed
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed; fault injection: $($fault.Passed) passed, $($fault.Failed) failed"
    Write-Host "tests: $passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-FaultTest([int] $Flips, [int] $Truncations, [string] $ResultPath) {
    Write-Host "== Fault injection ($Flips byte flips, $Truncations truncations)"
    $runner = Join-Path $Root 'build/Invoke-PesterTests.ps1'
    $env:BACKUPPS_FAULT_FLIPS = $Flips
    $env:BACKUPPS_FAULT_TRUNCATIONS = $Truncations
    try {
        & dotnet pwsh -NoProfile -NonInteractive -File $runner -PesterManifest (Get-PesterManifest) -ModulePath $ModuleOut -TestPath (Join-Path $Root 'tests/FaultTest') -ResultPath $ResultPath | Out-Host
    } finally { $env:BACKUPPS_FAULT_FLIPS = $null; $env:BACKUPPS_FAULT_TRUNCATIONS = $null }
    if (Test-Path $ResultPath) { return Get-Content -Raw $ResultPath | ConvertFrom-Json -AsHashtable }
    Write-Host 'The fault-injection suite produced no results.'
    @{ Passed = 0; Failed = 1 }
}

function Invoke-Demo {
    Invoke-Build
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build/Demo.ps1') -ModulePath $ModuleOut -SampleDatabase (Join-Path $Root '../shared/data/Chinook_Sqlite.sqlite')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'FaultTest' {
        Invoke-Build
        $fault = Invoke-FaultTest -Flips 1000 -Truncations 100 -ResultPath (Join-Path $Out 'test-results/fault-full.json')
        # kill -9 at 17 spread points in each of the three backup and three restore groups: ~50 per operation.
        Write-Host '== kill -9 during New-DbBackup and Restore-DbBackup (17 points per group)'
        $env:BACKUPPS_KILL_POINTS = 17
        try {
            & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build/Invoke-PesterTests.ps1') -PesterManifest (Get-PesterManifest) -ModulePath $ModuleOut -TestPath (Join-Path $Root 'tests/Pester/Robustness.Tests.ps1') -FullNameFilter '*killed (SIGKILL)*' -ResultPath (Join-Path $Out 'test-results/kill-full.json') | Out-Host
        } finally { $env:BACKUPPS_KILL_POINTS = $null }
        $kill = Get-Content -Raw (Join-Path $Out 'test-results/kill-full.json') -ErrorAction Ignore | ConvertFrom-Json -AsHashtable
        if (-not $kill) { $kill = @{ Passed = 0; Failed = 1 } }
        Write-Host "tests: $($fault.Passed + $kill.Passed) passed, $($fault.Failed + $kill.Failed) failed"
        if ($fault.Failed + $kill.Failed -gt 0 -or $fault.Passed -eq 0) { exit 1 }
    }
    'Demo' { Invoke-Demo }
    'Package' {
        Invoke-Build
        $package = & (Join-Path $Root 'build/New-ModulePackage.ps1') -ModulePath $ModuleOut -OutputPath (Join-Path $Out 'package')
        Write-Host "Packed $package"
    }
    'Bench' {
        Invoke-Build
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'bench/Invoke-Benchmark.ps1') -ModulePath $ModuleOut @BenchArgs
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    'Clean' {
        Remove-Item $Out -Recurse -Force -ErrorAction Ignore
        Get-ChildItem $Root -Include bin, obj -Recurse -Directory | Remove-Item -Recurse -Force
    }
}
