# Get-DbBackupStorage through the built module: per-database numbers compared with the backup files' real sizes and
# times, the last verification after Test-DbBackup, free space compared with df, filters, errors and the default view.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'storage'
    $script:dest = Join-Path $ws 'backups'
    $app = Copy-Chinook (Join-Path $ws 'app.db')
    $shop = New-SmallDatabase (Join-Path $ws 'shop.db') -Rows 20
    function New-Spaced { Start-Sleep -Milliseconds 15; New-DbBackup @args }
    $script:app1 = New-Spaced $app $dest
    $script:app2 = New-Spaced $app $dest -Compression Gzip
    $script:shop1 = New-Spaced $shop $dest
    $script:app3 = New-Spaced $app $dest -Compression None
    $app1 | Test-DbBackup | Out-Null
    Start-Sleep -Milliseconds 15
    $app2 | Test-DbBackup | Out-Null
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Get-DbBackupStorage' {
    It 'sums up each database with the real sizes and times of its backup files' {
        $all = @(Get-DbBackupStorage $dest)
        $all | Should -BeOfType BackupPS.DbBackupStorage
        $all.Database | Should -Be @('app', 'shop')
        $a = $all[0]
        $sizes = @($app1, $app2, $app3 | ForEach-Object { [long](Invoke-Native stat -c '%s' $_.Path) })
        $a.Count | Should -Be 3
        $a.TotalBytes | Should -Be ($sizes | Measure-Object -Sum).Sum
        $a.AverageBytes | Should -Be ([long][Math]::Floor(($sizes | Measure-Object -Sum).Sum / 3))
        $a.Oldest | Should -Be $app1.Created
        $a.Newest | Should -Be $app3.Created
        $a.OldestBackup.Id | Should -Be $app1.Id
        $a.NewestBackup.Id | Should -Be $app3.Id
        $a.Destination | Should -Be $dest
        $a.Engines | Should -Be @('SQLite')
        $a.CountByType['Database'] | Should -Be 3
        $all[1].Count | Should -Be 1
        $all[1].TotalBytes | Should -Be ([long](Invoke-Native stat -c '%s' $shop1.Path))
    }

    It 'reports the most recent verification and how many passed or failed' {
        $a = Get-DbBackupStorage $dest -DatabaseName app
        $a.LastVerifiedBackup.Id | Should -Be $app2.Id
        $a.LastVerified | Should -Be (Get-DbBackup $dest -Id $app2.ShortId).LastVerified
        $a.LastVerificationPassed | Should -BeTrue
        $a.VerifiedCount | Should -Be 2
        $a.FailedCount | Should -Be 0
        (Get-DbBackupStorage $dest -DatabaseName shop).LastVerified | Should -BeNullOrEmpty
    }

    It 'reports the free space of the destination as df does (within 64 MiB)' {
        $a = Get-DbBackupStorage $dest -DatabaseName app
        $df = @(Invoke-Native df -B1 '--output=avail,size' $dest)[1].Trim() -split '\s+'
        $a.DestinationFreeBytes | Should -BeGreaterThan ([long]$df[0] - 64MB)
        $a.DestinationFreeBytes | Should -BeLessThan ([long]$df[0] + 64MB)
        $a.DestinationCapacityBytes | Should -Be ([long]$df[1])
    }

    It 'filters with wildcards, takes folders from the pipeline, and a folder without backups gives nothing' {
        @(Get-DbBackupStorage $dest -DatabaseName 'S*').Database | Should -Be @('shop')
        $empty = New-Item -ItemType Directory (Join-Path $ws 'empty')
        @(Get-Item $dest, $empty | Get-DbBackupStorage).Count | Should -Be 2
        Push-Location $ws
        try { @(Get-DbBackupStorage ./backups).Count | Should -Be 2 } finally { Pop-Location }
    }

    It 'the default view is a table with count, sizes, dates, verification and free space' {
        $text = Get-DbBackupStorage $dest | Out-String -Width 200
        $text | Should -Match 'Destination: '
        $text | Should -Match 'Database\s+Count\s+Total\s+Average\s+Oldest\s+Newest\s+LastVerified\s+Free'
        $text | Should -Match 'app\s+3\s'
        $text | Should -Match 'shop\s+1\s.*never'
    }

    It 'a failed verification is counted' {
        $b = New-DbBackup (Join-Path $ws 'shop.db') $dest
        $fs = [IO.File]::OpenWrite($b.Path)
        try { $fs.Position = $fs.Length / 2; $fs.Write([byte[]](1..32), 0, 32) } finally { $fs.Dispose() }
        ($b | Test-DbBackup).Passed | Should -BeFalse
        $s = Get-DbBackupStorage $dest -DatabaseName shop
        $s.Count | Should -Be 2
        $s.FailedCount | Should -Be 1
        $s.LastVerificationPassed | Should -BeFalse
        ($s | Out-String -Width 200) | Should -Match 'FAILED'
        Remove-DbBackup $b -Force
    }

    It 'a missing folder is DestinationNotFound (non-terminating), the other folders are still read' {
        $r = @(Get-DbBackupStorage (Join-Path $ws 'nope'), $dest -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 2
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'DestinationNotFound,BackupPS.Cmdlets.GetDbBackupStorageCommand'
    }
}
