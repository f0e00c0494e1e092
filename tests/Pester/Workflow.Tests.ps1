# The workflow of the issue, step by step, through the built module: back up with files, verify, list, dry-run a
# restore, restore for real after the database changed, restore the files, prune old backups.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'workflow'
    Copy-Chinook (Join-Path $ws 'app.db') | Out-Null
    Set-Content -LiteralPath (Join-Path $ws 'config.toml') -Value 'version = 1'
    New-Item -ItemType Directory -Path (Join-Path $ws 'uploads/img') | Out-Null
    Set-Content -LiteralPath (Join-Path $ws 'uploads/readme.txt') -Value 'uploaded by a user'
    [IO.File]::WriteAllBytes((Join-Path $ws 'uploads/img/logo.bin'), [byte[]](0..255))
    $script:originalGenres = Get-RowCount (Join-Path $ws 'app.db') 'Genre'
    $script:originalTracks = Get-RowCount (Join-Path $ws 'app.db') 'Track'
    Push-Location -LiteralPath $ws
}

AfterAll {
    Pop-Location
    Remove-TestWorkspace $ws
}

Describe 'The backup workflow of the issue' {
    It 'New-DbBackup -Database ./app.db -Destination ./backups -IncludePath ./config.toml, ./uploads -Description makes a Full backup' {
        $script:first = New-DbBackup -Database ./app.db -Destination ./backups -IncludePath ./config.toml, ./uploads -Description 'before upgrade'

        $first | Should -BeOfType BackupPS.DbBackup
        $first.Type | Should -Be 'Full'
        $first.Database | Should -Be 'app'
        $first.Description | Should -Be 'before upgrade'
        $first.Destination | Should -Be (Join-Path $ws 'backups')
        $first.SourcePath | Should -Be (Join-Path $ws 'app.db')
        $first.FileCount | Should -Be 3
        $first.TableRowCounts['Track'] | Should -Be $originalTracks
        $first.Path | Should -Exist
        "$($first.Path).json" | Should -Exist
    }

    It '$b | Test-DbBackup passes and lists every check' {
        $result = $first | Test-DbBackup

        $result | Should -BeOfType BackupPS.DbBackupTestResult
        $result.Passed | Should -BeTrue
        $result.FailureReason | Should -BeNullOrEmpty
        $result.Id | Should -Be $first.Id
        $result.Checks.Name | Should -Be @('FileChecksum', 'Archive', 'EntryChecksums', 'IntegrityCheck', 'RowCounts')
        $result.Checks | Where-Object Outcome -ne 'Passed' | Should -BeNullOrEmpty
    }

    It 'Get-DbBackup lists the backups newest first' {
        Start-Sleep -Milliseconds 20 # distinct creation times (milliseconds are recorded)
        $script:second = New-DbBackup -Database ./app.db -Destination ./backups

        $list = @(Get-DbBackup ./backups)

        $list.Count | Should -Be 2
        $list[0].Id | Should -Be $second.Id
        $list[1].Id | Should -Be $first.Id
        $list[0].CreatedUtc | Should -BeGreaterThan $list[1].CreatedUtc
        $list[1].LastVerified | Should -Not -BeNullOrEmpty -Because 'Test-DbBackup recorded its verification'
        $list[1].LastVerificationPassed | Should -BeTrue
    }

    It 'Get-DbBackup -Latest | Restore-DbBackup -Target -WhatIf changes nothing' {
        $hashBefore = Get-Sha256 ./app.db
        $folderBefore = Get-FolderListing (Join-Path $ws 'backups')

        $output = Get-DbBackup ./backups -Latest | Restore-DbBackup -Target ./app.db -WhatIf

        $output | Should -BeNullOrEmpty
        Get-Sha256 ./app.db | Should -Be $hashBefore
        Get-FolderListing (Join-Path $ws 'backups') | Should -Be $folderBefore -Because 'no safety backup is taken by a dry run'
    }

    It 'a real restore brings back the old content after the database changed' {
        Invoke-Sqlite ./app.db "INSERT INTO Genre (Name) VALUES ('Vaporwave'), ('Chiptune'); DELETE FROM PlaylistTrack WHERE PlaylistId = 1;" | Out-Null
        Get-RowCount ./app.db 'Genre' | Should -Be ($originalGenres + 2)

        $result = Get-DbBackup ./backups -Latest | Restore-DbBackup -Target ./app.db -Confirm:$false

        $result | Should -BeOfType BackupPS.DbRestoreResult
        $result.BackupId | Should -Be $second.Id
        $result.IntegrityCheck | Should -Be 'ok'
        Get-RowCount ./app.db 'Genre' | Should -Be $originalGenres
        Get-RowCount ./app.db 'Track' | Should -Be $originalTracks
        Invoke-Sqlite ./app.db "SELECT count(*) FROM Genre WHERE Name = 'Vaporwave';" | Should -Be '0'
        Invoke-Sqlite ./app.db 'PRAGMA integrity_check;' | Should -Be 'ok'
        $result.SafetyBackup.Type | Should -Be 'PreRestore'
        $result.SafetyBackup.TableRowCounts['Genre'] | Should -Be ($originalGenres + 2) -Because 'the safety backup holds the state just before the restore'
    }

    It 'restoring the Full backup puts the files back in their original places' {
        Set-Content -LiteralPath ./config.toml -Value 'version = 2'
        Remove-Item -LiteralPath ./uploads/readme.txt
        [IO.File]::WriteAllBytes((Join-Path $ws 'uploads/img/logo.bin'), [byte[]](1, 2, 3))

        $result = $first | Restore-DbBackup -Confirm:$false

        $result.FilesRestored | Should -Be 3
        Get-Content -LiteralPath ./config.toml | Should -Be 'version = 1'
        Get-Content -LiteralPath ./uploads/readme.txt | Should -Be 'uploaded by a user'
        [IO.File]::ReadAllBytes((Join-Path $ws 'uploads/img/logo.bin')) | Should -Be ([byte[]](0..255))
        Get-RowCount ./app.db 'Genre' | Should -Be $originalGenres
    }

    It 'Get-DbBackup | Select-Object -Skip 2 | Remove-DbBackup -Confirm:$false prunes all but the two newest' {
        $all = @(Get-DbBackup ./backups)
        $all.Count | Should -Be 4 -Because 'two backups and the two PreRestore safety backups of the restores'

        Get-DbBackup ./backups | Select-Object -Skip 2 | Remove-DbBackup -Confirm:$false

        $left = @(Get-DbBackup ./backups)
        $left.Id | Should -Be @($all[0].Id, $all[1].Id)
        foreach ($gone in $all | Select-Object -Skip 2) {
            $gone.Path | Should -Not -Exist
            "$($gone.Path).json" | Should -Not -Exist
        }
        @(Get-ChildItem -LiteralPath (Join-Path $ws 'backups') -Force | Where-Object Name -ne 'audit.jsonl').Count | Should -Be 4 -Because 'two backups with their sidecars, nothing else (but the audit log)'
    }
}
