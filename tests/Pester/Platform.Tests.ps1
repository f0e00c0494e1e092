# The SQLite native library: shipped for every platform pwsh 7 runs on that SQLitePCLRaw provides, and a platform
# without one is refused at import with one sentence naming it (not a type-initializer exception at the first call).
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    . $PSScriptRoot/RobustHelpers.ps1
    $script:ws = New-TestWorkspace 'platform'
    $script:modulePath = if ($env:BACKUPPS_MODULE_PATH) { $env:BACKUPPS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/BackupPS' }
}

AfterAll { Remove-TestWorkspace $ws }

Describe 'SQLite native libraries' {
    It 'ships the native library for <_>' -ForEach @('linux-x64', 'linux-arm64', 'linux-arm', 'linux-musl-x64', 'linux-musl-arm64', 'osx-x64', 'osx-arm64', 'win-x64', 'win-arm64', 'win-x86') {
        $native = Join-Path $modulePath "dependencies/runtimes/$_/native"
        @(Get-ChildItem -LiteralPath $native -File | Where-Object Name -Match 'e_sqlite3').Count | Should -Be 1
    }

    It 'refuses to import on a platform it ships no native library for, naming the platform' {
        $copy = Join-Path $ws 'BackupPS'
        Copy-Item -LiteralPath $modulePath -Destination $copy -Recurse
        Remove-Item -LiteralPath (Join-Path $copy 'dependencies/runtimes/linux-x64') -Recurse -Force
        $script = Join-Path $ws 'import.ps1'
        Set-Content -LiteralPath $script -Value "try { Import-Module '$copy/BackupPS.psd1' -ErrorAction Stop; 'IMPORTED' } catch { 'ERROR: ' + `$_.Exception.Message }; if (Get-Module BackupPS) { 'LOADED' }"
        $run = Invoke-PwshChild -ScriptPath $script -LogPrefix (Join-Path $ws 'import')
        $text = $run.Out + $run.Err
        $text | Should -Match 'ERROR: BackupPS does not support this platform \(linux-x64'
        $text | Should -Match 'ships no SQLite native library'
        $text | Should -Not -Match 'IMPORTED|LOADED|type initializer'
    }
}

Describe 'The module manifest' {
    BeforeAll { $script:manifest = Join-Path $modulePath 'BackupPS.psd1' }

    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $manifest -ErrorAction Stop } | Should -Not -Throw
    }

    It 'says what the module does, carries no placeholder URL, and tags its platforms and edition' {
        $data = Import-PowerShellDataFile $manifest
        $data.Description | Should -Match 'SQLite'
        $data.Description | Should -Match 'PostgreSQL'
        $data.Description | Should -Match 'S3'
        (Get-Content -Raw $manifest) | Should -Not -Match 'example\.(invalid|com|org)'
        $data.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        foreach ($tag in 'Linux', 'MacOS', 'Windows') { $data.PrivateData.PSData.Tags | Should -Contain $tag }
        $data.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'ships the LICENSE its copyright line names' {
        $license = Join-Path $modulePath 'LICENSE'
        Test-Path -LiteralPath $license | Should -BeTrue
        (Get-Content -Raw $license) | Should -Match '^MIT License'
        (Import-PowerShellDataFile $manifest).Copyright | Should -Match 'MIT'
    }
}
