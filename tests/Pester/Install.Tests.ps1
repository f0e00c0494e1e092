# The install path an admin takes: the built module packed as a .nupkg (build/New-ModulePackage.ps1, the same script
# as `build.ps1 Package`), published to a local repository folder, installed by name with PSResourceGet into a clean
# user scope, then used by name in a fresh pwsh with module auto-loading (no Import-Module): a backup and a restore,
# the restored database checked with sqlite3.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    . $PSScriptRoot/RobustHelpers.ps1
    $script:ws = New-TestWorkspace 'install'
    $script:modulePath = if ($env:BACKUPPS_MODULE_PATH) { $env:BACKUPPS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/BackupPS' }
    $script:version = (Import-PowerShellDataFile (Join-Path $modulePath 'BackupPS.psd1')).ModuleVersion
    # A clean scope: HOME decides the CurrentUser module folder and PSResourceGet's repository settings.
    $script:cleanHome = Join-Path $ws 'home'
    New-Item -ItemType Directory -Path $cleanHome | Out-Null
    $script:packer = Join-Path $PSScriptRoot '../../build/New-ModulePackage.ps1'

    function Invoke-InCleanHome([string] $Name, [string] $Script) {
        $path = Join-Path $ws "$Name.ps1"
        Set-Content -LiteralPath $path -Value "`$ErrorActionPreference = 'Stop'`n$Script"
        $saved = $env:HOME, $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:XDG_CACHE_HOME, $env:PSModulePath
        try {
            $env:HOME = $cleanHome; $env:XDG_DATA_HOME = $null; $env:XDG_CONFIG_HOME = $null; $env:XDG_CACHE_HOME = $null; $env:PSModulePath = $null
            Invoke-PwshChild -ScriptPath $path -LogPrefix (Join-Path $ws $Name) -TimeoutSec 300
        }
        finally { $env:HOME, $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:XDG_CACHE_HOME, $env:PSModulePath = $saved }
    }
}

AfterAll { Remove-TestWorkspace $ws }

Describe 'Installing BackupPS with PSResourceGet' {
    It 'packs, publishes to a local repository, installs by name into a clean scope' {
        $repo = Join-Path $ws 'repo'
        $run = Invoke-InCleanHome 'install' @"
& '$packer' -ModulePath '$modulePath' -OutputPath '$repo' | Out-Null
Register-PSResourceRepository -Name LocalBackupPS -Uri '$repo' -Trusted
Install-PSResource -Name BackupPS -Repository LocalBackupPS -Scope CurrentUser -Version '$version'
(Get-InstalledPSResource -Name BackupPS -Scope CurrentUser).InstalledLocation
"@
        $run.ExitCode | Should -Be 0 -Because "$($run.Out) $($run.Err)"
        Test-Path -LiteralPath (Join-Path $repo "BackupPS.$version.nupkg") | Should -BeTrue
        $run.Out | Should -Match ([regex]::Escape($cleanHome))
    }

    It 'auto-loads the installed module by name in a fresh pwsh and backs up and restores a database' {
        $db = Copy-Chinook (Join-Path $ws 'app.db')
        $before = Invoke-Sqlite $db '.dump'
        $run = Invoke-InCleanHome 'use' @"
`$b = New-DbBackup -Database '$db' -Destination '$ws/backups'
'MODULE=' + (Get-Module BackupPS).ModuleBase
sqlite3 '$db' 'DELETE FROM Track;'
Get-DbBackup '$ws/backups' -Latest | Restore-DbBackup -Target '$db' -Confirm:`$false | Out-Null
'RESTORED'
"@
        $run.ExitCode | Should -Be 0 -Because "$($run.Out) $($run.Err)"
        $run.Out | Should -Match "MODULE=$([regex]::Escape((Join-Path $cleanHome '.local/share/powershell/Modules/BackupPS')))"
        $run.Out | Should -Match 'RESTORED'
        Invoke-Sqlite $db '.dump' | Should -Be $before
    }

    It 'schedules a job that imports the installed module by name, pinned to its version, and runs it like cron' {
        $db = Copy-Chinook (Join-Path $ws 'scheduled.db')
        $run = Invoke-InCleanHome 'schedule' @"
`$s = Register-DbBackupSchedule -Name installed -At 03:00 -Scheduler Cron -Command "New-DbBackup -Database '$db' -Destination '$ws/scheduled'" -LogPath '$ws/scheduled.log' -WarningVariable w -WarningAction SilentlyContinue
try {
    'IMPORT=' + `$s.ModuleImport
    'ROOT=' + `$s.ModuleRoot
    'PATHWARNINGS=' + @(`$w | Where-Object { "`$_" -match 'PSModulePath' }).Count
    & env -i "HOME=`$HOME" 'PATH=/usr/bin:/bin' sh -c `$s.Command
    'JOBEXIT=' + `$LASTEXITCODE
}
finally { Unregister-DbBackupSchedule installed -Confirm:`$false }
"@
        $run.ExitCode | Should -Be 0 -Because "$($run.Out) $($run.Err)"
        $installed = Join-Path $cleanHome ".local/share/powershell/Modules/BackupPS/$version"
        $run.Out | Should -Match ([regex]::Escape("IMPORT=Import-Module -Name BackupPS -RequiredVersion '$version' -ErrorAction Stop"))
        $run.Out | Should -Match "ROOT=$([regex]::Escape($installed))"
        $run.Out | Should -Match 'PATHWARNINGS=0' -Because 'the installed module is on PSModulePath'
        $run.Out | Should -Match 'JOBEXIT=0' -Because (Get-Content -Raw -LiteralPath "$ws/scheduled.log" -ErrorAction Ignore)
        $log = Get-Content -Raw -LiteralPath "$ws/scheduled.log"
        $log | Should -Match "imported BackupPS $([regex]::Escape($version)) from $([regex]::Escape($installed))"
        $log | Should -Match 'finished: success'
        $archives = @(Get-ChildItem -LiteralPath "$ws/scheduled" -Filter *.tar.zst)
        $archives.Count | Should -Be 1
        & tar --zstd -tf $archives[0].FullName | Should -Contain 'database/scheduled.db'
    }
}
