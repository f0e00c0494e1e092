# Remove-DbBackup through the built module: pruning from the pipeline, -WhatIf, -Path, binding by property name,
# and the refusal to delete a file that is not a listed backup.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'remove'
    $script:db = New-SmallDatabase (Join-Path $ws 'app.db') -Rows 4

    # A fresh folder with $Count backups (oldest first in the returned list).
    function New-BackupSet([string] $Name, [int] $Count) {
        $folder = Join-Path $ws $Name
        1..$Count | ForEach-Object { Start-Sleep -Milliseconds 15; New-DbBackup -Database $db -Destination $folder }
    }

    function Test-Gone($Backup) {
        $Backup.Path | Should -Not -Exist
        "$($Backup.Path).json" | Should -Not -Exist
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Remove-DbBackup' {
    It '-WhatIf removes nothing' {
        $set = New-BackupSet 'whatif' 2
        $before = Get-FolderListing (Join-Path $ws 'whatif')
        $out = Get-DbBackup (Join-Path $ws 'whatif') | Remove-DbBackup -WhatIf
        $out | Should -BeNullOrEmpty
        Get-FolderListing (Join-Path $ws 'whatif') | Should -Be $before
        @(Get-DbBackup (Join-Path $ws 'whatif')).Count | Should -Be 2
        $set.Count | Should -Be 2
    }

    It 'Get-DbBackup | Select-Object -Skip 2 | Remove-DbBackup -Confirm:$false keeps the two newest and removes backup and sidecar of the rest' {
        $set = @(New-BackupSet 'prune' 5)
        $out = Get-DbBackup (Join-Path $ws 'prune') | Select-Object -Skip 2 | Remove-DbBackup -Confirm:$false
        $out | Should -BeNullOrEmpty -Because 'Remove-DbBackup writes nothing to the pipeline'
        (Get-DbBackup (Join-Path $ws 'prune')).Id | Should -Be @($set[4].Id, $set[3].Id)
        $set[0..2] | ForEach-Object { Test-Gone $_ }
        @(Get-ChildItem -LiteralPath (Join-Path $ws 'prune') -Force | Where-Object Name -ne 'audit.jsonl').Count | Should -Be 4
    }

    It 'removes a listed backup given by -Path, and with -Force without asking' {
        $set = @(New-BackupSet 'bypath' 2)
        Remove-DbBackup -Path $set[0].Path -Confirm:$false
        Test-Gone $set[0]
        Remove-DbBackup -Path $set[1].Path -Force
        Test-Gone $set[1]
    }

    It 'removes the backups piped from Get-ChildItem *.tar.zst (FullName binds to -Path)' {
        $set = @(New-BackupSet 'childitem' 2)
        Get-ChildItem -Path (Join-Path $ws 'childitem/*.tar.zst') | Remove-DbBackup -Confirm:$false
        $set | ForEach-Object { Test-Gone $_ }
    }

    It 'binds a DbBackup read back from Export-Clixml by its Path property' {
        $set = @(New-BackupSet 'clixml' 2)
        $file = Join-Path $ws 'backups.clixml'
        $set[0] | Export-Clixml -LiteralPath $file
        $restored = Import-Clixml -LiteralPath $file
        $restored.PSObject.TypeNames[0] | Should -Be 'Deserialized.BackupPS.DbBackup'
        $restored | Remove-DbBackup -Confirm:$false
        Test-Gone $set[0]
        $set[1].Path | Should -Exist
    }

    It 'binds any object with a Path property (Select-Object Path)' {
        $set = @(New-BackupSet 'selected' 2)
        Get-DbBackup (Join-Path $ws 'selected') | Select-Object -First 1 Path | Remove-DbBackup -Confirm:$false
        Test-Gone $set[1]
        $set[0].Path | Should -Exist
    }

    It 'refuses a file without a sidecar (NotAListedBackup) and keeps it' {
        $set = @(New-BackupSet 'unlisted' 1)
        Remove-Item -LiteralPath "$($set[0].Path).json"
        $hash = Get-Sha256 $set[0].Path
        Remove-DbBackup -Path $set[0].Path -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'NotAListedBackup,BackupPS.Cmdlets.RemoveDbBackupCommand'
        $set[0].Path | Should -Exist
        Get-Sha256 $set[0].Path | Should -Be $hash
    }

    It 'refuses any other file (NotAListedBackup) and goes on with the rest' {
        $set = @(New-BackupSet 'other' 1)
        $text = Join-Path $ws 'other/readme.txt'
        Set-Content -LiteralPath $text -Value 'keep me'
        Remove-DbBackup -Path $text, $set[0].Path -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'NotAListedBackup,*'
        $text | Should -Exist
        Test-Gone $set[0]
    }

    It 'reports a missing file as BackupNotFound' {
        $err = Get-ThrownError { Remove-DbBackup -Path (Join-Path $ws 'gone.tar.zst') -Confirm:$false -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'BackupNotFound,*'
    }

    It 'removes only what it is given: the other backups in the folder stay' {
        $set = @(New-BackupSet 'single' 3)
        $set[1] | Remove-DbBackup -Confirm:$false
        Test-Gone $set[1]
        (Get-DbBackup (Join-Path $ws 'single')).Id | Should -Be @($set[2].Id, $set[0].Id)
        ($set[0] | Test-DbBackup).Passed | Should -BeTrue
    }
}
