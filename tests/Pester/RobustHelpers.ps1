# Shared helpers for Robustness/Concurrency/Isolation.Tests.ps1: dot-sourced in their BeforeAll.
# Everything here drives real processes (pwsh, sqlite3, bash) and real files; nothing is mocked.

function Get-BackupPSModulePath {
    if ($env:BACKUPPS_MODULE_PATH) { return (Resolve-Path $env:BACKUPPS_MODULE_PATH).ProviderPath }
    (Resolve-Path (Join-Path $PSScriptRoot '../../out/BackupPS')).ProviderPath
}

function Import-BackupPSUnderTest {
    Import-Module (Join-Path (Get-BackupPSModulePath) 'BackupPS.psd1') -Force -ErrorAction Stop
}

# How to start another pwsh like this one. Under `dotnet pwsh` (local tool) the process is dotnet itself, so the
# child is `dotnet <PSHOME>/pwsh.dll ...`, which works from any working directory (no tool manifest needed).
function Get-PwshCommandLine {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        $dll = Join-Path $PSHOME 'pwsh.dll'
        if (-not (Test-Path $dll)) { throw "Running under dotnet but '$dll' is missing." }
        return , @($exe, $dll)
    }
    , @($exe)
}

# Starts FilePath with its stdout/stderr sent to files. bash execs the program, so the returned process IS it
# (a kill -9 of its id hits the program, not a wrapper shell).
function Start-ChildProcess {
    param(
        [Parameter(Mandatory)][string] $FilePath,
        [string[]] $ArgumentList = @(),
        [Parameter(Mandatory)][string] $StdOut,
        [Parameter(Mandatory)][string] $StdErr,
        [string] $StdIn = '/dev/null',
        [string] $WorkingDirectory = [IO.Path]::GetTempPath()
    )
    $psi = [System.Diagnostics.ProcessStartInfo]::new('/bin/bash')
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.ArgumentList.Add('-c')
    $psi.ArgumentList.Add('exec "$0" "$@" <"$CHILD_IN" >"$CHILD_OUT" 2>"$CHILD_ERR"')
    $psi.ArgumentList.Add($FilePath)
    foreach ($a in $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.Environment['CHILD_IN'] = $StdIn
    $psi.Environment['CHILD_OUT'] = $StdOut
    $psi.Environment['CHILD_ERR'] = $StdErr
    [System.Diagnostics.Process]::Start($psi)
}

# Runs a script file in a fresh pwsh (no profile), returning the started process.
function Start-PwshChild {
    param(
        [Parameter(Mandatory)][string] $ScriptPath,
        [string[]] $ArgumentList = @(),
        [Parameter(Mandatory)][string] $LogPrefix
    )
    $cmd = Get-PwshCommandLine
    $rest = @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $ScriptPath) + $ArgumentList
    Start-ChildProcess -FilePath $cmd[0] -ArgumentList $rest -StdOut "$LogPrefix.out" -StdErr "$LogPrefix.err"
}

# Runs a script file in a fresh pwsh and waits (bounded) for it; returns @{ ExitCode; Out; Err }.
function Invoke-PwshChild {
    param(
        [Parameter(Mandatory)][string] $ScriptPath,
        [string[]] $ArgumentList = @(),
        [Parameter(Mandatory)][string] $LogPrefix,
        [int] $TimeoutSec = 120
    )
    $p = Start-PwshChild -ScriptPath $ScriptPath -ArgumentList $ArgumentList -LogPrefix $LogPrefix
    Wait-ChildProcess $p -TimeoutSec $TimeoutSec
    [pscustomobject]@{
        ExitCode = $p.ExitCode
        Out      = (Get-Content -Raw "$LogPrefix.out" -ErrorAction Ignore) ?? ''
        Err      = (Get-Content -Raw "$LogPrefix.err" -ErrorAction Ignore) ?? ''
    }
}

function Wait-ChildProcess {
    param([Parameter(Mandatory)][System.Diagnostics.Process] $Process, [int] $TimeoutSec = 60)
    if (-not $Process.WaitForExit($TimeoutSec * 1000)) {
        Stop-ChildProcess $Process
        throw "Process $($Process.Id) did not finish within $TimeoutSec s; it was killed."
    }
    $Process.WaitForExit() # also drains the exit code
}

# SIGKILL: no chance to clean up, like a power cut for the process.
function Stop-ChildProcess {
    param([System.Diagnostics.Process] $Process)
    if ($null -eq $Process) { return }
    try {
        if (-not $Process.HasExited) {
            $Process.Kill() # SIGKILL on Unix
            $null = $Process.WaitForExit(30000)
        }
    } catch { }
}

# Polls a condition a bounded number of times; throws with Because if it never holds.
function Wait-Until {
    param([Parameter(Mandatory)][scriptblock] $Condition, [int] $TimeoutSec = 60, [int] $IntervalMs = 25, [string] $Because = 'condition')
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds $IntervalMs
    }
    throw "Timed out after $TimeoutSec s waiting for: $Because"
}

# sqlite3 CLI (the system one: a different SQLite build from the module's, in another process).
function Invoke-Sqlite3 {
    param([Parameter(Mandatory)][string] $Database, [Parameter(Mandatory)][string[]] $Sql)
    $out = & sqlite3 -batch -bail $Database @Sql 2>&1
    if ($LASTEXITCODE -ne 0) { throw "sqlite3 $Database failed ($LASTEXITCODE): $($out -join "`n")" }
    $out
}

function Get-IntegrityCheck {
    param([Parameter(Mandatory)][string] $Database)
    (Invoke-Sqlite3 $Database 'PRAGMA integrity_check;') -join '; '
}

# A database of about SizeMB: table blobs (half random, half zero bytes: compresses about 2:1), an empty
# counter table, and meta(tag) to tell one database's content from another's.
function New-TestDatabase {
    param(
        [Parameter(Mandatory)][string] $Path,
        [int] $SizeMB = 20,
        [ValidateSet('wal', 'delete')][string] $JournalMode = 'delete',
        [string] $Tag = 'test'
    )
    $rows = [Math]::Max(1, $SizeMB * 250)
    Remove-Item "$Path", "$Path-wal", "$Path-shm", "$Path-journal" -Force -ErrorAction Ignore
    $null = Invoke-Sqlite3 $Path @(
        'PRAGMA page_size = 4096;',
        "PRAGMA journal_mode = $JournalMode;",
        'CREATE TABLE blobs(id INTEGER PRIMARY KEY, data BLOB NOT NULL);',
        'CREATE TABLE counter(id INTEGER PRIMARY KEY, v INTEGER NOT NULL);',
        'CREATE TABLE meta(tag TEXT NOT NULL, last INTEGER NOT NULL);',
        "INSERT INTO meta VALUES ('$Tag', 0);",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $rows) INSERT INTO blobs(data) SELECT randomblob(2000) || zeroblob(2000) FROM c;")
    [pscustomobject]@{ Path = $Path; Rows = $rows; Tag = $Tag }
}

function Get-Sha256 {
    param([Parameter(Mandatory)][string] $Path)
    (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash
}

# A long-lived sqlite3 CLI connection fed through a FIFO: statements sent later run on the same open connection.
# Query results go through `.once <file>` so each arrives complete in its own file.
function Start-SqliteSession {
    param([Parameter(Mandatory)][string] $Database, [Parameter(Mandatory)][string] $WorkDir)
    $null = New-Item -ItemType Directory -Force $WorkDir
    $fifo = Join-Path $WorkDir 'in.fifo'
    & mkfifo $fifo
    if ($LASTEXITCODE -ne 0) { throw "mkfifo $fifo failed" }
    $process = Start-ChildProcess -FilePath (Get-Command sqlite3).Source -ArgumentList @('-batch', $Database) `
        -StdIn $fifo -StdOut (Join-Path $WorkDir 'out.txt') -StdErr (Join-Path $WorkDir 'err.txt')
    # O_RDWR on a FIFO never blocks on Linux, so a child that failed to start cannot hang us here.
    $stream = [IO.FileStream]::new($fifo, [IO.FileMode]::Open, [IO.FileAccess]::ReadWrite, [IO.FileShare]::ReadWrite, 1)
    $writer = [IO.StreamWriter]::new($stream, [Text.UTF8Encoding]::new($false))
    $writer.AutoFlush = $true
    [pscustomobject]@{ Process = $process; Writer = $writer; WorkDir = $WorkDir; Queries = 0 }
}

function Send-SqliteSession {
    param([Parameter(Mandatory)] $Session, [Parameter(Mandatory)][string] $Sql)
    $Session.Writer.WriteLine($Sql)
}

# Runs one SELECT on the session's connection and returns its output; the select must end its last column with 'END'.
function Invoke-SqliteSession {
    param([Parameter(Mandatory)] $Session, [Parameter(Mandatory)][string] $Select, [int] $TimeoutSec = 30)
    $Session.Queries++
    $file = Join-Path $Session.WorkDir "q$($Session.Queries).txt"
    $Session.Writer.WriteLine(".once $file")
    $Session.Writer.WriteLine($Select)
    try {
        Wait-Until -TimeoutSec $TimeoutSec -Because "the sqlite3 session to answer '$Select'" -Condition {
            if ($Session.Process.HasExited) { throw "The sqlite3 session exited: $(Get-Content -Raw (Join-Path $Session.WorkDir 'err.txt'))" }
            (Test-Path $file) -and ((Get-Content -Raw $file) -match 'END\s*$')
        }
    } catch {
        throw "$_ (stderr: $(Get-Content -Raw (Join-Path $Session.WorkDir 'err.txt') -ErrorAction Ignore))"
    }
    (Get-Content -Raw $file).Trim() -replace '\|?END$', ''
}

function Get-SqliteSessionErrors {
    param([Parameter(Mandatory)] $Session)
    (Get-Content -Raw (Join-Path $Session.WorkDir 'err.txt') -ErrorAction Ignore) ?? ''
}

function Stop-SqliteSession {
    param($Session)
    if ($null -eq $Session) { return }
    try { $Session.Writer.WriteLine('.quit') } catch { }
    try { $Session.Writer.Dispose() } catch { }
    if (-not $Session.Process.WaitForExit(10000)) { Stop-ChildProcess $Session.Process }
}
