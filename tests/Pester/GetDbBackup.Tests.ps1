# Get-DbBackup through the built module: ordering and every filter over a folder holding backups of two databases,
# a Files backup and a PreRestore safety backup.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'get'
    $script:dest = Join-Path $ws 'backups'
    $app = New-SmallDatabase (Join-Path $ws 'app.db') -Rows 3
    $shop = New-SmallDatabase (Join-Path $ws 'shop.db') -Rows 7
    $assets = Join-Path $ws 'assets'
    New-Item -ItemType Directory -Path $assets | Out-Null
    Set-Content -LiteralPath (Join-Path $assets 'logo.svg') -Value '<svg/>'

    # Creation times are recorded to the millisecond: a short pause keeps the order unambiguous.
    function New-Spaced { Start-Sleep -Milliseconds 15; New-DbBackup @args }
    $script:app1 = New-Spaced -Database $app -Destination $dest -Tag nightly
    $script:shop1 = New-Spaced -Database $shop -Destination $dest -Tag Weekly
    $script:app2 = New-Spaced -Database $app -Destination $dest
    $script:files1 = New-Spaced -Type Files -Name assets -IncludePath $assets -Destination $dest
    $script:shop2 = New-Spaced -Database $shop -Destination $dest -Tag nightly, manual
    Start-Sleep -Milliseconds 15
    # A restore takes a PreRestore safety backup of the target into the backup's folder: the newest backup of 'app'.
    $script:restore = $app1 | Restore-DbBackup -Confirm:$false
    $script:safety = $restore.SafetyBackup
    $script:all = @($app1, $shop1, $app2, $files1, $shop2, $safety)
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Get-DbBackup' {
    It 'lists every backup, newest first' {
        $list = @(Get-DbBackup $dest)
        $list.Count | Should -Be 6
        $list.Id | Should -Be @($safety.Id, $shop2.Id, $files1.Id, $app2.Id, $shop1.Id, $app1.Id)
        $list | Should -BeOfType BackupPS.DbBackup
        for ($i = 1; $i -lt $list.Count; $i++) { $list[$i - 1].CreatedUtc | Should -BeGreaterThan $list[$i].CreatedUtc }
    }

    It 'returns objects that describe the backup as New-DbBackup did' {
        $listed = Get-DbBackup $dest -Id $shop2.Id
        foreach ($property in 'Path', 'Database', 'Type', 'CreatedUtc', 'SizeBytes', 'Sha256', 'SourcePath', 'Compression') {
            $listed.$property | Should -Be $shop2.$property -Because "$property is the same"
        }
        $listed.Tags | Should -Be @('nightly', 'manual')
        $listed.TableRowCounts['items'] | Should -Be 7
        $listed.ToString() | Should -Be $shop2.Path
    }

    It 'keeps the PreRestore safety backup typed PreRestore' {
        $safety.Type | Should -Be 'PreRestore'
        (Get-DbBackup $dest -Id $safety.Id).Type | Should -Be 'PreRestore'
        $safety.Database | Should -Be 'app'
    }

    Context '-Latest' {
        It 'returns the newest backup of each database, excluding PreRestore' {
            $latest = @(Get-DbBackup $dest -Latest)
            $latest.Id | Should -Be @($shop2.Id, $files1.Id, $app2.Id)
        }

        It 'returns the newest PreRestore when asked with -Type PreRestore' {
            $latest = @(Get-DbBackup $dest -Latest -Type PreRestore)
            $latest.Id | Should -Be @($safety.Id)
        }

        It 'combines with -DatabaseName' {
            (Get-DbBackup $dest -Latest -DatabaseName shop).Id | Should -Be $shop2.Id
        }
    }

    Context '-Id' {
        It 'finds a backup by <Form>' -ForEach @(
            @{ Form = 'its full id'; Make = { param($b) $b.Id.ToString() } }
            @{ Form = 'its full id without dashes, in upper case'; Make = { param($b) $b.Id.ToString('N').ToUpperInvariant() } }
            @{ Form = 'its short id'; Make = { param($b) $b.ShortId } }
            @{ Form = 'its first 6 hex digits'; Make = { param($b) $b.ShortId.Substring(0, 6) } }
        ) {
            $given = & $Make $shop1
            $found = @(Get-DbBackup $dest -Id $given)
            $found.Id | Should -Be @($shop1.Id)
        }

        It 'takes several ids' {
            $found = @(Get-DbBackup $dest -Id $app1.ShortId, $files1.Id)
            $found.Id | Should -Be @($files1.Id, $app1.Id)
        }

        It 'does not match fewer than 4 hex digits or an unknown id, and says so with an ObjectNotFound error per id' {
            @(Get-DbBackup $dest -Id $app1.ShortId.Substring(0, 3) -ErrorVariable e1 -ErrorAction SilentlyContinue).Count | Should -Be 0
            $unknown = [guid]::NewGuid().ToString()
            $found = @(Get-DbBackup $dest -Id $unknown, $app1.Id -ErrorVariable e2 -ErrorAction SilentlyContinue)
            $found.Id | Should -Be @($app1.Id)   # non-terminating: the id that exists is still listed
            foreach ($e in @($e1) + @($e2)) {
                $e.FullyQualifiedErrorId | Should -Be 'BackupNotFound,BackupPS.Cmdlets.GetDbBackupCommand'
                $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            }
            @($e2).Count | Should -Be 1
            $e2[0].TargetObject | Should -Be $unknown
            $e2[0].Exception.Message | Should -Match "No backup with the id '$unknown'"
            (Get-ThrownError { Get-DbBackup $dest -Id $unknown -ErrorAction Stop }).Exception.GetType().FullName | Should -Be 'BackupPS.DbBackupException'
        }
    }

    Context 'completion' {
        It 'completes -DatabaseName and -Id from the backups in -Destination, through TabExpansion2 in a fresh pwsh' {
            $script = Join-Path $ws 'complete.ps1'
            Set-Content -LiteralPath $script -Value @"
Import-Module '$((Get-Module BackupPS).Path)'
Set-Location -LiteralPath '$ws'
'NAMES=' + ((TabExpansion2 'Get-DbBackup -Destination ./backups -DatabaseName ').CompletionMatches.CompletionText -join ',')
'PREFIX=' + ((TabExpansion2 'Get-DbBackup ./backups -DatabaseName SH').CompletionMatches.CompletionText -join ',')
'IDS=' + ((TabExpansion2 'Get-DbBackup -Destination ./backups -Id ').CompletionMatches.CompletionText -join ',')
'NONE=' + ((TabExpansion2 'Get-DbBackup -Destination ./nowhere -DatabaseName ').CompletionMatches.CompletionText -join ',')
"@
            $pwsh = [Environment]::ProcessPath
            [string[]] $arguments = @()
            if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { $arguments = @(Join-Path ([IO.Path]::GetDirectoryName([psobject].Assembly.Location)) 'pwsh.dll') }
            $out = (& $pwsh @arguments -NoProfile -NonInteractive -File $script 2>&1) -join "`n"
            $out | Should -Match '(?m)^NAMES=app,assets,shop$'
            $out | Should -Match '(?m)^PREFIX=shop$'
            $ids = (($out -split "`n") | Where-Object { $_ -like 'IDS=*' }).Substring(4) -split ','
            $ids | Sort-Object | Should -Be ($all.ShortId | Sort-Object)
            $out | Should -Not -Match '(?m)^NONE=.*\bshop\b' -Because 'a folder with no backups offers no names (PowerShell falls back to paths)'
        }
    }

    Context '-DatabaseName' {
        It 'matches <Pattern> to <Expected>' -ForEach @(
            @{ Pattern = 'app'; Expected = 'app' }
            @{ Pattern = 'APP'; Expected = 'app' }
            @{ Pattern = 'sh*'; Expected = 'shop' }
            @{ Pattern = '?ss*'; Expected = 'assets' }
        ) {
            $found = @(Get-DbBackup $dest -DatabaseName $Pattern)
            $found.Count | Should -BeGreaterThan 0
            $found.Database | Sort-Object -Unique | Should -Be $Expected
        }

        It 'takes several patterns; a wildcard that matches none returns nothing, an explicit name that matches none is ObjectNotFound' {
            @(Get-DbBackup $dest -DatabaseName 'app', 'shop').Count | Should -Be 5
            @(Get-DbBackup $dest -DatabaseName 'nomatch*' -ErrorVariable quiet).Count | Should -Be 0
            @($quiet).Count | Should -Be 0
            $found = @(Get-DbBackup $dest -DatabaseName 'app', 'nosuchdb' -ErrorVariable e -ErrorAction SilentlyContinue)
            $found.Count | Should -Be 3
            @($e).Count | Should -Be 1
            $e[0].FullyQualifiedErrorId | Should -Be 'BackupNotFound,BackupPS.Cmdlets.GetDbBackupCommand'
            $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $e[0].TargetObject | Should -Be 'nosuchdb'
        }
    }

    Context '-Type' {
        It 'filters on <Types>' -ForEach @(
            @{ Types = @('Database'); Count = 4 }
            @{ Types = @('Files'); Count = 1 }
            @{ Types = @('PreRestore'); Count = 1 }
            @{ Types = @('Files', 'PreRestore'); Count = 2 }
            @{ Types = @('Full'); Count = 0 }
        ) {
            $found = @(Get-DbBackup $dest -Type $Types)
            $found.Count | Should -Be $Count
            $found | Where-Object { $_.Type -notin $Types } | Should -BeNullOrEmpty
        }

        It 'rejects a type that does not exist' {
            $err = Get-ThrownError { Get-DbBackup $dest -Type Incremental }
            $err | Should -Not -BeNullOrEmpty
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.FullyQualifiedErrorId | Should -BeLike '*,BackupPS.Cmdlets.GetDbBackupCommand'
        }
    }

    Context '-Tag' {
        It 'returns the backups carrying a tag, ignoring case' {
            (Get-DbBackup $dest -Tag NIGHTLY).Id | Should -Be @($shop2.Id, $app1.Id)
            (Get-DbBackup $dest -Tag weekly).Id | Should -Be @($shop1.Id)
        }

        It 'returns backups carrying any of several tags' {
            (Get-DbBackup $dest -Tag weekly, manual).Id | Should -Be @($shop2.Id, $shop1.Id)
        }

        It 'finds the PreRestore safety backup by its tag' {
            (Get-DbBackup $dest -Tag PreRestore).Id | Should -Be @($safety.Id)
        }
    }

    Context '-Before and -After' {
        It '-Before returns only backups created strictly before the time' {
            (Get-DbBackup $dest -Before $app2.Created).Id | Should -Be @($shop1.Id, $app1.Id)
        }

        It '-After returns only backups created strictly after the time' {
            (Get-DbBackup $dest -After $files1.Created).Id | Should -Be @($safety.Id, $shop2.Id)
        }

        It 'combines into a window' {
            (Get-DbBackup $dest -After $app1.Created -Before $files1.Created).Id | Should -Be @($app2.Id, $shop1.Id)
        }

        It 'accepts a UTC time as well as a local one' {
            (Get-DbBackup $dest -Before $app2.CreatedUtc).Id | Should -Be @($shop1.Id, $app1.Id)
        }
    }

    Context 'Destinations' {
        It 'lists several destinations, and a folder piped from Get-Item' {
            $other = Join-Path $ws 'other'
            $o = New-DbBackup -Database (Join-Path $ws 'app.db') -Destination $other
            @(Get-DbBackup $dest, $other).Count | Should -Be 7
            (Get-Item -LiteralPath $other | Get-DbBackup).Id | Should -Be @($o.Id)
        }

        It 'reports a missing destination as DestinationNotFound (ObjectNotFound) and goes on with the others' {
            $missing = Join-Path $ws 'does-not-exist'
            $found = @(Get-DbBackup $missing, $dest -ErrorVariable problems -ErrorAction SilentlyContinue)
            $found.Count | Should -Be 6
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'DestinationNotFound,BackupPS.Cmdlets.GetDbBackupCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].TargetObject | Should -Be $missing
            $missing | Should -Not -Exist
        }

        It 'throws DestinationNotFound with -ErrorAction Stop' {
            $err = Get-ThrownError { Get-DbBackup (Join-Path $ws 'nope') -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'DestinationNotFound,*'
        }

        It 'lists only backups with a sidecar; a lone file or a lone sidecar is not a backup' {
            $mixed = Join-Path $ws 'mixed'
            $kept = New-DbBackup -Database (Join-Path $ws 'shop.db') -Destination $mixed
            $lone = New-DbBackup -Database (Join-Path $ws 'app.db') -Destination $mixed
            $orphan = New-DbBackup -Database (Join-Path $ws 'app.db') -Destination $mixed
            Remove-Item -LiteralPath "$($lone.Path).json"
            Remove-Item -LiteralPath $orphan.Path
            (Get-DbBackup $mixed).Id | Should -Be @($kept.Id)
        }

        It 'reports an unreadable sidecar as SidecarUnreadable and still lists the other backups' {
            $damaged = Join-Path $ws 'damaged'
            $good = New-DbBackup -Database (Join-Path $ws 'shop.db') -Destination $damaged
            $bad = New-DbBackup -Database (Join-Path $ws 'app.db') -Destination $damaged
            Set-Content -LiteralPath "$($bad.Path).json" -Value '{ not json'
            $found = @(Get-DbBackup $damaged -ErrorVariable problems -ErrorAction SilentlyContinue)
            $found.Id | Should -Be @($good.Id)
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'SidecarUnreadable,*'
        }
    }
}
