# The errors of New-DbBackup through the built module: stable ids and categories, non-terminating per item,
# catchable with -ErrorAction Stop, and nothing half-written or changed after a failure.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'errors'
    $script:db = Copy-Chinook (Join-Path $ws 'app.db')
    $script:dbHash = Get-Sha256 $db
    $script:notSqlite = Join-Path $ws 'notes.db'
    Set-Content -LiteralPath $notSqlite -Value 'this is not a database'
    $script:empty = Join-Path $ws 'empty.db'
    New-Item -ItemType File -Path $empty | Out-Null
    $script:aFile = Join-Path $ws 'a-file'
    Set-Content -LiteralPath $aFile -Value 'I am a file'
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'New-DbBackup errors' {
    Context '<Case>' -ForEach @(
        @{ Case = 'a database path that does not exist'; Id = 'DatabaseNotFound'; Category = 'ObjectNotFound'; Database = 'missing.db' }
        @{ Case = 'a file that is not SQLite'; Id = 'NotASqliteDatabase'; Category = 'InvalidData'; Database = 'notes.db' }
        @{ Case = 'an empty file'; Id = 'NotASqliteDatabase'; Category = 'InvalidData'; Database = 'empty.db' }
    ) {
        BeforeAll {
            $script:destination = Join-Path $ws ('dest-' + $Id + '-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
            $script:path = Join-Path $ws $Database
            $script:hashBefore = if (Test-Path -LiteralPath $path) { Get-Sha256 $path }
        }

        It 'writes a non-terminating <Id> error (<Category>) and no output' {
            $out = New-DbBackup -Database $path -Destination $destination -ErrorVariable problems -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be "$Id,BackupPS.Cmdlets.NewDbBackupCommand"
            $problems[0].CategoryInfo.Category | Should -Be $Category
            $problems[0].TargetObject | Should -Be $path
            $problems[0].ErrorDetails.Message | Should -Not -BeNullOrEmpty
        }

        It 'throws it with -ErrorAction Stop, catchable by try/catch' {
            $caught = $null
            try {
                New-DbBackup -Database $path -Destination $destination -ErrorAction Stop
                throw 'not reached'
            }
            catch {
                $caught = $_
            }
            $caught.FullyQualifiedErrorId | Should -BeLike "$Id,*"
            $caught.Exception.GetType().FullName | Should -Be 'BackupPS.DbBackupException'
            $caught.Exception.ErrorId | Should -Be $Id
            $caught.Exception.Category | Should -Be $Category
            $caught.CategoryInfo.Category | Should -Be $Category
        }

        It 'leaves no backup, no partial file and the source unchanged' {
            Get-FolderListing $destination | Should -BeNullOrEmpty
            if ($hashBefore) { Get-Sha256 $path | Should -Be $hashBefore }
        }
    }

    It 'is catchable by type in a script of a fresh pwsh: catch [BackupPS.DbBackupException]' {
        $script = Join-Path $ws 'typed-catch.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$((Get-Module BackupPS).Path)'
try { New-DbBackup -Database '$ws/missing.db' -Destination '$ws/typed' -ErrorAction Stop; 'NOT CAUGHT' }
catch [BackupPS.DbBackupException] { 'CAUGHT ' + `$_.Exception.ErrorId + ' ' + `$_.Exception.Category + ' ' + `$_.Exception.Kind + ' ' + `$_.FullyQualifiedErrorId }
catch { 'OTHER ' + `$_.Exception.GetType().FullName }
"@
        $pwsh = [Environment]::ProcessPath
        [string[]] $arguments = @()
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $arguments = @(Join-Path ([IO.Path]::GetDirectoryName([psobject].Assembly.Location)) 'pwsh.dll') }
        $out = & $pwsh @arguments -NoProfile -NonInteractive -File $script 2>&1
        ($out -join "`n") | Should -Match '^CAUGHT DatabaseNotFound ObjectNotFound NotFound DatabaseNotFound,BackupPS\.Cmdlets\.NewDbBackupCommand$'
    }

    It 'refuses a path of another PowerShell provider (<Path>) with NotAFileSystemPath, and creates no folder' -ForEach @(
        @{ Path = 'env:'; Param = 'Destination' }
        @{ Path = 'env:HOME'; Param = 'Destination' }
        @{ Path = 'function:prompt'; Param = 'Destination' }
        @{ Path = 'variable:'; Param = 'Database' }
    ) {
        Push-Location -LiteralPath $ws
        try {
            $before = @(Get-ChildItem -LiteralPath $ws -Force).Name
            $splat = @{ Database = $db; Destination = (Join-Path $ws 'provider-dest') }
            $splat[$Param] = $Path
            $e = Get-ThrownError { New-DbBackup @splat -ErrorAction Continue }
            $e.FullyQualifiedErrorId | Should -Be 'NotAFileSystemPath,BackupPS.Cmdlets.NewDbBackupCommand'
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.Exception.Message | Should -Match 'not a file or folder'
            $e.Exception | Should -BeOfType ([BackupPS.DbBackupException])
            (Get-ThrownError { Get-DbBackup $Path }).FullyQualifiedErrorId | Should -Be 'NotAFileSystemPath,BackupPS.Cmdlets.GetDbBackupCommand'
            @(Get-ChildItem -LiteralPath $ws -Force).Name | Should -Be $before
        }
        finally { Pop-Location }
    }

    It 'refuses a folder given as -Database (DatabaseIsDirectory)' {
        $err = Get-ThrownError { New-DbBackup -Database $ws -Destination (Join-Path $ws 'dir-dest') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'DatabaseIsDirectory,*'
        Join-Path $ws 'dir-dest' | Should -Not -Exist
    }

    It 'refuses a destination that is an existing file (DestinationIsFile, terminating) and leaves it alone' {
        $hash = Get-Sha256 $aFile
        $reached = $false
        $err = Get-ThrownError { New-DbBackup -Database $db -Destination $aFile; $reached = $true }
        $err.FullyQualifiedErrorId | Should -Be 'DestinationIsFile,BackupPS.Cmdlets.NewDbBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $reached | Should -BeFalse
        Get-Sha256 $aFile | Should -Be $hash
        Get-ChildItem -LiteralPath $ws -Force -Filter '*.partial' | Should -BeNullOrEmpty
    }

    It 'reports a destination it cannot create as DestinationNotWritable (PermissionDenied), even as root' {
        # /proc refuses new entries to everyone, root included.
        $err = Get-ThrownError { New-DbBackup -Database $db -Destination '/proc/backupps-cannot-exist' -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'DestinationNotWritable,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        Get-Sha256 $db | Should -Be $dbHash
    }

    It 'reports a read-only destination folder as DestinationNotWritable' {
        if (Test-IsRoot) {
            Set-ItResult -Skipped -Because 'it runs as root (id -u is 0), and root ignores permission bits: a chmod 0500 folder stays writable'
            return
        }
        $readOnly = Join-Path $ws 'read-only'
        New-Item -ItemType Directory -Path $readOnly | Out-Null
        Invoke-Native chmod 0500 $readOnly | Out-Null
        try {
            $err = Get-ThrownError { New-DbBackup -Database $db -Destination $readOnly -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'DestinationNotWritable,*'
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            Get-FolderListing $readOnly | Should -BeNullOrEmpty
        }
        finally { Invoke-Native chmod 0700 $readOnly | Out-Null }
    }

    It 'refuses a missing -IncludePath (IncludePathNotFound) before writing anything' {
        $destination = Join-Path $ws 'include-missing'
        $err = Get-ThrownError { New-DbBackup -Database $db -Destination $destination -IncludePath (Join-Path $ws 'no-such-dir') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'IncludePathNotFound,*'
        Get-FolderListing $destination | Should -BeNullOrEmpty
        Get-Sha256 $db | Should -Be $dbHash
    }

    It 'leaves an existing destination exactly as it was after a failure' {
        $destination = Join-Path $ws 'existing'
        $kept = New-DbBackup -Database $db -Destination $destination
        $before = Get-FolderListing $destination
        New-DbBackup -Database $notSqlite -Destination $destination -ErrorAction SilentlyContinue
        New-DbBackup -Database $db -Destination $destination -IncludePath (Join-Path $ws 'nothing-here') -ErrorAction SilentlyContinue
        Get-FolderListing $destination | Should -Be $before
        (Get-DbBackup $destination).Id | Should -Be @($kept.Id)
    }

    It 'goes on with the next database in the pipeline after a failure' {
        $destination = Join-Path $ws 'pipeline'
        $second = New-SmallDatabase (Join-Path $ws 'second.db')
        $made = @((Join-Path $ws 'missing.db'), $notSqlite, $second | New-DbBackup -Destination $destination -ErrorVariable problems -ErrorAction SilentlyContinue)
        $made.Count | Should -Be 1
        $made[0].Database | Should -Be 'second'
        $problems.FullyQualifiedErrorId | ForEach-Object { ($_ -split ',')[0] } | Should -Be @('DatabaseNotFound', 'NotASqliteDatabase')
    }
}
