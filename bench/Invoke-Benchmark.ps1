<#
.SYNOPSIS
    Benchmarks BackupPS against the reference command-line tools (sqlite3 + zstd + sha256sum + cp) IN ONE RUN and
    prints ratios as markdown.
.DESCRIPTION
    The machine this runs on is shared and noisy, so absolute seconds mean little; every comparison here is a ratio of
    two measurements taken in the same run, interleaved run by run (reference, ours, ours, reference, ...) on the same
    files with a warm page cache. See bench/README.md for the method and how to read the output.

    For each size (databases built by ../../shared/bench/make-sqlite.sh and cached in -DataDir):
      Backup   sqlite3 .backup + zstd -3 -T0 + sha256sum   vs  New-DbBackup (timed inside its pwsh; whole process too)
      Verify   zstd -t + sha256sum + PRAGMA integrity_check vs  Test-DbBackup (and -Quick vs quick_check)
      Restore  zstd -d + cp over the target                 vs  Restore-DbBackup -Target (verify, safety backup, swap, check)
      Writer stall: commit latency of a concurrent writer during New-DbBackup (WAL and rollback journal)
      Codec (largest size): native libzstd vs managed (BACKUPPS_ZSTD=managed), levels -CodecLevels
    plus the targets with PASS/MISS. Progress goes to stderr, the report to stdout (and -OutFile).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -ModulePath out/BackupPS
.EXAMPLE
    dotnet pwsh -NoProfile -Command './build.ps1 Bench -BenchArgs @{ SizesMiB = 100; Runs = 1 }'
#>
[CmdletBinding()]
param(
    # The built module folder (out/BackupPS).
    [Parameter(Mandatory)][string] $ModulePath,
    # Database sizes to build and measure, in MiB.
    [ValidateRange(5, 65536)][int[]] $SizesMiB = @(100, 1024),
    # Runs per measurement; the median is reported (peak RSS: the maximum).
    [ValidateRange(1, 99)][int] $Runs = 3,
    # Scratch folder (default: a new folder under the system temp folder); removed at the end unless -Keep.
    [string] $WorkDir,
    # Cache of generated databases: building 1 GiB takes ~30-40 s, so an existing matching file is reused.
    [string] $DataDir = '/tmp/backupps-bench-data',
    # Also write the markdown report to this file.
    [string] $OutFile,
    # Keep the scratch folder.
    [switch] $Keep,
    # zstd levels of the codec comparison (run at the largest size).
    [ValidateRange(1, 19)][int[]] $CodecLevels = @(1, 3),
    [switch] $SkipCodec,
    [switch] $SkipWriterStall,
    # Writer probe: one single-row transaction every this many milliseconds.
    [ValidateRange(1, 1000)][int] $WriterIntervalMs = 5
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSNativeCommandUseErrorActionPreference = $false
$Invariant = [Globalization.CultureInfo]::InvariantCulture
[Threading.Thread]::CurrentThread.CurrentCulture = $Invariant

# ------------------------------------------------------------------------------------------------ set-up
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
if (-not (Test-Path (Join-Path $ModulePath 'BackupPS.psd1'))) { throw "No BackupPS.psd1 in '$ModulePath'. Build first: dotnet pwsh ./build.ps1 Build" }
$MakeSqlite = Join-Path $PSScriptRoot '../../shared/bench/make-sqlite.sh'
if (-not (Test-Path $MakeSqlite)) { throw "make-sqlite.sh not found at '$MakeSqlite' (the repository must sit next to shared/)." }
$MakeSqlite = (Resolve-Path $MakeSqlite).ProviderPath
$ChildScript = Join-Path $PSScriptRoot 'BenchChild.ps1'
$WriterScript = Join-Path $PSScriptRoot 'writer.py'
foreach ($tool in '/usr/bin/time', 'bash', 'sqlite3', 'zstd', 'sha256sum', 'cp', 'cmp', 'timeout', 'python3') {
    if (-not (Get-Command $tool -ErrorAction Ignore)) { throw "Missing tool '$tool' (apt-get install time sqlite3 zstd python3 coreutils)." }
}
& python3 -c 'import sqlite3' 2>$null
if ($LASTEXITCODE -ne 0) { throw 'python3 has no sqlite3 module (needed by the writer-stall probe).' }
$SizesMiB = @($SizesMiB | Sort-Object -Unique)

# How to start a fresh pwsh exactly like this one (e.g. "dotnet .../pwsh.dll" for the repository's local tool).
$PwshCommand = @([Environment]::ProcessPath)
if ($IsLinux -and (Test-Path "/proc/$PID/cmdline")) {
    $argv = ([IO.File]::ReadAllText("/proc/$PID/cmdline") -split "`0")
    $dll = [Array]::FindIndex($argv, [Predicate[string]] { param($a) $a -like '*pwsh.dll' })
    if ($dll -ge 1) { $PwshCommand = @([Environment]::ProcessPath) + $argv[1..$dll] }
}

$OwnWorkDir = -not $WorkDir
if ($OwnWorkDir) { $WorkDir = Join-Path ([IO.Path]::GetTempPath()) "backupps-bench.$PID" }
New-Item -ItemType Directory -Force -Path $WorkDir, $DataDir | Out-Null
$WorkDir = (Resolve-Path -LiteralPath $WorkDir).ProviderPath
$DataDir = (Resolve-Path -LiteralPath $DataDir).ProviderPath
foreach ($p in $WorkDir, $DataDir, $ModulePath) {
    if ($p -notmatch '^[A-Za-z0-9._/+-]+$') { throw "Path must match [A-Za-z0-9._/+-]+ (it goes into shell commands): $p" }
}

function Write-Log([string] $Message) {
    [Console]::Error.WriteLine("[$((Get-Date).ToString('HH:mm:ss'))] $Message")
}

function Get-LoadAverage { ((Get-Content /proc/loadavg -Raw) -split ' ')[0..2] -join ' ' }

function Get-Median([double[]] $Values) {
    $v = @($Values | Where-Object { $null -ne $_ } | Sort-Object)
    if ($v.Count -eq 0) { return $null }
    $v[[int][Math]::Floor(($v.Count - 1) / 2)]   # lower median, like reference.sh
}

# Runs a process with its output captured; the wall time is measured here (Stopwatch), the peak RSS and CPU by
# GNU time (%M = largest resident set of the process tree's biggest process; a shell chain = its heaviest step).
function Invoke-Timed {
    param([Parameter(Mandatory)][string[]] $Command, [hashtable] $Environment = @{}, [string] $Label = '')
    $timeFile = Join-Path $WorkDir 'time.out'
    $psi = [Diagnostics.ProcessStartInfo]::new('/usr/bin/time')
    foreach ($a in @('-f', '%e %M %U %S', '-o', $timeFile) + $Command) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    foreach ($k in $Environment.Keys) {
        if ($null -eq $Environment[$k]) { [void]$psi.Environment.Remove($k) } else { $psi.Environment[$k] = [string]$Environment[$k] }
    }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    $stdout = $p.StandardOutput.ReadToEndAsync()
    $stderr = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    $seconds = $clock.Elapsed.TotalSeconds
    $fields = @((Get-Content $timeFile | Select-Object -Last 1) -split ' ')
    [pscustomobject]@{
        Label      = $Label
        ExitCode   = $p.ExitCode
        Seconds    = $seconds
        RssKiB     = [long]$fields[1]
        CpuSeconds = [double]$fields[2] + [double]$fields[3]
        Output     = ($stdout.Result + $stderr.Result).Trim()
    }
}

function Invoke-Bash([string] $Script) {
    $output = & bash -c "set -euo pipefail; $Script" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "bash failed ($LASTEXITCODE): $Script`n$($output -join "`n")" }
}

function Q([string] $Path) { "'" + $Path.Replace("'", "'\''") + "'" }

# One reference measurement: a bash snippet (stamps "$EPOCHREALTIME" into $steps between its steps).
function Invoke-Reference {
    param([string] $Label, [string] $Script, [string] $Prep, [string] $StepsFile, [string[]] $StepNames)
    if ($Prep) { Invoke-Bash $Prep }
    # /proc/$$/io of the shell includes its reaped children: the chain's read/write syscall bytes.
    $ioFile = Join-Path $WorkDir 'ref.io'
    Remove-Item $ioFile -ErrorAction Ignore
    $r = Invoke-Timed -Label $Label -Command @('bash', '-c', "set -euo pipefail; $Script; awk '/^(rchar|wchar):/ { print `$2 }' /proc/`$`$/io > $(Q $ioFile)")
    $io = if (Test-Path $ioFile) { @(Get-Content $ioFile | ForEach-Object { [long]$_ }) } else { @() }
    $r | Add-Member ReadBytes ($io.Count -eq 2 ? $io[0] : $null)
    $r | Add-Member WriteBytes ($io.Count -eq 2 ? $io[1] : $null)
    $r | Add-Member Steps ([ordered]@{})
    if ($r.ExitCode -ne 0) { $r | Add-Member Error "exit $($r.ExitCode): $($r.Output)"; Write-Log "  $Label FAILED: $($r.Error)"; return $r }
    $r | Add-Member Error $null
    if ($StepsFile -and (Test-Path $StepsFile)) {
        $t = @((Get-Content $StepsFile -Raw).Trim() -split '\s+' | ForEach-Object { [double]::Parse($_, $Invariant) })
        for ($i = 0; $i -lt $StepNames.Count -and $i + 1 -lt $t.Count; $i++) { $r.Steps[$StepNames[$i]] = $t[$i + 1] - $t[$i] }
    }
    Write-Log ('  {0}: {1:0.000} s, {2:0.0} MiB RSS' -f $Label, $r.Seconds, ($r.RssKiB / 1024))
    $r
}

# One BackupPS measurement: a fresh pwsh running BenchChild.ps1 (times the cmdlet inside, stamps verbose messages).
function Invoke-Ours {
    param([string] $Label, [string] $Operation, [hashtable] $Arguments = @{}, [hashtable] $Environment = @{})
    $resultPath = Join-Path $WorkDir 'child.json'
    Remove-Item $resultPath -ErrorAction Ignore
    $childArgs = @('-NoProfile', '-NonInteractive', '-File', $ChildScript, '-ModulePath', $ModulePath, '-Operation', $Operation, '-ResultPath', $resultPath)
    foreach ($k in $Arguments.Keys) {
        if ($Arguments[$k] -is [switch] -or $Arguments[$k] -is [bool]) { if ($Arguments[$k]) { $childArgs += "-$k" } }
        else { $childArgs += "-$k"; $childArgs += [string]$Arguments[$k] }
    }
    $childEnvironment = @{ BACKUPPS_ZSTD = $null }   # the default codec unless the caller sets it
    foreach ($k in $Environment.Keys) { $childEnvironment[$k] = $Environment[$k] }
    $r = Invoke-Timed -Label $Label -Command ($PwshCommand + $childArgs) -Environment $childEnvironment
    $child = if (Test-Path $resultPath) { Get-Content $resultPath -Raw | ConvertFrom-Json -AsHashtable } else { $null }
    $r | Add-Member ProcessSeconds $r.Seconds
    $r | Add-Member ProcessCpuSeconds $r.CpuSeconds
    $r | Add-Member Child $child
    $r | Add-Member ReadBytes ($child ? $child.ReadBytes : $null)
    $r | Add-Member WriteBytes ($child ? $child.WriteBytes : $null)
    if ($child) {
        $r.Seconds = [double]$child.Seconds
        $r.CpuSeconds = [double]$child.CpuSeconds
    }
    $err = if (-not $child) { "no result (exit $($r.ExitCode)): $($r.Output)" } elseif ($child.Error) { $child.Error } elseif ($r.ExitCode -ne 0) { "exit $($r.ExitCode): $($r.Output)" } else { $null }
    $r | Add-Member Error $err
    if ($err) { Write-Log "  $Label FAILED: $err" }
    else { Write-Log ('  {0}: {1:0.000} s in cmdlet, {2:0.000} s process, {3:0.0} MiB RSS' -f $Label, $r.Seconds, $r.ProcessSeconds, ($r.RssKiB / 1024)) }
    $r
}

# Phase durations from the stamped verbose messages: each boundary message starts the phase named after it; the
# last phase ends with the cmdlet. Messages that match no pattern do not start a phase.
function Get-Phases {
    param($Result, [object[]] $Patterns, [string] $First)
    $phases = [ordered]@{}
    if (-not $Result.Child -or $Result.Error) { return $phases }
    $marks = [Collections.Generic.List[object]]::new()
    $marks.Add(@{ T = 0.0; Name = $First })
    foreach ($v in $Result.Child.Verbose) {
        foreach ($p in $Patterns) {
            if ($v.Message -match $p[0]) { $marks.Add(@{ T = [double]$v.T; Name = $p[1] }); break }
        }
    }
    $marks.Add(@{ T = [double]$Result.Child.Seconds; Name = $null })
    for ($i = 0; $i -lt $marks.Count - 1; $i++) {
        $name = $marks[$i].Name
        $phases[$name] = ($phases.Contains($name) ? $phases[$name] : 0) + ($marks[$i + 1].T - $marks[$i].T)
    }
    $phases
}

# Phases are cut at the engine's -Verbose messages (keep these in step with them).
$BackupPatterns = @(
    , @('^Taking a consistent snapshot', 'snapshot: open the source, start the read transaction')
    , @('^(Read transaction|Copying )', 'snapshot: frozen-file check, or copy (rollback journal / backup API)')
    , @('^(Counting rows|Lock released|Copy complete)', 'row counts (in the read transaction, or on the copy)')
    , @('^Writing ', 'tar + zstd + SHA-256 (entry, file) + write + fsync + rename + sidecar')
    , @('^Backup .* complete', 'output object')
)
$VerifyPatterns = @(
    , @("^Verifying '", 'read + SHA-256 (file) + zstd -d + SHA-256 (entry) + write scratch copy')
    , @('^Running PRAGMA \w+ on the decompressed', 'PRAGMA check + row counts on the scratch copy')
    , @('^Verification (passed|FAILED)', 'record outcome in sidecar, clean up')
)
# The PreRestore safety backup runs on its own thread alongside the integrity_check of the extracted image; its messages are left out so they do
# not cut the main thread's phases.
$RestorePatterns = @(
    , @("^Verifying '", 'verify: read + hash + zstd -d + write scratch copy')
    , @('^(Running PRAGMA integrity_check on the decompressed|Not running PRAGMA integrity_check again)', 'verify: integrity_check + row counts on the extracted image, or reuse of a recorded one (safety backup alongside)')
    , @('^Verification (passed|FAILED)', 'wait for the safety backup to finish')
    , @('^Replacing the content', 'swap: backup API scratch -> live target')
    , @('^Running PRAGMA quick_check on', 'quick_check on the target')
    , @('^Restore complete', 'output object')
)

function Get-MedianPhases([object[]] $Results, [object[]] $Patterns, [string] $First) {
    $all = @($Results | Where-Object { -not $_.Error } | ForEach-Object { Get-Phases $_ $Patterns $First })
    $names = [Collections.Generic.List[string]]::new()
    foreach ($ph in $all) { foreach ($n in $ph.Keys) { if (-not $names.Contains($n)) { $names.Add($n) } } }
    $out = [ordered]@{}
    foreach ($n in $names) { $out[$n] = Get-Median @($all | ForEach-Object { $_.Contains($n) ? $_[$n] : 0 }) }
    $out
}

function Get-MedianSteps([object[]] $Results) {
    $ok = @($Results | Where-Object { -not $_.Error })
    $out = [ordered]@{}
    if ($ok.Count -eq 0) { return $out }
    foreach ($n in $ok[0].Steps.Keys) { $out[$n] = Get-Median @($ok | ForEach-Object { $_.Steps[$n] }) }
    $out
}

# ------------------------------------------------------------------------------------------------ formatting
function F([object] $Seconds) {
    if ($null -eq $Seconds) { return '' }
    $s = [double]$Seconds
    if ($s -lt 1) { $s.ToString('0.000', $Invariant) } else { $s.ToString('0.00', $Invariant) }
}
function FR([object] $Ours, [object] $Reference) {
    if ($null -eq $Ours -or $null -eq $Reference -or [double]$Reference -le 0) { return '' }
    ([double]$Ours / [double]$Reference).ToString('0.00', $Invariant)
}
function FM([object] $Bytes) { if ($null -eq $Bytes) { '' } else { ([double]$Bytes / 1MB).ToString('0.0', $Invariant) } }
function FMs([object] $Ms) { if ($null -eq $Ms) { '' } else { ([double]$Ms).ToString('0.0', $Invariant) } }

# Summary of a set of measurements: median seconds/CPU, max RSS, or FAILED.
function Summarize([object[]] $Results, [switch] $Process) {
    $ok = @($Results | Where-Object { -not $_.Error })
    $failed = @($Results | Where-Object { $_.Error })
    [pscustomobject]@{
        Failed  = $failed.Count -gt 0
        Error   = ($failed | Select-Object -First 1 | ForEach-Object Error)
        Seconds = if ($failed.Count -eq 0) { Get-Median @($ok | ForEach-Object { $Process ? $_.ProcessSeconds : $_.Seconds }) } else { $null }
        Cpu     = if ($failed.Count -eq 0) { Get-Median @($ok | ForEach-Object { $Process ? $_.ProcessCpuSeconds : $_.CpuSeconds }) } else { $null }
        RssKiB  = if ($ok.Count) { ($ok | Measure-Object RssKiB -Maximum).Maximum } else { $null }
        Read    = if ($ok.Count) { Get-Median @($ok | ForEach-Object ReadBytes) } else { $null }
        Written = if ($ok.Count) { Get-Median @($ok | ForEach-Object WriteBytes) } else { $null }
        All     = @($ok | ForEach-Object { $Process ? $_.ProcessSeconds : $_.Seconds })
    }
}

$Report = [Collections.Generic.List[string]]::new()
function Add-Line([string] $Line = '') { $Report.Add($Line) }
$AnyFailure = $false
$Targets = [Collections.Generic.List[object]]::new()
$MemoryBySize = [ordered]@{}

function Add-Target([string] $Name, [string] $Size, [object] $Measured, [double] $Limit, [string] $Unit, [string] $Note = '') {
    $result = if ($null -eq $Measured) { 'n/a' } elseif ([double]$Measured -le $Limit) { 'PASS' } else { 'MISS' }
    $Targets.Add([pscustomobject]@{ Name = $Name; Size = $Size; Measured = $Measured; Limit = $Limit; Unit = $Unit; Result = $result; Note = $Note })
}

# ------------------------------------------------------------------------------------------------ header
$zstdVersion = (& zstd --version) -replace '.*(v[0-9.]+).*', '$1'
$moduleVersion = (Import-PowerShellDataFile (Join-Path $ModulePath 'BackupPS.psd1')).ModuleVersion
$memGiB = [Math]::Round(((Get-Content /proc/meminfo | Select-Object -First 1) -replace '\D', '') / 1MB, 1)
Add-Line '# BackupPS benchmark: ratios against the reference tools (one run)'
Add-Line
Add-Line "Run $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC on $([Environment]::ProcessorCount) CPUs, $memGiB GiB RAM; load average at start $(Get-LoadAverage)."
Add-Line "BackupPS $moduleVersion (PowerShell $($PSVersionTable.PSVersion)); reference: sqlite3 $((& sqlite3 --version) -split ' ' | Select-Object -First 1), zstd $zstdVersion, $((& sha256sum --version | Select-Object -First 1))."
Add-Line "Runs per measurement: $Runs (median; reference and BackupPS interleaved, order alternating per run); warm page cache; peak RSS = max over runs."
Add-Line 'Only the ratios mean something: the machine is shared, absolute seconds drift between runs (see bench/README.md).'
Add-Line

$DefaultImpl = $null
$SqliteModuleVersion = $null

try {
    foreach ($size in $SizesMiB) {
        # ---------------------------------------------------------------------------------------- data
        $src = Join-Path $DataDir "sqlite-$($size)m.db"
        Write-Log "== $size MiB: $src"
        $gen = Invoke-Timed -Command @('bash', $MakeSqlite, $src, "$size")
        if ($gen.ExitCode -ne 0) { throw "make-sqlite.sh failed: $($gen.Output)" }
        Invoke-Bash "sqlite3 $(Q $src) 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null; cat $(Q $src) >/dev/null"
        $srcBytes = (Get-Item $src).Length
        $journal = (& sqlite3 $src 'PRAGMA journal_mode').Trim()
        $W = Join-Path $WorkDir "s$size"
        Remove-Item $W -Recurse -Force -ErrorAction Ignore
        $refDir = Join-Path $W 'ref'; $ourDir = Join-Path $W 'ours'; $ourBackups = Join-Path $ourDir 'backups'
        New-Item -ItemType Directory -Force -Path $refDir, $ourBackups | Out-Null
        $steps = Join-Path $refDir 'steps'
        $tmpDb = Join-Path $refDir 'tmp.db'; $outZst = Join-Path $refDir 'out.zst'
        $loadStart = Get-LoadAverage

        # ---------------------------------------------------------------------------------------- backup
        $refBackupScript = {
            param([int] $Level)
            "s=(`$EPOCHREALTIME); sqlite3 $(Q $src) `".backup '$tmpDb'`"; s+=(`$EPOCHREALTIME); " +
            "zstd -q -$Level -T0 $(Q $tmpDb) -o $(Q $outZst); s+=(`$EPOCHREALTIME); " +
            "sha256sum $(Q $outZst) > $(Q "$outZst.sha256"); s+=(`$EPOCHREALTIME); echo `"`${s[*]}`" > $(Q $steps)"
        }
        $refPrep = "rm -f $(Q $tmpDb) $(Q $outZst) $(Q $steps)"
        $ourPrep = { Get-ChildItem $ourBackups -Force | Remove-Item -Force -Recurse }
        $refBackup = @(); $ourBackup = @()
        Write-Log "backup ($Runs runs)"
        for ($r = 1; $r -le $Runs; $r++) {
            $doRef = { $script:refBackup += Invoke-Reference "ref backup chain" (& $refBackupScript 3) $refPrep $steps @('sqlite3 .backup', 'zstd -3 -T0', 'sha256sum') }
            $doOurs = { & $ourPrep; $script:ourBackup += Invoke-Ours 'New-DbBackup' Backup @{ Database = $src; Destination = $ourBackups } }
            if ($r % 2) { & $doRef; & $doOurs } else { & $doOurs; & $doRef }
        }
        $refSize = if (Test-Path $outZst) { (Get-Item $outZst).Length } else { $null }
        $lastGood = $ourBackup | Where-Object { -not $_.Error } | Select-Object -Last 1
        $ourFile = if ($lastGood) { $lastGood.Child.Result.Path } else { $null }
        $ourSize = if ($ourFile -and (Test-Path $ourFile)) { (Get-Item $ourFile).Length } else { $null }
        if ($ourFile) {
            $sidecar = Get-Content "$ourFile.json" -Raw | ConvertFrom-Json -AsHashtable
            $SqliteModuleVersion = $sidecar.manifest.sqlite.sqliteVersion
            $impl = ($lastGood.Child.Verbose | Where-Object { $_.Message -like 'Writing *' } | Select-Object -First 1).Message -replace '.*\(Zstd, (.*)\)\.$', '$1'
            $DefaultImpl = $impl
        }

        # ---------------------------------------------------------------------------------------- start-up cost
        Write-Log "pwsh start-up + Import-Module ($Runs runs)"
        $startup = @(for ($r = 1; $r -le $Runs; $r++) { Invoke-Ours 'pwsh + Import-Module' None })

        # ---------------------------------------------------------------------------------------- verify
        $refVerify = @(); $ourVerify = @(); $refQuick = @(); $ourQuick = @()
        if ($ourFile -and $refSize) {
            Write-Log "verify ($Runs runs)"
            $refVerifyScript = {
                param([string] $Check)
                "s=(`$EPOCHREALTIME); zstd -q -t $(Q $outZst); s+=(`$EPOCHREALTIME); sha256sum $(Q $outZst) >/dev/null; s+=(`$EPOCHREALTIME); " +
                "[ `"`$(sqlite3 $(Q $tmpDb) 'PRAGMA $Check')`" = ok ]; s+=(`$EPOCHREALTIME); echo `"`${s[*]}`" > $(Q $steps)"
            }
            for ($r = 1; $r -le $Runs; $r++) {
                $a = { $script:refVerify += Invoke-Reference 'ref verify' (& $refVerifyScript 'integrity_check') "rm -f $(Q $steps)" $steps @('zstd -t', 'sha256sum', 'PRAGMA integrity_check') }
                $b = { $script:ourVerify += Invoke-Ours 'Test-DbBackup' Verify @{ BackupPath = $ourFile } }
                if ($r % 2) { & $a; & $b } else { & $b; & $a }
                $a = { $script:refQuick += Invoke-Reference 'ref verify (quick_check)' (& $refVerifyScript 'quick_check') "rm -f $(Q $steps)" $steps @('zstd -t', 'sha256sum', 'PRAGMA quick_check') }
                $b = { $script:ourQuick += Invoke-Ours 'Test-DbBackup -Quick' Verify @{ BackupPath = $ourFile; Quick = $true } }
                if ($r % 2) { & $a; & $b } else { & $b; & $a }
            }
        }

        # ---------------------------------------------------------------------------------------- restore
        $refRestore = @(); $ourRestore = @()
        if ($ourFile -and $refSize) {
            Write-Log "restore ($Runs runs)"
            $restored = Join-Path $refDir 'restored.db'; $refTarget = Join-Path $refDir 'target.db'; $ourTarget = Join-Path $ourDir 'target.db'
            $refRestoreScript = "s=(`$EPOCHREALTIME); zstd -q -d $(Q $outZst) -o $(Q $restored); s+=(`$EPOCHREALTIME); cp $(Q $restored) $(Q $refTarget); s+=(`$EPOCHREALTIME); echo `"`${s[*]}`" > $(Q $steps)"
            $refRestorePrep = "rm -f $(Q $restored) $(Q $steps) $(Q $refTarget)-wal $(Q $refTarget)-shm; cp $(Q $src) $(Q $refTarget)"
            $ourRestorePrep = {
                Get-ChildItem $ourBackups -Force | Where-Object { $_.FullName -ne $ourFile -and $_.FullName -ne "$ourFile.json" } | Remove-Item -Force -Recurse
                Invoke-Bash "rm -f $(Q $ourTarget) $(Q $ourTarget)-wal $(Q $ourTarget)-shm; cp $(Q $src) $(Q $ourTarget)"
            }
            for ($r = 1; $r -le $Runs; $r++) {
                $a = { $script:refRestore += Invoke-Reference 'ref restore' $refRestoreScript $refRestorePrep $steps @('zstd -d', 'cp over target') }
                $b = { & $ourRestorePrep; $script:ourRestore += Invoke-Ours 'Restore-DbBackup' Restore @{ BackupPath = $ourFile; Target = $ourTarget } }
                if ($r % 2) { & $a; & $b } else { & $b; & $a }
            }
            # The reference restore must give back the .backup copy byte for byte (BackupPS checks itself).
            & cmp -s $restored $tmpDb
            if ($LASTEXITCODE -ne 0) { $refRestore | ForEach-Object { $_.Error = 'restored file differs from the .backup copy' } }
            Get-ChildItem $ourBackups -Force | Where-Object { $_.FullName -ne $ourFile -and $_.FullName -ne "$ourFile.json" } | Remove-Item -Force -Recurse
            Invoke-Bash "rm -f $(Q $restored) $(Q $refTarget) $(Q $ourTarget) $(Q $ourTarget)-wal $(Q $ourTarget)-shm" 
        }

        # ---------------------------------------------------------------------------------------- tables
        $sRefB = Summarize $refBackup; $sOurB = Summarize $ourBackup; $sOurBP = Summarize $ourBackup -Process
        $sStart = Summarize $startup -Process
        $sRefV = Summarize $refVerify; $sOurV = Summarize $ourVerify; $sRefQ = Summarize $refQuick; $sOurQ = Summarize $ourQuick
        $sRefR = Summarize $refRestore; $sOurR = Summarize $ourRestore; $sOurRP = Summarize $ourRestore -Process
        foreach ($s in $sRefB, $sOurB, $sStart, $sRefV, $sOurV, $sRefQ, $sOurQ, $sRefR, $sOurR) { if ($s.Failed) { $AnyFailure = $true } }

        Add-Line "## $size MiB: $(Split-Path $src -Leaf) ($(FM $srcBytes) MiB, journal_mode=$journal)"
        Add-Line
        Add-Line "Load average: $loadStart at start, $(Get-LoadAverage) after restore."
        Add-Line
        Add-Line '| operation | reference s | ours s | ratio (ours/ref) | ref size MiB | our size MiB | size ratio | ref RSS MiB | our RSS MiB |'
        Add-Line '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
        function Row([string] $Name, $Ref, $Ours, $RefBytes = $null, $OurBytes = $null) {
            $rs = if ($Ref.Failed) { 'FAILED' } else { F $Ref.Seconds }
            $os = if ($Ours.Failed) { 'FAILED' } else { F $Ours.Seconds }
            $sr = if ($null -ne $RefBytes -and $null -ne $OurBytes -and $RefBytes -gt 0) { ($OurBytes / $RefBytes).ToString('0.000', $Invariant) } else { '' }
            $rr = if ($Ref.RssKiB) { FM ($Ref.RssKiB * 1KB) } else { '' }
            $or = if ($Ours.RssKiB) { FM ($Ours.RssKiB * 1KB) } else { '' }
            Add-Line "| $Name | $rs | $os | $(FR $Ours.Seconds $Ref.Seconds) | $(FM $RefBytes) | $(FM $OurBytes) | $sr | $rr | $or |"
        }
        $none = [pscustomobject]@{ Failed = $false; Seconds = $null; RssKiB = $null }
        Row 'Backup: chain vs New-DbBackup (timed inside pwsh)' $sRefB $sOurB $refSize $ourSize
        Row 'Backup: chain vs whole pwsh process (start-up + import + cmdlet)' $sRefB $sOurBP
        Row 'Verify: zstd -t + sha256sum + integrity_check vs Test-DbBackup' $sRefV $sOurV
        Row 'Verify: zstd -t + sha256sum + quick_check vs Test-DbBackup -Quick' $sRefQ $sOurQ
        Row 'Restore: zstd -d + cp vs Restore-DbBackup -Target' $sRefR $sOurR
        Row 'Restore: zstd -d + cp vs whole pwsh process' $sRefR $sOurRP
        Row '(pwsh start-up + Import-Module only, no cmdlet)' $none $sStart
        Add-Line
        Add-Line "RSS: reference = its heaviest step (GNU time %M of the chain), ours = the whole pwsh process. A pwsh that only imports the module peaks at $(FM ($sStart.RssKiB * 1KB)) MiB."
        Add-Line "Backups: reference out.zst = zstd -3 of the .backup copy; ours = .tar.zst (manifest + database + checksums, zstd -3 with frame checksum, $DefaultImpl). The reference does not fsync; New-DbBackup fsyncs the archive and its folder."
        Add-Line
        # CPU (less sensitive to other load than wall time)
        Add-Line '| CPU seconds (user+sys, median) | reference | ours | ratio |'
        Add-Line '|---|---:|---:|---:|'
        Add-Line "| Backup (ours: cmdlet only, all threads) | $(F $sRefB.Cpu) | $(F $sOurB.Cpu) | $(FR $sOurB.Cpu $sRefB.Cpu) |"
        Add-Line "| Verify (integrity_check) | $(F $sRefV.Cpu) | $(F $sOurV.Cpu) | $(FR $sOurV.Cpu $sRefV.Cpu) |"
        Add-Line "| Verify (quick_check / -Quick) | $(F $sRefQ.Cpu) | $(F $sOurQ.Cpu) | $(FR $sOurQ.Cpu $sRefQ.Cpu) |"
        Add-Line "| Restore | $(F $sRefR.Cpu) | $(F $sOurR.Cpu) | $(FR $sOurR.Cpu $sRefR.Cpu) |"
        Add-Line
        Add-Line '| I/O through read/write syscalls (MiB, median) | ref read | ref written | ours read | ours written |'
        Add-Line '|---|---:|---:|---:|---:|'
        foreach ($io in @(@('Backup', $sRefB, $sOurB), @('Verify', $sRefV, $sOurV), @('Verify quick', $sRefQ, $sOurQ), @('Restore', $sRefR, $sOurR))) {
            Add-Line "| $($io[0]) | $(FM $io[1].Read) | $(FM $io[1].Written) | $(FM $io[2].Read) | $(FM $io[2].Written) |"
        }
        Add-Line
        Add-Line ('Per-run seconds (spread): backup ref {0}; ours {1}; restore ref {2}; ours {3}.' -f
            (($sRefB.All | ForEach-Object { F $_ }) -join '/'), (($sOurB.All | ForEach-Object { F $_ }) -join '/'),
            (($sRefR.All | ForEach-Object { F $_ }) -join '/'), (($sOurR.All | ForEach-Object { F $_ }) -join '/'))
        Add-Line

        # ---------------------------------------------------------------------------------------- breakdowns
        Add-Line "### Where the time goes ($size MiB, medians; ours from -Verbose message timestamps)"
        Add-Line
        Add-Line '| operation | step | s | share |'
        Add-Line '|---|---|---:|---:|'
        function Breakdown([string] $Op, $Phases, $Total) {
            foreach ($k in $Phases.Keys) {
                $share = if ($Total -gt 0) { ($Phases[$k] / $Total * 100).ToString('0', $Invariant) + ' %' } else { '' }
                Add-Line "| $Op | $k | $(F $Phases[$k]) | $share |"
            }
        }
        Breakdown 'ref backup' (Get-MedianSteps $refBackup) $sRefB.Seconds
        Breakdown 'New-DbBackup' (Get-MedianPhases $ourBackup $BackupPatterns 'argument checks') $sOurB.Seconds
        Breakdown 'ref verify' (Get-MedianSteps $refVerify) $sRefV.Seconds
        Breakdown 'Test-DbBackup' (Get-MedianPhases $ourVerify $VerifyPatterns 'locate backup + sidecar') $sOurV.Seconds
        Breakdown 'Test-DbBackup -Quick' (Get-MedianPhases $ourQuick $VerifyPatterns 'locate backup + sidecar') $sOurQ.Seconds
        Breakdown 'ref restore' (Get-MedianSteps $refRestore) $sRefR.Seconds
        Breakdown 'Restore-DbBackup' (Get-MedianPhases $ourRestore $RestorePatterns 'plan, prompt, scratch folder') $sOurR.Seconds
        Add-Line

        $MemoryBySize["$size"] = [pscustomobject]@{ Size = $size; Rss = $sOurB.RssKiB; InProcess = ($ourBackup | Where-Object { $_.Child } | ForEach-Object { [long]$_.Child.PeakRssKiB } | Measure-Object -Maximum).Maximum; Startup = $sStart.RssKiB; RefRss = $sRefB.RssKiB }
        Add-Target 'Backup time <= 0.8x reference chain (in-cmdlet)' "$size MiB" ($sOurB.Seconds / [Math]::Max($sRefB.Seconds, 1e-9)) 0.8 'x'
        Add-Target '(info) Backup time, whole pwsh process <= 0.8x' "$size MiB" ($sOurBP.Seconds / [Math]::Max($sRefB.Seconds, 1e-9)) 0.8 'x'
        Add-Target '(info) Backup CPU seconds <= 0.8x (less load-sensitive)' "$size MiB" ($sRefB.Cpu ? $sOurB.Cpu / $sRefB.Cpu : $null) 0.8 'x'
        Add-Target 'Output size <= 1.02x reference' "$size MiB" ($refSize ? $ourSize / $refSize : $null) 1.02 'x'
        Add-Target 'Restore time <= 1.0x reference (in-cmdlet)' "$size MiB" ($sOurR.Seconds / [Math]::Max($sRefR.Seconds, 1e-9)) 1.0 'x'
        Add-Target '(info) Restore CPU seconds <= 1.0x' "$size MiB" ($sRefR.Cpu ? $sOurR.Cpu / $sRefR.Cpu : $null) 1.0 'x'
        foreach ($t in $Targets | Where-Object { $_.Size -eq "$size MiB" }) {
            if (($t.Name -match '^(\(info\) )?Backup' -and ($sOurB.Failed -or $sRefB.Failed)) -or ($t.Name -match '^(\(info\) )?Restore' -and ($sOurR.Failed -or $sRefR.Failed))) { $t.Measured = $null; $t.Result = 'FAILED' }
        }

        # ---------------------------------------------------------------------------------------- codec comparison
        if (-not $SkipCodec -and $size -eq $SizesMiB[-1] -and $ourFile) {
            Write-Log "codec comparison ($Runs runs per level and implementation)"
            $rows = [Collections.Generic.List[object]]::new()
            foreach ($level in $CodecLevels) {
                $ref = @(); $native = @(); $managed = @()
                for ($r = 1; $r -le $Runs; $r++) {
                    $a = { $script:ref += Invoke-Reference "ref chain zstd -$level" (& $refBackupScript $level) $refPrep $steps @('sqlite3 .backup', "zstd -$level -T0", 'sha256sum') }
                    $b = { & $ourPrep; $script:native += Invoke-Ours "New-DbBackup -CompressionLevel $level (native)" Backup @{ Database = $src; Destination = $ourBackups; CompressionLevel = $level } }
                    $c = { & $ourPrep; $script:managed += Invoke-Ours "New-DbBackup -CompressionLevel $level (managed)" Backup @{ Database = $src; Destination = $ourBackups; CompressionLevel = $level } @{ BACKUPPS_ZSTD = 'managed' } }
                    switch ($r % 3) { 1 { & $a; & $b; & $c } 2 { & $c; & $a; & $b } 0 { & $b; & $c; & $a } }
                }
                $refBytes = if (Test-Path $outZst) { (Get-Item $outZst).Length } else { $null }
                $refZstd = Get-Median @($ref | Where-Object { -not $_.Error } | ForEach-Object { $_.Steps["zstd -$level -T0"] })
                foreach ($set in @(@('native', $native), @('managed', $managed))) {
                    $s = Summarize $set[1]
                    if ($s.Failed) { $AnyFailure = $true }
                    $last = $set[1] | Where-Object { -not $_.Error } | Select-Object -Last 1
                    $implName = if ($last) { ($last.Child.Verbose | Where-Object { $_.Message -like 'Writing *' } | Select-Object -First 1).Message -replace '.*\(Zstd, (.*)\)\.$', '$1' } else { '' }
                    $write = Get-Median @($set[1] | Where-Object { -not $_.Error } | ForEach-Object { (Get-Phases $_ $BackupPatterns 'argument checks')[$BackupPatterns[3][1]] })
                    $rows.Add([pscustomobject]@{ Level = $level; Impl = $implName; Ours = $s; Bytes = ($last ? [long]$last.Child.Result.SizeBytes : $null); Ref = (Summarize $ref); RefBytes = $refBytes; Write = $write; RefZstd = $refZstd })
                }
            }
            Add-Line "### Codec: native libzstd vs managed SharpCompress ($size MiB)"
            Add-Line
            Add-Line '| level | implementation | New-DbBackup s | ratio to ref chain | compress+write phase s | ref zstd step s | size MiB | size / ref | CPU s | RSS MiB |'
            Add-Line '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|'
            foreach ($row in $rows) {
                $t = if ($row.Ours.Failed) { 'FAILED' } else { F $row.Ours.Seconds }
                $sr = if ($row.Bytes -and $row.RefBytes) { ($row.Bytes / $row.RefBytes).ToString('0.000', $Invariant) } else { '' }
                Add-Line "| $($row.Level) | $($row.Impl) | $t | $(FR $row.Ours.Seconds $row.Ref.Seconds) | $(F $row.Write) | $(F $row.RefZstd) | $(FM $row.Bytes) | $sr | $(F $row.Ours.Cpu) | $(FM ($row.Ours.RssKiB * 1KB)) |"
            }
            Add-Line
            Add-Line "Reference chain per level: same sqlite3 .backup + zstd -L -T0 + sha256sum; ratio = ours / its median. The compress+write phase is the part the codec changes."
            Add-Line
            & $ourPrep
        }

        # ---------------------------------------------------------------------------------------- writer stall
        if (-not $SkipWriterStall -and $ourFile) {
            Write-Log 'writer stall'
            $stallDir = Join-Path $W 'stall'; $stallBackups = Join-Path $stallDir 'backups'
            New-Item -ItemType Directory -Force -Path $stallBackups | Out-Null
            $stallDb = Join-Path $stallDir 'stall.db'
            $probe = [Math]::Max(3, [Math]::Ceiling([double]$sOurB.Seconds))
            Add-Line "### Writer stall during backup ($size MiB)"
            Add-Line
            Add-Line "A python3 writer commits one single-row transaction every $WriterIntervalMs ms (synchronous=NORMAL, busy timeout 600 s) on a copy of the database; latency = BEGIN..COMMIT. 'during' = commits overlapping the backup's run (for New-DbBackup: the cmdlet call, timed inside its pwsh); 'alone' = $probe s with no backup. The sqlite3 CLI row (.timeout 600000; .backup copies 100 pages per step) is context: in both modes it restarts when another connection commits between its steps."
            Add-Line
            Add-Line '| journal mode | while | commits | commits/s | p50 ms | p99 ms | max ms | backup s | note |'
            Add-Line '|---|---|---:|---:|---:|---:|---:|---:|---|'
            foreach ($mode in 'wal', 'delete') {
                Invoke-Bash ("rm -f $(Q $stallDb)*; cp $(Q $src) $(Q $stallDb); sqlite3 $(Q $stallDb) " +
                    "'PRAGMA journal_mode=$mode' 'CREATE TABLE IF NOT EXISTS bench_writer(id INTEGER PRIMARY KEY, ts INTEGER, payload TEXT)' >/dev/null")
                $phases = @(
                    @{ Name = 'alone'; Run = { Start-Sleep -Seconds $probe; $null } },
                    @{ Name = 'during New-DbBackup'; Run = { Get-ChildItem $stallBackups -Force | Remove-Item -Force -Recurse; Invoke-Ours "New-DbBackup ($mode, writer running)" Backup @{ Database = $stallDb; Destination = $stallBackups } } },
                    @{ Name = 'during sqlite3 .backup'; Run = {
                            $limit = [int][Math]::Max(10, [Math]::Ceiling(3 * ($sRefB.Seconds)))
                            $start = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
                            $x = Invoke-Timed -Label 'sqlite3 .backup (writer running)' -Command @('timeout', "$limit", 'sqlite3', '-cmd', '.timeout 600000', $stallDb, ".backup '$stallDir/cli.db'")
                            $end = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
                            Remove-Item "$stallDir/cli.db*" -ErrorAction Ignore
                            $note = if ($x.ExitCode -eq 124) { "did not finish in $limit s (killed): it restarts after every concurrent commit" } elseif ($x.ExitCode -ne 0) { "failed: $($x.Output)" } else { '' }
                            Write-Log ("  sqlite3 .backup with writer: exit {0}, {1:0.00} s" -f $x.ExitCode, $x.Seconds)
                            [pscustomobject]@{ Seconds = $x.Seconds; Error = $null; Note = $note; Child = @{ StartUnixMs = $start; EndUnixMs = $end } }
                        } 
                    }
                )
                foreach ($phase in $phases) {
                    $lat = Join-Path $stallDir "lat-$mode.txt"; $stop = Join-Path $stallDir 'stop'
                    Remove-Item $lat, "$lat.ready", $stop -ErrorAction Ignore
                    $psi = [Diagnostics.ProcessStartInfo]::new('python3')
                    foreach ($a in $WriterScript, $stallDb, $lat, $stop, "$WriterIntervalMs") { $psi.ArgumentList.Add($a) }
                    $psi.UseShellExecute = $false
                    $writer = [Diagnostics.Process]::Start($psi)
                    try {
                        $wait = [Diagnostics.Stopwatch]::StartNew()
                        while (-not (Test-Path "$lat.ready") -and $wait.Elapsed.TotalSeconds -lt 30 -and -not $writer.HasExited) { Start-Sleep -Milliseconds 20 }
                        Start-Sleep -Milliseconds 1000
                        $t0 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
                        $res = & $phase.Run
                        $t1 = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
                        Start-Sleep -Milliseconds 500
                    } finally {
                        New-Item -ItemType File -Path $stop -Force | Out-Null
                        if (-not $writer.WaitForExit(120000)) { $writer.Kill(); throw 'the writer probe did not stop' }
                    }
                    if ($writer.ExitCode -ne 0) { throw "the writer probe failed (exit $($writer.ExitCode))" }
                    $from = $t0; $to = $t1
                    $note = ''
                    $backupSeconds = $null
                    if ($res) {
                        if ($res.Error) { $note = "FAILED: $($res.Error)"; $AnyFailure = $true }
                        elseif ($res.Child) { $from = [double]$res.Child.StartUnixMs; $to = [double]$res.Child.EndUnixMs }
                        $backupSeconds = $res.Seconds
                        if ($res.PSObject.Properties['Note'] -and $res.Note) { $note = $res.Note }
                        elseif (-not $res.Error -and $res.Child -and $res.Child.ContainsKey('Verbose')) {
                            $snapshot = (Get-Phases $res $BackupPatterns 'argument checks')[$BackupPatterns[1][1]]
                            if ($null -ne $snapshot) { $note = "its snapshot phase (read transaction held): $(F $snapshot) s" }
                        }
                    }
                    # Commits that overlap [from, to]: started before it ended and finished after it began.
                    $samples = @(Get-Content $lat | ForEach-Object {
                            $f = $_ -split ' '; $s = [double]::Parse($f[0], $Invariant); $l = [double]::Parse($f[1], $Invariant)
                            if ($s -le $to -and $s + $l -ge $from) { $l }
                        } | Sort-Object)
                    $n = $samples.Count
                    $p = { param($q) if ($n) { $samples[[Math]::Min($n - 1, [int][Math]::Ceiling($q * $n) - 1)] } else { $null } }
                    $window = [Math]::Max(0.001, ($to - $from) / 1000)
                    Add-Line "| $mode | $($phase.Name) | $n | $(($n / $window).ToString('0', $Invariant)) | $(FMs (& $p 0.5)) | $(FMs (& $p 0.99)) | $(FMs ($n ? $samples[-1] : $null)) | $(F $backupSeconds) | $note |"
                    Write-Log ("  {0} {1}: {2} commits, max {3:0.0} ms" -f $mode, $phase.Name, $n, ($n ? $samples[-1] : 0))
                }
            }
            Add-Line
            Remove-Item $stallDir -Recurse -Force -ErrorAction Ignore
        }
        Remove-Item $W -Recurse -Force -ErrorAction Ignore
    }

    # -------------------------------------------------------------------------------------------- memory + targets
    if ($MemoryBySize.Count -gt 0) {
        Add-Line '## Memory (New-DbBackup, whole pwsh process)'
        Add-Line
        Add-Line '| size MiB | ours peak RSS MiB | in-process VmHWM MiB | pwsh + Import-Module only MiB | reference chain heaviest step MiB |'
        Add-Line '|---:|---:|---:|---:|---:|'
        foreach ($m in $MemoryBySize.Values) { Add-Line "| $($m.Size) | $(FM ($m.Rss * 1KB)) | $(FM ($m.InProcess * 1KB)) | $(FM ($m.Startup * 1KB)) | $(FM ($m.RefRss * 1KB)) |" }
        Add-Line
        $small = $MemoryBySize.Values | Select-Object -First 1; $large = $MemoryBySize.Values | Select-Object -Last 1
        if ($MemoryBySize.Count -ge 2 -and $small.Rss -and $large.Rss) {
            Add-Target "RSS@$($large.Size)MiB <= RSS@$($small.Size)MiB + 64 MiB" "$($small.Size)->$($large.Size) MiB" (($large.Rss - $small.Rss) / 1024) 64 'MiB growth'
        } else {
            Add-Target 'RSS@1GiB <= RSS@100MiB + 64 MiB' '-' $null 64 'MiB growth' 'needs two sizes'
        }
    }
    Add-Line '## Targets'
    Add-Line
    Add-Line '| target | size | measured | limit | result |'
    Add-Line '|---|---|---:|---:|---|'
    foreach ($t in $Targets) {
        $m = if ($null -eq $t.Measured) { '' } elseif ($t.Unit -eq 'x') { ([double]$t.Measured).ToString('0.00', $Invariant) + 'x' } else { ([double]$t.Measured).ToString('0.0', $Invariant) + " $($t.Unit)" }
        $l = if ($t.Unit -eq 'x') { "$($t.Limit)x" } else { "$($t.Limit) $($t.Unit)" }
        Add-Line "| $($t.Name) | $($t.Size) | $m | $l | $($t.Result)$(if ($t.Note) { " ($($t.Note))" }) |"
    }
    Add-Line
    Add-Line "BackupPS's bundled SQLite: $SqliteModuleVersion. Load average at the end: $(Get-LoadAverage)."
}
finally {
    if ($Keep) { Write-Log "kept $WorkDir" }
    else { Remove-Item $WorkDir -Recurse -Force -ErrorAction Ignore }
}

$text = $Report -join "`n"
$text
if ($OutFile) { Set-Content -LiteralPath $OutFile -Value $text -Encoding utf8; Write-Log "report written to $OutFile" }
if ($AnyFailure) { Write-Log 'some measurements FAILED (see the report)'; exit 1 }
