#Requires -Version 7.4
# Dependency isolation of the BUILT module: BackupPS keeps its Microsoft.Data.Sqlite / SQLitePCLRaw / e_sqlite3 in its
# own AssemblyLoadContext, so a session that already uses other versions of them (another module, a script's
# Add-Type) can import BackupPS, and both keep working side by side. The other versions come from NuGet through
# build/tools.csproj (PackageDownload) and are loaded in fresh pwsh processes.

BeforeAll {
    . (Join-Path $PSScriptRoot 'RobustHelpers.ps1')
    Import-BackupPSUnderTest
    $script:ModulePath = Get-BackupPSModulePath
    $script:Root = Join-Path $TestDrive 'isolation'
    $null = New-Item -ItemType Directory -Force $script:Root

    # The other versions: older Microsoft.Data.Sqlite and SQLitePCLRaw (with its own e_sqlite3 native library).
    $otherVersions = @{ MicrosoftDataSqlite = '8.0.30'; SqlitePclRaw = '2.1.11' }
    $nuget = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    $rid, $nativeName = if ($IsMacOS) { "osx-$arch", 'libe_sqlite3.dylib' } elseif ($IsWindows) { "win-$arch", 'e_sqlite3.dll' } else { "linux-$arch", 'libe_sqlite3.so' }
    $sources = @(
        "microsoft.data.sqlite.core/$($otherVersions.MicrosoftDataSqlite)/lib/net8.0/Microsoft.Data.Sqlite.dll"
        "sqlitepclraw.core/$($otherVersions.SqlitePclRaw)/lib/netstandard2.0/SQLitePCLRaw.core.dll"
        "sqlitepclraw.provider.e_sqlite3/$($otherVersions.SqlitePclRaw)/lib/net6.0/SQLitePCLRaw.provider.e_sqlite3.dll"
        "sqlitepclraw.lib.e_sqlite3/$($otherVersions.SqlitePclRaw)/runtimes/$rid/native/$nativeName"
    ) | ForEach-Object { Join-Path $nuget $_ }
    if (@($sources | Where-Object { -not (Test-Path $_) }).Count -gt 0) {
        $out = & dotnet restore (Join-Path $PSScriptRoot '../../build/tools.csproj') --nologo -v q 2>&1
        if ($LASTEXITCODE -ne 0) { throw "dotnet restore build/tools.csproj failed: $out" }
    }
    $missing = @($sources | Where-Object { -not (Test-Path $_) })
    if ($missing) { throw "Other SQLite versions for the isolation test are missing after restoring build/tools.csproj: $($missing -join ', ')" }
    # One folder: the native library beside the provider assembly, where DllImport probes in the default context.
    $script:OtherDir = Join-Path $script:Root 'other-sqlite'
    $null = New-Item -ItemType Directory -Force $script:OtherDir
    Copy-Item $sources $script:OtherDir

    $script:Database = Join-Path $script:Root 'app.db'
    $null = New-TestDatabase -Path $script:Database -SizeMB 2 -Tag isolation

    $script:ChildScript = Join-Path $script:Root 'side-by-side.ps1'
    Set-Content -LiteralPath $script:ChildScript -Value @'
param([string] $ModulePath, [string] $OtherDir, [string] $Database, [string] $WorkDir, [string] $Order)
$ErrorActionPreference = 'Stop'
function Open-Other {
    Add-Type -Path (Join-Path $OtherDir 'SQLitePCLRaw.core.dll'), (Join-Path $OtherDir 'SQLitePCLRaw.provider.e_sqlite3.dll'), (Join-Path $OtherDir 'Microsoft.Data.Sqlite.dll')
    [SQLitePCL.raw]::SetProvider([SQLitePCL.SQLite3Provider_e_sqlite3]::new())
    $c = [Microsoft.Data.Sqlite.SqliteConnection]::new('Data Source=:memory:')
    $c.Open()
    $c
}
function Get-Scalar($Connection, [string] $Sql) {
    $cmd = $Connection.CreateCommand(); $cmd.CommandText = $Sql; $cmd.ExecuteScalar()
}
if ($Order -eq 'OtherFirst') { $other = Open-Other; $null = Get-Scalar $other 'SELECT sqlite_version()' }
Import-Module (Join-Path $ModulePath 'BackupPS.psd1')
$backup = New-DbBackup -Database $Database -Destination (Join-Path $WorkDir 'backups')
$test = Test-DbBackup -InputObject $backup
$restoredPath = Join-Path $WorkDir 'restored.db'
$restore = Restore-DbBackup -InputObject $backup -Target $restoredPath -Confirm:$false
if ($Order -eq 'ModuleFirst') { $other = Open-Other }
# The other Microsoft.Data.Sqlite reads what BackupPS restored, in the same process.
$check = [Microsoft.Data.Sqlite.SqliteConnection]::new("Data Source=$restoredPath;Mode=ReadOnly;Pooling=False")
$check.Open()
$restoredRows = Get-Scalar $check 'SELECT count(*) FROM blobs'
$restoredTag = Get-Scalar $check 'SELECT tag FROM meta'
$check.Dispose()
$names = 'BackupPS', 'BackupPS.Engine', 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3'
[ordered]@{
    Passed              = $test.Passed
    FailureReason       = $test.FailureReason
    RestoreCheck        = $restore.IntegrityCheck
    RestoredRows        = $restoredRows
    RestoredTag         = $restoredTag
    ExpectedRows        = $backup.TableRowCounts['blobs']
    OtherSqliteVersion  = Get-Scalar $other 'SELECT sqlite_version()'
    ModuleSqliteVersion = (Get-Content -Raw "$($backup.Path).json" | ConvertFrom-Json).manifest.sqlite.sqliteVersion
    Assemblies          = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in $names } | ForEach-Object {
            [ordered]@{
                Name     = $_.GetName().Name
                Version  = $_.GetName().Version.ToString()
                Context  = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
                Location = $_.Location
            }
        })
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath (Join-Path $WorkDir 'result.json')
$other.Dispose()
'@
}

Describe 'BackupPS beside other versions of its dependencies (<Order>)' -ForEach @(
    @{ Order = 'OtherFirst' }   # another module/script loaded its SQLite first, then BackupPS is imported
    @{ Order = 'ModuleFirst' }  # BackupPS first, then the other versions arrive
) {
    BeforeAll {
        $work = Join-Path $script:Root $Order
        $null = New-Item -ItemType Directory -Force $work
        $run = Invoke-PwshChild -ScriptPath $script:ChildScript -ArgumentList @($script:ModulePath, $script:OtherDir, $script:Database, $work, $Order) `
            -LogPrefix (Join-Path $work 'child') -TimeoutSec 180
        $resultFile = Join-Path $work 'result.json'
        $result = if (Test-Path $resultFile) { Get-Content -Raw $resultFile | ConvertFrom-Json } else { $null }
        $dependencies = Join-Path $script:ModulePath 'dependencies'
    }

    It 'runs New-DbBackup, Test-DbBackup and Restore-DbBackup without errors' {
        $run.Err | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $result | Should -Not -BeNullOrEmpty
        $result.Passed | Should -BeTrue -Because $result.FailureReason
        $result.RestoreCheck | Should -Be 'ok'
    }

    It 'the other Microsoft.Data.Sqlite works too and reads the restored database' {
        $result.RestoredTag | Should -Be 'isolation'
        $result.RestoredRows | Should -Be $result.ExpectedRows
        $result.OtherSqliteVersion | Should -Match '^3\.\d+\.\d+$'
        $result.ModuleSqliteVersion | Should -Match '^3\.\d+\.\d+$'
        $result.OtherSqliteVersion | Should -Not -Be $result.ModuleSqliteVersion -Because 'two different e_sqlite3 native libraries are in use'
    }

    It 'has two versions of <_> loaded: the other in the default context, BackupPS''s in the BackupPS context' -ForEach @(
        'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3'
    ) {
        $loaded = @($result.Assemblies | Where-Object Name -EQ $_)
        $loaded | Should -HaveCount 2
        @($loaded.Version | Select-Object -Unique) | Should -HaveCount 2
        $ours = @($loaded | Where-Object Context -EQ 'BackupPS')
        $ours | Should -HaveCount 1
        $ours[0].Location | Should -BeLike "$dependencies*"
        $theirs = @($loaded | Where-Object Context -EQ 'Default')
        $theirs | Should -HaveCount 1
        $theirs[0].Location | Should -BeLike "$($script:OtherDir)*"
    }

    It 'loads BackupPS.Engine in the BackupPS context and BackupPS.dll in the default one' {
        $engine = @($result.Assemblies | Where-Object Name -EQ 'BackupPS.Engine')
        $engine | Should -HaveCount 1
        $engine[0].Context | Should -Be 'BackupPS'
        $root = @($result.Assemblies | Where-Object Name -EQ 'BackupPS')
        $root | Should -HaveCount 1
        $root[0].Context | Should -Be 'Default'
    }
}

Describe 'The built module''s layout and this session' {
    It 'has no third-party assembly or native library in the module root (only BackupPS.dll)' {
        $binaries = Get-ChildItem -File $script:ModulePath | Where-Object Extension -In '.dll', '.so', '.dylib'
        @($binaries.Name) | Should -Be @('BackupPS.dll')
        Test-Path (Join-Path $script:ModulePath 'dependencies/Microsoft.Data.Sqlite.dll') | Should -BeTrue
    }

    It 'loads every assembly from dependencies/ into the BackupPS load context, none into the default one' {
        $backup = New-DbBackup -Database $script:Database -Destination (Join-Path $script:Root 'in-session') -ErrorAction Stop
        (Test-DbBackup -InputObject $backup).Passed | Should -BeTrue
        $dependencies = Join-Path $script:ModulePath 'dependencies'
        $fromDependencies = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { -not $_.IsDynamic -and $_.Location -like "$dependencies*" })
        $fromDependencies.Count | Should -BeGreaterOrEqual 3 -Because 'the engine, Microsoft.Data.Sqlite and SQLitePCLRaw.core are in use'
        foreach ($asm in $fromDependencies) {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($asm).Name | Should -Be 'BackupPS' -Because $asm.Location
        }
    }
}
