# Shared by the core Pester tests (dot-source it in BeforeAll): loads the module under test and makes real SQLite
# databases, files and folders in a private workspace. Nothing here is mocked: sqlite3, tar, zstd, sha256sum, stat.
Set-StrictMode -Version Latest

# The module under test: the fresh copy build/Invoke-PesterTests.ps1 made, else the repository's build output.
function Import-BackupPSUnderTest {
    $modulePath = if ($env:BACKUPPS_MODULE_PATH) { $env:BACKUPPS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/BackupPS' }
    $manifest = Join-Path $modulePath 'BackupPS.psd1'
    if (-not (Test-Path -LiteralPath $manifest)) { throw "No built module at '$modulePath': run 'dotnet pwsh ./build.ps1 Build' first." }
    Import-Module $manifest -ErrorAction Stop
}

# The sample database (read-only, shared): the repository sits beside shared/ locally and in CI.
function Get-ChinookPath {
    $path = Join-Path $PSScriptRoot '../../../shared/data/Chinook_Sqlite.sqlite'
    if (-not (Test-Path -LiteralPath $path)) { throw "The sample database is missing: $path" }
    (Resolve-Path -LiteralPath $path).ProviderPath
}

# A private folder for one test file; remove it with Remove-TestWorkspace in AfterAll.
function New-TestWorkspace([string] $Name = 'core') {
    $path = Join-Path ([IO.Path]::GetTempPath()) "backupps-$Name-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Path $path | Out-Null
    $path
}

function Remove-TestWorkspace([string] $Path) {
    if ($Path -and (Test-Path -LiteralPath $Path)) {
        # Restore permissions a test may have taken away, so the cleanup itself cannot fail.
        & chmod -R u+rwx $Path 2>$null
        Remove-Item -LiteralPath $Path -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# Runs a native tool (first argument) with the other arguments as given (a simple function, so '-c' or '-xf' reach
# the tool); throws on a non-zero exit code; returns its standard output lines.
function Invoke-Native {
    $file, $arguments = $args
    $arguments = @($arguments | Where-Object { $null -ne $_ })
    $stderr = [IO.Path]::GetTempFileName()
    try {
        $output = & $file @arguments 2>$stderr
        if ($LASTEXITCODE -ne 0) { throw "$file $($arguments -join ' ') failed ($LASTEXITCODE): $($output -join "`n") $(Get-Content -Raw -LiteralPath $stderr)" }
    }
    finally { Remove-Item -LiteralPath $stderr -Force -ErrorAction Ignore }
    $output | ForEach-Object { "$_" }
}

function Invoke-Sqlite([string] $Database, [string] $Sql) {
    Invoke-Native sqlite3 $Database $Sql
}

# A writable copy of the Chinook sample (11 tables, ~15k rows).
function Copy-Chinook([string] $Path) {
    $folder = Split-Path -Parent $Path
    if ($folder) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
    Copy-Item -LiteralPath (Get-ChinookPath) -Destination $Path -Force
    Invoke-Native chmod 0644 $Path | Out-Null
    $Path
}

# A small database built with SQL: table items with $Rows rows.
function New-SmallDatabase([string] $Path, [int] $Rows = 3) {
    $folder = Split-Path -Parent $Path
    if ($folder) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
    $values = (1..$Rows | ForEach-Object { "($_, 'item $_')" }) -join ', '
    Invoke-Sqlite $Path "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO items VALUES $values;" | Out-Null
    $Path
}

function Get-RowCount([string] $Database, [string] $Table) {
    [int](Invoke-Sqlite $Database "SELECT count(*) FROM `"$Table`";")
}

function Get-Sha256([string] $Path) {
    (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant()
}

# The octal permission bits of a file or folder, as stat prints them (e.g. '600').
function Get-Mode([string] $Path) {
    Invoke-Native stat -c '%a' $Path
}

# Seconds since the epoch of the last modification, as stat prints them.
function Get-MTime([string] $Path) {
    [long](Invoke-Native stat -c '%Y' $Path)
}

# Everything in a folder (hidden files too), relative names, sorted; empty if the folder is missing.
function Get-FolderListing([string] $Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return @() }
    @(Get-ChildItem -LiteralPath $Path -Recurse -Force | ForEach-Object { $_.FullName.Substring($Path.Length) } | Sort-Object)
}

# The ErrorRecord a script block throws, or $null. It runs with $ErrorActionPreference = 'Continue' (the PowerShell
# default), so only a terminating error is caught: add -ErrorAction Stop inside for a non-terminating one.
function Get-ThrownError([scriptblock] $Script) {
    $ErrorActionPreference = 'Continue'
    try {
        & $Script | Out-Null
        $null
    }
    catch {
        $_
    }
}

function Test-IsRoot {
    (Invoke-Native id -u) -eq '0'
}
