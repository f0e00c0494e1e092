# Restore-DbBackup through the built module: in place (with the PreRestore safety backup and its undo), to a new path,
# files to -FilesTarget, the refusals that protect a target, and the result object.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'restore'
    $script:db = Copy-Chinook (Join-Path $ws 'app.db')
    $script:dest = Join-Path $ws 'backups'
    $script:genres = Get-RowCount $db 'Genre'
    $script:tracks = Get-RowCount $db 'Track'
    $script:files = Join-Path $ws 'files'
    New-Item -ItemType Directory -Path (Join-Path $files 'media/thumbs') | Out-Null
    Set-Content -LiteralPath (Join-Path $files 'app.conf') -Value 'mode=prod'
    Set-Content -LiteralPath (Join-Path $files 'media/song.txt') -Value 'la la la'
    [IO.File]::WriteAllBytes((Join-Path $files 'media/thumbs/t.bin'), [byte[]](255..0))
    Invoke-Native chmod 0600 (Join-Path $files 'app.conf') | Out-Null
    Invoke-Native chmod 0750 (Join-Path $files 'media/song.txt') | Out-Null
    Invoke-Native touch -d '2019-09-09 09:09:09 UTC' (Join-Path $files 'media/song.txt') | Out-Null
    $script:full = New-DbBackup -Database $db -Destination $dest -IncludePath (Join-Path $files 'app.conf'), (Join-Path $files 'media')
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Restore-DbBackup' {
    Context 'In place, with a safety backup' {
        BeforeAll {
            $script:inPlaceDest = Join-Path $ws 'inplace'
            $script:target = Copy-Chinook (Join-Path $ws 'inplace.db')
            $script:before = New-DbBackup -Database $target -Destination $inPlaceDest
            Invoke-Sqlite $target "INSERT INTO Genre (Name) VALUES ('Added 1'), ('Added 2'), ('Added 3');" | Out-Null
            $script:modifiedHash = Get-Sha256 $target
        }

        It '-WhatIf changes neither the target nor the backup folder' {
            $folder = Get-FolderListing $inPlaceDest
            $out = $before | Restore-DbBackup -WhatIf
            $out | Should -BeNullOrEmpty
            Get-Sha256 $target | Should -Be $modifiedHash
            Get-FolderListing $inPlaceDest | Should -Be $folder
        }

        It 'restores the backed-up content and returns the result' {
            $script:result = $before | Restore-DbBackup -Confirm:$false
            Get-RowCount $target 'Genre' | Should -Be $genres
            Invoke-Sqlite $target 'PRAGMA integrity_check;' | Should -Be 'ok'

            $result | Should -BeOfType BackupPS.DbRestoreResult
            $result.BackupId | Should -Be $before.Id
            $result.BackupPath | Should -Be $before.Path
            $result.Database | Should -Be 'inplace'
            $result.Target | Should -Be $target
            $result.IntegrityCheck | Should -Be 'ok'
            $result.Duration | Should -BeOfType [TimeSpan]
            $result.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
            $result.BytesRestored | Should -Be $before.DatabaseSizeBytes
            $result.Verification.Passed | Should -BeTrue
            $result.FilesRestored | Should -Be 0
        }

        It 'took a PreRestore safety backup holding the state before the restore, listed beside the backup' {
            $safety = $result.SafetyBackup
            $safety | Should -BeOfType BackupPS.DbBackup
            $safety.Type | Should -Be 'PreRestore'
            $safety.Destination | Should -Be $inPlaceDest
            $safety.TableRowCounts['Genre'] | Should -Be ($genres + 3)
            (Get-DbBackup $inPlaceDest -Type PreRestore).Id | Should -Be @($safety.Id)
            ($safety | Test-DbBackup).Passed | Should -BeTrue
        }

        It 'undoes the restore by restoring the safety backup' {
            $undo = $result.SafetyBackup | Restore-DbBackup -Confirm:$false
            Get-RowCount $target 'Genre' | Should -Be ($genres + 3)
            Invoke-Sqlite $target "SELECT Name FROM Genre WHERE Name LIKE 'Added %' ORDER BY Name;" | Should -Be @('Added 1', 'Added 2', 'Added 3')
            $undo.SafetyBackup.Type | Should -Be 'PreRestore' -Because 'the undo is itself protected'
        }

        It 'writes the safety backup to -SafetyBackupDestination when given' {
            $elsewhere = Join-Path $ws 'safety-elsewhere'
            $r = $before | Restore-DbBackup -SafetyBackupDestination $elsewhere -Confirm:$false
            $r.SafetyBackup.Destination | Should -Be $elsewhere
            (Get-DbBackup $elsewhere).Type | Should -Be 'PreRestore'
        }

        It 'restores a backup given by -Path' {
            Invoke-Sqlite $target "DELETE FROM InvoiceLine;" | Out-Null
            $r = Restore-DbBackup -Path $before.Path -Confirm:$false
            $r.BackupId | Should -Be $before.Id
            Get-RowCount $target 'InvoiceLine' | Should -Be (Get-RowCount $db 'InvoiceLine')
        }

        It 'restores with -Force without asking' {
            Invoke-Sqlite $target "DELETE FROM Track WHERE TrackId > 100;" | Out-Null
            $r = $before | Restore-DbBackup -Force
            $r.IntegrityCheck | Should -Be 'ok'
            Get-RowCount $target 'Track' | Should -Be $tracks
        }
    }

    Context 'To a new path (migration)' {
        It 'creates the database at -Target, in a folder that does not exist yet' {
            $newTarget = Join-Path $ws 'migrated/sub/app-copy.db'
            $r = $full | Restore-DbBackup -Target $newTarget -FilesTarget (Join-Path $ws 'migrated/files') -Confirm:$false
            $newTarget | Should -Exist
            Invoke-Sqlite $newTarget 'PRAGMA integrity_check;' | Should -Be 'ok'
            Get-RowCount $newTarget 'Track' | Should -Be $tracks
            $r.Target | Should -Be $newTarget
            $r.SafetyBackup | Should -BeNullOrEmpty -Because 'there was nothing to protect'
            Get-ChildItem -LiteralPath (Split-Path $newTarget) -Force | Where-Object Name -ne 'app-copy.db' | Should -BeNullOrEmpty -Because 'no scratch files remain'
        }
    }

    Context 'Files with -FilesTarget' {
        BeforeAll {
            $script:filesTarget = Join-Path $ws 'restored-files'
            $script:originalConf = Get-Sha256 (Join-Path $files 'app.conf')
            $script:fr = $full | Restore-DbBackup -Target (Join-Path $ws 'files-restore.db') -FilesTarget $filesTarget -Confirm:$false
        }

        It 'puts each root under FilesTarget/root' {
            $fr.FilesRestored | Should -Be 3
            $fr.FilesTargets | Should -Be @((Join-Path $filesTarget 'app.conf'), (Join-Path $filesTarget 'media'))
            Join-Path $filesTarget 'app.conf' | Should -Exist
            Join-Path $filesTarget 'media/song.txt' | Should -Exist
            Join-Path $filesTarget 'media/thumbs/t.bin' | Should -Exist
        }

        It 'restores the original content, modes and modification times' -ForEach @(
            @{ Relative = 'app.conf' }
            @{ Relative = 'media/song.txt' }
            @{ Relative = 'media/thumbs/t.bin' }
        ) {
            $restored = Join-Path $filesTarget $Relative
            $original = Join-Path $files $Relative
            Get-Sha256 $restored | Should -Be (Get-Sha256 $original)
            Get-Mode $restored | Should -Be (Get-Mode $original)
            Get-MTime $restored | Should -Be (Get-MTime $original)
        }

        It 'leaves the original files alone' {
            Get-Sha256 (Join-Path $files 'app.conf') | Should -Be $originalConf
        }

        It 'restores a Files backup, and refuses -Target for it (NoDatabaseInBackup)' {
            $fb = New-DbBackup -Type Files -Name assets -IncludePath (Join-Path $files 'media') -Destination $dest
            $err = Get-ThrownError { $fb | Restore-DbBackup -Target (Join-Path $ws 'x.db') -Confirm:$false }
            $err.FullyQualifiedErrorId | Should -Be 'NoDatabaseInBackup,BackupPS.Cmdlets.RestoreDbBackupCommand'
            Join-Path $ws 'x.db' | Should -Not -Exist

            $target = Join-Path $ws 'assets-restored'
            $r = $fb | Restore-DbBackup -FilesTarget $target -Confirm:$false
            $r.FilesRestored | Should -Be 2
            $r.Target | Should -BeNullOrEmpty
            Get-Content -LiteralPath (Join-Path $target 'media/song.txt') | Should -Be 'la la la'
        }
    }

    Context 'Refusals that protect the target' {
        It 'refuses a target that is not a SQLite file (TargetNotSqlite) and leaves it byte-identical' {
            $notes = Join-Path $ws 'notes.txt'
            Set-Content -LiteralPath $notes -Value 'precious notes, not a database'
            $hash = Get-Sha256 $notes
            $folder = Get-FolderListing $dest
            $err = Get-ThrownError { $full | Restore-DbBackup -Target $notes -FilesTarget (Join-Path $ws 'unused') -Confirm:$false }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be 'TargetNotSqlite,BackupPS.Cmdlets.RestoreDbBackupCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            Get-Sha256 $notes | Should -Be $hash
            Join-Path $ws 'unused' | Should -Not -Exist
            Get-FolderListing $dest | Should -Be $folder -Because 'no safety backup is taken for a refused restore'
        }

        It 'overwrites a non-SQLite target with -Force' {
            $notes = Join-Path $ws 'overwrite-me.txt'
            Set-Content -LiteralPath $notes -Value 'to be replaced'
            $r = $full | Restore-DbBackup -Target $notes -FilesTarget (Join-Path $ws 'forced-files') -Force
            $r.IntegrityCheck | Should -Be 'ok'
            Get-RowCount $notes 'Track' | Should -Be $tracks
        }

        It 'refuses a folder as -Target (TargetIsFolder)' {
            $folderTarget = Join-Path $ws 'a-folder'
            New-Item -ItemType Directory -Path $folderTarget | Out-Null
            $err = Get-ThrownError { $full | Restore-DbBackup -Target $folderTarget -Confirm:$false }
            $err.FullyQualifiedErrorId | Should -BeLike 'TargetIsFolder,*'
            @(Get-ChildItem -LiteralPath $folderTarget -Force).Count | Should -Be 0
        }

        It 'refuses two backups piped for one target (MultipleBackupsForOneTarget); only the first is restored' {
            $one = New-SmallDatabase (Join-Path $ws 'multi/one.db') -Rows 1
            $b1 = New-DbBackup -Database $one -Destination (Join-Path $ws 'multi/b')
            Invoke-Sqlite $one "INSERT INTO items (name) VALUES ('second');" | Out-Null
            $b2 = New-DbBackup -Database $one -Destination (Join-Path $ws 'multi/b')
            Invoke-Sqlite $one "INSERT INTO items (name) VALUES ('third');" | Out-Null

            $err = Get-ThrownError { $b1, $b2 | Restore-DbBackup -Confirm:$false }

            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be 'MultipleBackupsForOneTarget,BackupPS.Cmdlets.RestoreDbBackupCommand'
            Get-RowCount $one 'items' | Should -Be 1 -Because 'the first backup was restored, the second refused'
        }

        It 'refuses a damaged backup (BackupVerificationFailed) and leaves the target untouched' {
            $victimDb = Copy-Chinook (Join-Path $ws 'victim.db')
            $vb = New-DbBackup -Database $victimDb -Destination (Join-Path $ws 'victim-backups')
            $bytes = [IO.File]::ReadAllBytes($vb.Path)
            $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x55
            [IO.File]::WriteAllBytes($vb.Path, $bytes)
            Invoke-Sqlite $victimDb "DELETE FROM Genre WHERE GenreId > 20;" | Out-Null
            $hash = Get-Sha256 $victimDb
            $folder = Get-FolderListing (Join-Path $ws 'victim-backups')

            $vb | Restore-DbBackup -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue

            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'BackupVerificationFailed,BackupPS.Cmdlets.RestoreDbBackupCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
            Get-Sha256 $victimDb | Should -Be $hash
            Get-FolderListing (Join-Path $ws 'victim-backups') | Should -Be $folder
            Get-ChildItem -LiteralPath $ws -Force -Filter '*.partial' | Should -BeNullOrEmpty
            Get-ChildItem -LiteralPath $ws -Force -Directory | Where-Object Name -like '.backupps-*' | Should -BeNullOrEmpty -Because 'the scratch folder is removed'
        }

        It 'reports a missing backup file as BackupNotFound' {
            $err = Get-ThrownError { Restore-DbBackup -Path (Join-Path $ws 'nope.tar.zst') -Target (Join-Path $ws 'n.db') -Confirm:$false -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
            Join-Path $ws 'n.db' | Should -Not -Exist
        }
    }
}

# Issue 11 item 5: the sidecar is plain JSON; the manifest inside the archive is covered by its checksums.
Describe 'A sidecar that disagrees with the archive''s manifest' {
    BeforeAll {
        $script:mismatchDest = Join-Path $ws 'mismatch'
        $mismatchDb = Copy-Chinook (Join-Path $ws 'mismatch.db')
        $script:edited = New-DbBackup -Database $mismatchDb -Destination $mismatchDest
        $script:elsewhere = Join-Path $ws 'elsewhere/evil.db'
        $sidecar = $edited.Path + '.json'
        $json = Get-Content -Raw -LiteralPath $sidecar
        $json.Contains('"' + $mismatchDb + '"') | Should -BeTrue
        Set-Content -NoNewline -LiteralPath $sidecar -Value $json.Replace('"' + $mismatchDb + '"', '"' + $elsewhere + '"')
    }

    It 'Restore-DbBackup refuses with SidecarMismatch naming sourcePath, and writes nothing where the sidecar points' {
        $b = Get-DbBackup $mismatchDest -Id $edited.Id
        $b.SourcePath | Should -Be $elsewhere
        $e = Get-ThrownError { $b | Restore-DbBackup -Force -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Match '^SidecarMismatch,'
        $e.Exception.Message | Should -Match 'sourcePath'
        Split-Path $elsewhere | Should -Not -Exist
    }

    It 'Test-DbBackup fails the Manifest check naming sourcePath' {
        $r = Get-DbBackup $mismatchDest -Id $edited.Id | Test-DbBackup
        $r.Passed | Should -BeFalse
        $check = $r.Checks | Where-Object Name -eq 'Manifest'
        $check.Outcome | Should -Be 'Failed'
        $check.Message | Should -Match 'sourcePath'
        Split-Path $elsewhere | Should -Not -Exist
    }
}
