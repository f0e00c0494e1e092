# Copy-DbBackup between local folders through the built module (S3 destinations: S3.Tests.ps1 with s3rver).
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'copy'
    $script:db = New-SmallDatabase (Join-Path $ws 'app.db') -Rows 4
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Copy-DbBackup' {
    It 'copies piped backups to another folder and returns the copies, listed there and verifiable' {
        $a = Join-Path $ws 'a1'; $b = Join-Path $ws 'b1'
        $made = New-DbBackup -Database $db -Destination $a
        $copy = Get-DbBackup $a | Copy-DbBackup -Destination $b
        $copy | Should -BeOfType BackupPS.DbBackup
        $copy.Id | Should -Be $made.Id
        $copy.Sha256 | Should -Be $made.Sha256
        $copy.Destination | Should -Be (Resolve-Path $b).Path
        (Get-DbBackup $b).Id | Should -Be $made.Id
        (Get-FileHash $copy.Path -Algorithm SHA256).Hash | Should -Be $made.Sha256
        ($copy | Test-DbBackup).Passed | Should -BeTrue
    }

    It 'refuses a backup already there (BackupAlreadyExists) unless -SkipExisting, which returns nothing' {
        $a = Join-Path $ws 'a2'; $b = Join-Path $ws 'b2'
        New-DbBackup -Database $db -Destination $a | Copy-DbBackup -Destination $b | Out-Null
        Get-DbBackup $a | Copy-DbBackup -Destination $b -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'BackupAlreadyExists,BackupPS.Cmdlets.CopyDbBackupCommand'
        Get-DbBackup $a | Copy-DbBackup -Destination $b -SkipExisting | Should -BeNullOrEmpty
        @(Get-DbBackup $b).Count | Should -Be 1
    }

    It 'refuses a damaged source (CopyChecksumMismatch) and leaves nothing at the destination' {
        $a = Join-Path $ws 'a3'; $b = Join-Path $ws 'b3'
        $made = New-DbBackup -Database $db -Destination $a
        $bytes = [IO.File]::ReadAllBytes($made.Path)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0x10
        [IO.File]::WriteAllBytes($made.Path, $bytes)
        Copy-DbBackup -Path $made.Path -Destination $b -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be 'CopyChecksumMismatch,BackupPS.Cmdlets.CopyDbBackupCommand'
        @(Get-ChildItem -Force $b -ErrorAction SilentlyContinue | Where-Object Name -ne 'audit.jsonl').Count | Should -Be 0
        $line = @(Get-DbBackupAuditLog $b -Operation Copy)
        $line.Count | Should -Be 1 -Because 'the refused copy is in the destination audit log'
        $line[0].Result | Should -Be 'Failed'
        $line[0].ErrorId | Should -Be 'CopyChecksumMismatch'
    }

    It '-WhatIf copies nothing' {
        $a = Join-Path $ws 'a4'; $b = Join-Path $ws 'b4'
        New-DbBackup -Database $db -Destination $a | Out-Null
        Get-DbBackup $a | Copy-DbBackup -Destination $b -WhatIf | Should -BeNullOrEmpty
        Test-Path $b | Should -BeFalse
    }

    It 'refuses a file without a sidecar (NotAListedBackup)' {
        $a = Join-Path $ws 'a5'
        $made = New-DbBackup -Database $db -Destination $a
        Remove-Item "$($made.Path).json"
        Copy-DbBackup -Path $made.Path -Destination (Join-Path $ws 'b5') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'NotAListedBackup,BackupPS.Cmdlets.CopyDbBackupCommand'
    }

    It 'an invalid s3:// destination is a terminating S3InvalidLocation error' {
        $made = New-DbBackup -Database $db -Destination (Join-Path $ws 'a6')
        { $made | Copy-DbBackup -Destination 's3://x' -ErrorAction Stop } | Should -Throw -ErrorId 'S3InvalidLocation,BackupPS.Cmdlets.CopyDbBackupCommand'
    }
}
