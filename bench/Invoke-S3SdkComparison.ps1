<#
.SYNOPSIS
    Compares the two S3 SDKs the project could use, AWSSDK.S3 (what the engine uses) and Minio, on the same job against
    the local test S3 server, IN ONE RUN; prints ratios (Minio / AWSSDK), peak RSS and dependency weight as markdown.
.DESCRIPTION
    bench/S3SdkComparison/Bench (a console app, not in BackupPS.sln) uploads -SizeMiB MiB of incompressible data
    (a deterministic stream that looks like a zstd frame) as a multipart upload of a stream of unknown length,
    reads it back with 8 MiB ranged GETs and checks the SHA-256:
      aws    AWSSDK.S3 4.1.0 as the engine uses it (S3Destination/S3BackupWriter/S3ReadStream): 16 MiB parts,
             4 in flight, low-level InitiateMultipartUpload/UploadPart/CompleteMultipartUpload, no aws-chunked framing
      minio  Minio 7.0.0 (the newest on the package mirror): PutObjectAsync with ObjectSize -1, which does its own
             multipart upload (16 MiB parts, one at a time: it has no parallel-parts option)
    Each measurement is a fresh process (peak working set = Process.PeakWorkingSet64 of that process, i.e. VmHWM);
    the runs are interleaved and the order alternates run by run. Times are the child's own Stopwatch (upload +
    download; process start-up excluded); the median of -Runs is reported, peak RSS the maximum.
    Before the runs, Minio is tried once without the 206 workaround (see Program.cs) to record whether its ranged
    reads work as shipped. Dependency weight: bench/S3SdkComparison/Deps/{Aws,Minio} are published
    (framework-dependent, net8.0) and the DLLs of each output are summed (the app's own DLL left out).
    The S3 server is tests/s3server/server.js (s3rver on node, 127.0.0.1), started and stopped here.
    A second pass (-LinkMiBPerSecond, 0 to skip) restarts the server with --max-bytes-per-second: each request body
    (each part) is read at most that fast, the way one TCP connection over a long or lossy path is limited while
    several connections are not. It shows what parallel parts are worth; loopback alone does not.
    Progress on stderr, report on stdout (and -OutFile).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Invoke-S3SdkComparison.ps1 -SizeMiB 256 -Runs 3
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 65536)][int] $SizeMiB = 256,
    [ValidateRange(1, 99)][int] $Runs = 3,
    [ValidateRange(0, 100000)][int] $LinkMiBPerSecond = 32,
    [string] $OutFile
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSNativeCommandUseErrorActionPreference = $false
$Invariant = [Globalization.CultureInfo]::InvariantCulture
[Threading.Thread]::CurrentThread.CurrentCulture = $Invariant

$Root = Join-Path $PSScriptRoot 'S3SdkComparison'
$BenchProject = Join-Path $Root 'Bench/S3SdkComparison.csproj'
$Dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
. (Join-Path $PSScriptRoot '../tests/Pester/S3TestHelpers.ps1')

function Write-Log([string] $Message) { [Console]::Error.WriteLine("[$((Get-Date).ToString('HH:mm:ss'))] $Message") }
function Get-Median([double[]] $Values) {
    $v = @($Values | Sort-Object)
    if ($v.Count -eq 0) { return $null }
    if ($v.Count % 2) { return $v[($v.Count - 1) / 2] }
    ($v[$v.Count / 2 - 1] + $v[$v.Count / 2]) / 2
}
function MiB([double] $Bytes) { '{0:0.0}' -f ($Bytes / 1MB) }
function Invoke-Dotnet([string[]] $Arguments) {
    $output = & $Dotnet @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($Arguments -join ' ') failed ($LASTEXITCODE):`n$($output -join "`n")" }
}

$load = ((Get-Content /proc/loadavg -Raw) -split ' ')[0..2] -join ' '
$work = Join-Path ([IO.Path]::GetTempPath()) "backupps-sdkbench.$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null
$server = $null
$results = $null
$throttled = $null
try {
    Write-Log "Building $BenchProject"
    $benchOut = Join-Path $work 'bench'
    Invoke-Dotnet @('build', $BenchProject, '-c', 'Release', '-o', $benchOut, '--nologo', '-v', 'q')
    $benchDll = Join-Path $benchOut 'S3SdkComparison.dll'

    # ---- dependency weight -------------------------------------------------------------------------------------------
    $deps = [ordered]@{}
    foreach ($name in 'Aws', 'Minio') {
        $project = Join-Path $Root "Deps/$name/Deps$name.csproj"
        $out = Join-Path $work "deps-$name"
        Write-Log "Publishing $project"
        Invoke-Dotnet @('publish', $project, '-c', 'Release', '-o', $out, '--nologo', '-v', 'q')
        $dlls = @(Get-ChildItem -LiteralPath $out -Filter *.dll | Where-Object Name -ne "Deps$name.dll")
        $assets = Get-Content -Raw (Join-Path $Root "Deps/$name/obj/project.assets.json") | ConvertFrom-Json -AsHashtable
        $packages = @($assets.libraries.GetEnumerator() | Where-Object { $_.Value.type -eq 'package' } | ForEach-Object { $_.Key } | Sort-Object)
        $deps[$name] = [pscustomobject]@{
            Bytes = [long]($dlls | ForEach-Object Length | Measure-Object -Sum).Sum; Count = $dlls.Count
            Dlls = @($dlls | Sort-Object Length -Descending | ForEach-Object { '{0} ({1} KiB)' -f $_.Name, [Math]::Round($_.Length / 1KB) })
            Packages = $packages
        }
    }

    # ---- the runs ----------------------------------------------------------------------------------------------------
    function Invoke-Child([string] $Sdk, [int] $Mib, [int] $Seed, [string[]] $Extra = @()) {
        $psi = [Diagnostics.ProcessStartInfo]::new($Dotnet)
        foreach ($a in @($benchDll, $Sdk, '--endpoint', $server.Endpoint, '--bucket', 'bench', '--size-mib', "$Mib", '--seed', "$Seed",
                '--access-key', $server.AccessKey, '--secret-key', $server.SecretKey, '--region', $server.Region) + $Extra) { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $p = [Diagnostics.Process]::Start($psi)
        $stdout = $p.StandardOutput.ReadToEndAsync()
        $stderr = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit(30 * 60 * 1000)) { $p.Kill($true); throw "$Sdk did not finish within 30 minutes" }
        $p.WaitForExit()
        $processSeconds = $clock.Elapsed.TotalSeconds
        $line = @($stdout.Result -split "`n" | Where-Object { $_ -match '^\{' } | Select-Object -Last 1)
        $r = if ($line) { $line[0] | ConvertFrom-Json } else { [pscustomobject]@{ sdk = $Sdk; error = "no result (exit $($p.ExitCode)): $($stderr.Result.Trim())" } }
        $r | Add-Member -NotePropertyName processSeconds -NotePropertyValue $processSeconds
        if (-not $r.PSObject.Properties['error']) { $r | Add-Member -NotePropertyName error -NotePropertyValue $null }
        if (-not $r.error -and -not $r.sha256Match) { $r.error = 'the SHA-256 read back differs from the one uploaded' }
        $r
    }

    function Invoke-Pass([long] $MaxBytesPerSecond, [switch] $Probe) {
        $script:server = Start-TestS3Server -Bucket bench -MaxBytesPerSecond $MaxBytesPerSecond
        $pass = @{ aws = @(); minio = @(); probe = $null }
        try {
            Write-Log "S3 server: $($server.Endpoint)$(if ($MaxBytesPerSecond) { ", request bodies at most $(MiB $MaxBytesPerSecond) MiB/s each" }); $SizeMiB MiB x $Runs runs per SDK"
            # Warm-up (disk cache of the assemblies), and Minio's ranged reads as shipped.
            $warm = Invoke-Child aws 20 1
            if ($warm.error) { throw "AWSSDK warm-up failed: $($warm.error)" }
            if ($Probe) {
                $pass.probe = Invoke-Child minio 20 1 @('--minio-206-workaround', 'off')
                Write-Log "Minio 7.0.0 ranged GET without the workaround: $(if ($pass.probe.error) { "fails: $($pass.probe.error)" } else { 'works' })"
            }
            $warm = Invoke-Child minio 20 1
            if ($warm.error) { throw "Minio warm-up failed: $($warm.error)" }

            for ($run = 1; $run -le $Runs; $run++) {
                $order = if ($run % 2) { 'aws', 'minio' } else { 'minio', 'aws' }
                foreach ($sdk in $order) {
                    $r = Invoke-Child $sdk $SizeMiB $run
                    $pass[$sdk] += $r
                    if ($r.error) { Write-Log "  run $run $sdk FAILED: $($r.error)" }
                    else {
                        Write-Log ('  run {0} {1,-5}: {2:0.00} s (upload {3:0.00} s, {4} parts, max {5} in flight; download {6:0.00} s), peak RSS {7} MiB, CPU {8:0.00} s' -f
                            $run, $sdk, $r.seconds, $r.uploadSeconds, $r.parts, $r.maxPartsInFlight, $r.downloadSeconds, (MiB $r.peakWorkingSetBytes), $r.cpuSeconds)
                    }
                }
            }
        }
        finally {
            Stop-TestS3Server $server
            $script:server = $null
        }
        $pass
    }

    Write-Log "Load $load at start"
    $results = Invoke-Pass 0 -Probe
    if ($LinkMiBPerSecond -gt 0) { $throttled = Invoke-Pass ([long]$LinkMiBPerSecond * 1MB) }
}
finally {
    if ($server) { Stop-TestS3Server $server }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}
$probe = $results.probe

# ---- report ------------------------------------------------------------------------------------------------------
$all = @($results.aws + $results.minio) + $(if ($throttled) { @($throttled.aws + $throttled.minio) } else { @() })
$failed = @($all | Where-Object error).Count -gt 0
$ok = @{ aws = @($results.aws | Where-Object { -not $_.error }); minio = @($results.minio | Where-Object { -not $_.error }) }
function Stat([string] $Sdk, [string] $Field, [switch] $Max, $Pass = $results) {
    $values = @($Pass[$Sdk] | Where-Object { -not $_.error } | ForEach-Object { [double]$_.$Field })
    if ($values.Count -eq 0) { return $null }
    if ($Max) { ($values | Measure-Object -Maximum).Maximum } else { Get-Median $values }
}
function Ratio($a, $b) { if ($null -eq $a -or $null -eq $b -or $b -eq 0) { 'n/a' } else { '{0:0.00}×' -f ($a / $b) } }
function Each([string] $Sdk, [string] $Field, [string] $Format = '{0:0.00}', $Pass = $results) {
    (@($Pass[$Sdk] | ForEach-Object { if ($_.error) { 'FAILED' } else { $Format -f [double]$_.$Field } }) -join ', ')
}

$report = [Collections.Generic.List[string]]::new()
$report.Add("# S3 SDK comparison: AWSSDK.S3 4.1.0 vs Minio 7.0.0 — $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC$((Get-Date).ToString('zzz'))")
$report.Add('')
$report.Add("Machine: $([Environment]::ProcessorCount) cores, load $load at start; .NET $([Environment]::Version) (the net8.0 app rolled forward), " +
    "server tests/s3server (s3rver 3.7.1, node $(& node --version)) on 127.0.0.1; $SizeMiB MiB, $Runs runs per SDK, interleaved (median; peak RSS: max).")
$report.Add('')
$rows = @(
    @('upload + download, s', 'seconds', $false, '{0:0.00}'),
    @('  upload (multipart), s', 'uploadSeconds', $false, '{0:0.00}'),
    @('  download (8 MiB ranged GETs), s', 'downloadSeconds', $false, '{0:0.00}'),
    @('CPU (user+sys), s', 'cpuSeconds', $false, '{0:0.00}'),
    @('peak RSS (PeakWorkingSet64), MiB', 'peakWorkingSetBytes', $true, $null),
    @('managed bytes allocated, MiB', 'allocatedBytes', $false, $null)
)
$report.Add('| measure | AWSSDK.S3 | Minio | Minio / AWSSDK | runs AWSSDK | runs Minio |')
$report.Add('|---|---:|---:|---:|---|---|')
foreach ($row in $rows) {
    $a = Stat aws $row[1] -Max:$row[2]; $m = Stat minio $row[1] -Max:$row[2]
    if ($row[3]) { $fa = if ($null -ne $a) { $row[3] -f $a } else { 'n/a' }; $fm = if ($null -ne $m) { $row[3] -f $m } else { 'n/a' }; $ea = Each aws $row[1] $row[3]; $em = Each minio $row[1] $row[3] }
    else {
        $fa = if ($null -ne $a) { MiB $a } else { 'n/a' }; $fm = if ($null -ne $m) { MiB $m } else { 'n/a' }
        $ea = (@($results.aws | ForEach-Object { if ($_.error) { 'FAILED' } else { MiB $_.($row[1]) } }) -join ', ')
        $em = (@($results.minio | ForEach-Object { if ($_.error) { 'FAILED' } else { MiB $_.($row[1]) } }) -join ', ')
    }
    $report.Add("| $($row[0]) | $fa | $fm | $(Ratio $m $a) | $ea | $em |")
}
$partsA = ($ok.aws | Select-Object -First 1); $partsM = ($ok.minio | Select-Object -First 1)
$report.Add("| parts / most in flight at once | $(if ($partsA) { "$($partsA.parts) / $(($ok.aws | Measure-Object maxPartsInFlight -Maximum).Maximum)" } else { 'n/a' }) | $(if ($partsM) { "$($partsM.parts) / $(($ok.minio | Measure-Object maxPartsInFlight -Maximum).Maximum)" } else { 'n/a' }) | | | |")
if ($throttled) {
    $report.Add('')
    $report.Add("Same, each request body (each part) limited to $LinkMiBPerSecond MiB/s by the server (a per-connection limit, as on a long path; GETs are not limited):")
    $report.Add('')
    $report.Add('| measure | AWSSDK.S3 | Minio | Minio / AWSSDK | runs AWSSDK | runs Minio |')
    $report.Add('|---|---:|---:|---:|---|---|')
    foreach ($row in @(@('upload (multipart), s', 'uploadSeconds'), @('upload + download, s', 'seconds'))) {
        $a = Stat aws $row[1] -Pass $throttled; $m = Stat minio $row[1] -Pass $throttled
        $report.Add(('| {0} | {1} | {2} | {3} | {4} | {5} |' -f $row[0], $(if ($null -ne $a) { '{0:0.00}' -f $a } else { 'n/a' }), $(if ($null -ne $m) { '{0:0.00}' -f $m } else { 'n/a' }),
            (Ratio $m $a), (Each aws $row[1] -Pass $throttled), (Each minio $row[1] -Pass $throttled)))
    }
    $a = Stat aws peakWorkingSetBytes -Max -Pass $throttled; $m = Stat minio peakWorkingSetBytes -Max -Pass $throttled
    $report.Add("| peak RSS, MiB | $(if ($null -ne $a) { MiB $a } else { 'n/a' }) | $(if ($null -ne $m) { MiB $m } else { 'n/a' }) | $(Ratio $m $a) | | |")
}
$report.Add('')
$report.Add("Minio 7.0.0's ranged GET (GetObjectAsync + WithOffsetAndLength) as shipped: " +
    $(if ($probe -and $probe.error) { "**fails** ($($probe.error)); the runs above use an HttpClient handler that turns 206 into 200." } elseif ($probe) { 'works.' } else { 'not probed.' }))
$report.Add('')
$report.Add('Dependency weight (a net8.0 app referencing only that SDK, `dotnet publish`, framework-dependent; the app''s own DLL left out):')
$report.Add('')
$report.Add('| SDK | DLLs | total size | NuGet packages (transitive) |')
$report.Add('|---|---:|---:|---|')
foreach ($name in 'Aws', 'Minio') {
    $d = $deps[$name]
    $report.Add("| $(if ($name -eq 'Aws') { 'AWSSDK.S3 4.1.0' } else { 'Minio 7.0.0' }) | $($d.Count) | $(MiB $d.Bytes) MiB ($([Math]::Round($d.Bytes / 1KB)) KiB) | $($d.Packages -join ', ') |")
}
$report.Add('')
foreach ($name in 'Aws', 'Minio') { $report.Add("- $name DLLs: $($deps[$name].Dlls -join ', ')") }
$report.Add("- Size ratio Minio / AWSSDK: $(Ratio $deps.Minio.Bytes $deps.Aws.Bytes); DLL count $($deps.Minio.Count) vs $($deps.Aws.Count).")
if ($failed) {
    $report.Add('')
    foreach ($r in @($all | Where-Object error)) { $report.Add("- FAILED $($r.sdk): $($r.error)") }
}

$text = $report -join "`n"
$text
if ($OutFile) { Set-Content -LiteralPath $OutFile -Value $text -Encoding utf8NoBOM }
exit ($failed ? 1 : 0)
