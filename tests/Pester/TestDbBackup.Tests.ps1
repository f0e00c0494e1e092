# Test-DbBackup through the built module: by pipeline, by path (with and without sidecar), from Get-ChildItem,
# -Quick, the verification recorded in the sidecar, and damage reported as a failed result rather than an error.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'test'
    $script:db = Copy-Chinook (Join-Path $ws 'app.db')
    Set-Content -LiteralPath (Join-Path $ws 'settings.ini') -Value '[app]'
    $script:dest = Join-Path $ws 'backups'
    $script:b = New-DbBackup -Database $db -Destination $dest -IncludePath (Join-Path $ws 'settings.ini')
    $script:allChecks = @('FileChecksum', 'Archive', 'EntryChecksums', 'IntegrityCheck', 'RowCounts')

    # Flips one byte in the middle of a file (a copy of a backup) to damage it.
    function Invoke-FlipByte([string] $Path) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $i = [int]($bytes.Length / 2)
        $bytes[$i] = $bytes[$i] -bxor 0xFF
        [IO.File]::WriteAllBytes($Path, $bytes)
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Test-DbBackup' {
    It 'verifies a backup from the pipeline: every check passes' {
        $r = $b | Test-DbBackup -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $r.Passed | Should -BeTrue
        $r.Path | Should -Be $b.Path
        $r.Id | Should -Be $b.Id
        $r.Database | Should -Be 'app'
        $r.Created | Should -Be $b.Created
        $r.Checks.Name | Should -Be $allChecks
        $r.Checks.Outcome | Sort-Object -Unique | Should -Be 'Passed'
        ($r.Checks | Where-Object Name -eq 'IntegrityCheck').Message | Should -Match 'integrity_check: ok'
        ($r.Checks | Where-Object Name -eq 'FileChecksum').Message | Should -Match $b.Sha256
        $r.Duration | Should -BeOfType [TimeSpan]
        $r.Backup.Id | Should -Be $b.Id
    }

    It 'records the verification in the sidecar, visible in Get-DbBackup' {
        $fresh = New-DbBackup -Database $db -Destination (Join-Path $ws 'record')
        $fresh.LastVerified | Should -BeNullOrEmpty
        (Get-DbBackup (Join-Path $ws 'record')).LastVerified | Should -BeNullOrEmpty

        $r = $fresh | Test-DbBackup

        $listed = Get-DbBackup (Join-Path $ws 'record')
        $listed.LastVerified | Should -Not -BeNullOrEmpty
        $listed.LastVerified | Should -Be $r.Verified
        $listed.LastVerificationPassed | Should -BeTrue
        $sidecar = Get-Content -Raw -LiteralPath "$($fresh.Path).json" | ConvertFrom-Json
        $sidecar.lastVerificationPassed | Should -BeTrue
        $sidecar.lastVerifiedUtc | Should -Not -BeNullOrEmpty
        $sidecar.sha256 | Should -Be $fresh.Sha256 -Because 'recording the verification keeps the rest of the sidecar'
        Get-Mode "$($fresh.Path).json" | Should -Be '600'
        ($listed | Format-Table | Out-String -Width 200) | Should -Match ([regex]::Escape($r.Verified.ToString('yyyy-MM-dd HH:mm:ss')))
    }

    It 'verifies by -Path' {
        $r = Test-DbBackup -Path $b.Path
        $r.Passed | Should -BeTrue
        ($r.Checks | Where-Object Name -eq 'FileChecksum').Outcome | Should -Be 'Passed'
    }

    It 'verifies a file without a sidecar: FileChecksum is Skipped, it still passes' {
        $alone = Join-Path $ws 'alone'
        New-Item -ItemType Directory -Path $alone | Out-Null
        Copy-Item -LiteralPath $b.Path -Destination $alone
        $copy = Join-Path $alone (Split-Path -Leaf $b.Path)

        $r = Test-DbBackup -Path $copy

        $r.Passed | Should -BeTrue
        $r.Id | Should -Be $b.Id -Because 'the manifest inside the archive names the backup'
        ($r.Checks | Where-Object Name -eq 'FileChecksum').Outcome | Should -Be 'Skipped'
        $r.Checks | Where-Object Name -ne 'FileChecksum' | ForEach-Object Outcome | Sort-Object -Unique | Should -Be 'Passed'
        $r.Backup | Should -BeNullOrEmpty
        "$copy.json" | Should -Not -Exist -Because 'no sidecar is invented for an unlisted file'
    }

    It 'verifies every file from Get-ChildItem *.tar.zst (binding FullName)' {
        $second = New-DbBackup -Database $db -Destination $dest -Compression Zstd
        $files = @(Get-ChildItem -Path (Join-Path $dest '*.tar.zst'))
        $files.Count | Should -Be 2

        $results = @($files | Test-DbBackup)

        $results.Count | Should -Be 2
        $results.Path | Sort-Object | Should -Be ($files.FullName | Sort-Object)
        $results.Passed | Should -Not -Contain $false
        $results.Id | Should -Contain $second.Id
    }

    It 'runs PRAGMA quick_check with -Quick and integrity_check without' {
        $quick = $b | Test-DbBackup -Quick
        $full = $b | Test-DbBackup
        $quick.Passed | Should -BeTrue
        ($quick.Checks | Where-Object Name -eq 'IntegrityCheck').Message | Should -Match 'quick_check'
        ($full.Checks | Where-Object Name -eq 'IntegrityCheck').Message | Should -Match 'integrity_check'
        $quick.Checks.Name | Should -Be $allChecks
    }

    It 'verifies several backups from Get-DbBackup, one result each' {
        $results = @(Get-DbBackup $dest | Test-DbBackup)
        $results.Count | Should -Be @(Get-DbBackup $dest).Count
        $results.Passed | Should -Not -Contain $false
    }

    Context 'A damaged backup' {
        BeforeAll {
            $script:damagedDest = Join-Path $ws 'damaged'
            $script:victim = New-DbBackup -Database $db -Destination $damagedDest
            Invoke-FlipByte $victim.Path
        }

        It 'fails verification with a reason, without an error' {
            $r = $victim | Test-DbBackup -ErrorVariable problems
            $problems | Should -BeNullOrEmpty
            $r.Passed | Should -BeFalse
            $r.FailureReason | Should -Not -BeNullOrEmpty
            $r.Checks | Where-Object Outcome -eq 'Failed' | Should -Not -BeNullOrEmpty
            $r.FailureReason | Should -Match ([regex]::Escape((Split-Path -Leaf $victim.Path)))
        }

        It 'fails FileChecksum when the file no longer matches the sha256 in its sidecar' {
            $other = New-DbBackup -Database $db -Destination (Join-Path $ws 'sidecar-mismatch')
            $sidecarPath = "$($other.Path).json"
            $json = Get-Content -Raw -LiteralPath $sidecarPath
            $forged = $json.Replace($other.Sha256, ('0' * 64))
            $forged | Should -Not -Be $json
            [IO.File]::WriteAllText($sidecarPath, $forged)
            $r = Test-DbBackup -Path $other.Path
            $r.Passed | Should -BeFalse
            ($r.Checks | Where-Object Name -eq 'FileChecksum').Outcome | Should -Be 'Failed'
            ($r.Checks | Where-Object Name -eq 'Archive').Outcome | Should -Be 'Passed'
        }

        It 'records the failure: Get-DbBackup shows LastVerificationPassed $false' {
            $listed = Get-DbBackup $damagedDest
            $listed.LastVerified | Should -Not -BeNullOrEmpty
            $listed.LastVerificationPassed | Should -BeFalse
            ($listed | Format-Table | Out-String -Width 200) | Should -Match 'FAILED'
        }

        It 'fails a truncated file with FileChecksum failed' {
            $short = New-DbBackup -Database $db -Destination $damagedDest
            $bytes = [IO.File]::ReadAllBytes($short.Path)
            [IO.File]::WriteAllBytes($short.Path, $bytes[0..($bytes.Length - 200)])
            $r = $short | Test-DbBackup
            $r.Passed | Should -BeFalse
            ($r.Checks | Where-Object Name -eq 'FileChecksum').Outcome | Should -Be 'Failed'
        }

        It 'fails a file that is not a backup at all' {
            $junk = Join-Path $ws 'junk.tar.zst'
            Set-Content -LiteralPath $junk -Value 'not an archive'
            $r = Test-DbBackup -Path $junk
            $r.Passed | Should -BeFalse
            ($r.Checks | Where-Object Name -eq 'Archive').Outcome | Should -Be 'Failed'
        }

        It 'still passes the other backups piped along with the damaged one' {
            $healthy = New-DbBackup -Database $db -Destination (Join-Path $ws 'mix')
            $results = @($victim, $healthy | Test-DbBackup)
            $results.Count | Should -Be 2
            $results[0].Passed | Should -BeFalse
            $results[1].Passed | Should -BeTrue
        }
    }

    Context 'Errors' {
        It 'reports a missing file as BackupNotFound (ObjectNotFound), non-terminating' {
            $missing = Join-Path $ws 'missing.tar.zst'
            $results = @(Test-DbBackup -Path $missing, $b.Path -ErrorVariable problems -ErrorAction SilentlyContinue)
            $results.Count | Should -Be 1
            $results[0].Passed | Should -BeTrue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'BackupNotFound,BackupPS.Cmdlets.TestDbBackupCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'refuses a folder given as -Path' {
            $err = Get-ThrownError { Test-DbBackup -Path $dest -ErrorAction Stop }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'BackupPathIsFolder,*'
        }
    }
}
