# Remove-DbBackup -Destination … -Keep* (retention policy) through the built module, on real backups of real SQLite
# databases. Retention reads a backup's time from its sidecar (manifest.createdUtc, as Get-DbBackup does), so to
# spread backups over a calendar each real backup's sidecar is re-dated: only that one value is rewritten.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    . $PSScriptRoot/RobustHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'retention'
    $script:db = New-SmallDatabase (Join-Path $ws 'app.db') -Rows 4
    $script:crm = New-SmallDatabase (Join-Path $ws 'crm.db') -Rows 2
    $script:n = 0

    # A real backup of $Database in $Folder, verified for real by Test-DbBackup when asked, then dated $CreatedUtc.
    function New-DatedBackup([string] $Folder, [datetime] $CreatedUtc, [string] $Database = $db, [switch] $Verified) {
        $backup = New-DbBackup -Database $Database -Destination $Folder
        if ($Verified) { (Test-DbBackup -InputObject $backup).Passed | Should -BeTrue }
        $sidecar = "$($backup.Path).json"
        $text = Get-Content -Raw -LiteralPath $sidecar
        $stamp = $CreatedUtc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'.000+00:00'", [cultureinfo]::InvariantCulture)
        $new = [regex]::Replace($text, '"createdUtc": "[^"]+"', "`"createdUtc`": `"$stamp`"")
        $new | Should -Not -Be $text
        [IO.File]::WriteAllText($sidecar, $new)
        Get-DbBackup $Folder -Id $backup.Id
    }

    function New-Folder([string] $Name) { Join-Path $ws "$Name-$((++$script:n))" }

    function Utc([string] $Iso) { [datetime]::Parse($Iso + 'Z', [cultureinfo]::InvariantCulture).ToUniversalTime() }

    function Test-Gone($Backup) {
        $Backup.Path | Should -Not -Exist
        "$($Backup.Path).json" | Should -Not -Exist
    }

    function Test-There($Backup) {
        $Backup.Path | Should -Exist
        "$($Backup.Path).json" | Should -Exist
    }

    # A calendar over a month end: 31 Jan 23:30Z, 1 Feb 00:30Z, 28 Feb, 1 Mar, 2 Mar 10:00Z and 18:00Z (2025).
    function New-Calendar([string] $Folder) {
        [ordered]@{
            Jan31   = New-DatedBackup $Folder (Utc '2025-01-31T23:30:00')
            Feb01   = New-DatedBackup $Folder (Utc '2025-02-01T00:30:00')
            Feb28   = New-DatedBackup $Folder (Utc '2025-02-28T12:00:00')
            Mar01   = New-DatedBackup $Folder (Utc '2025-03-01T10:00:00')
            Mar02am = New-DatedBackup $Folder (Utc '2025-03-02T10:00:00')
            Mar02pm = New-DatedBackup $Folder (Utc '2025-03-02T18:00:00')
        }
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Remove-DbBackup with a retention policy' {
    It '-WhatIf removes nothing and returns the decision for every backup, with the rules that keep it' {
        $folder = New-Folder 'whatif'
        $cal = New-Calendar $folder
        $before = Get-FolderListing $folder
        $out = @(Remove-DbBackup -Destination $folder -KeepDaily 2 -KeepMonthly 3 -Utc -WhatIf)
        Get-FolderListing $folder | Should -Be $before
        $out.Count | Should -Be 6
        $out | ForEach-Object { $_ | Should -BeOfType BackupPS.DbBackupRetentionDecision; $_.Removed | Should -BeFalse }
        ($out | Where-Object Action -EQ Remove).Path | Sort-Object | Should -Be (@($cal.Feb01.Path, $cal.Mar02am.Path) | Sort-Object)
        $newest = $out | Where-Object Path -EQ $cal.Mar02pm.Path
        $newest.Reason | Should -Be 'KeepDaily (2025-03-02), KeepMonthly (2025-03)'
        $newest.Rules | Should -Be @('KeepDaily', 'KeepMonthly')
        $newest.Backup.Id | Should -Be $cal.Mar02pm.Id
        ($out | Where-Object Path -EQ $cal.Jan31.Path).Reason | Should -Be 'KeepMonthly (2025-01)'
        ($out | Where-Object Path -EQ $cal.Feb01.Path).Rules | Should -Be @('NotKept')
        $out[0].Path | Should -Be $cal.Mar02pm.Path -Because 'decisions come newest first'
        # The table view is the preview users read.
        $table = $out | Format-Table | Out-String -Width 200
        $table | Should -Match 'Action'
        $table | Should -Match 'KeepDaily \(2025-03-02\), KeepMonthly \(2025-03\)'
    }

    It 'removes what no rule keeps (sidecar and file), says Removed, and keeps the rest listed' {
        $folder = New-Folder 'apply'
        $cal = New-Calendar $folder
        $out = @(Remove-DbBackup -Destination $folder -KeepDaily 2 -KeepMonthly 3 -Utc -Confirm:$false)
        ($out | Where-Object Removed).Path | Sort-Object | Should -Be (@($cal.Feb01.Path, $cal.Mar02am.Path) | Sort-Object)
        ($out | Where-Object Action -EQ Keep | Where-Object Removed) | Should -BeNullOrEmpty
        Test-Gone $cal.Feb01
        Test-Gone $cal.Mar02am
        foreach ($k in 'Jan31', 'Feb28', 'Mar01', 'Mar02pm') { Test-There $cal[$k] }
        (Get-DbBackup $folder).Id | Should -Be @($cal.Mar02pm.Id, $cal.Mar01.Id, $cal.Feb28.Id, $cal.Jan31.Id)
        # Applying the same policy again removes nothing more.
        $again = @(Remove-DbBackup -Destination $folder -KeepDaily 2 -KeepMonthly 3 -Utc -Force)
        $again.Count | Should -Be 4
        $again | Where-Object Action -EQ Remove | Should -BeNullOrEmpty
    }

    It 'computes days in the local time zone by default and in UTC with -Utc' {
        $folder = New-Folder 'zone'
        # 9 Jun 12:00Z (08:00 EDT), 10 Jun 03:00Z (9 Jun 23:00 EDT), 10 Jun 05:00Z (10 Jun 01:00 EDT).
        $noon = New-DatedBackup $folder (Utc '2025-06-09T12:00:00')
        $late = New-DatedBackup $folder (Utc '2025-06-10T03:00:00')
        $null = New-DatedBackup $folder (Utc '2025-06-10T05:00:00')
        (Remove-DbBackup -Destination $folder -KeepDaily 2 -Utc -WhatIf | Where-Object Action -EQ Remove).Path | Should -Be $late.Path

        # The local zone of a fresh pwsh started with TZ=America/New_York.
        $script = Join-Path $ws 'zone.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$(Join-Path (Get-BackupPSModulePath) BackupPS.psd1)'
[TimeZoneInfo]::Local.Id
Remove-DbBackup -Destination '$folder' -KeepDaily 2 -WhatIf | Where-Object Action -EQ Remove | ForEach-Object { `$_.Path; `$_.Reason }
Remove-DbBackup -Destination '$folder' -KeepDaily 2 -WhatIf | Where-Object Path -EQ '$($late.Path)' | ForEach-Object Reason
"@
        $saved = $env:TZ
        try {
            $env:TZ = 'America/New_York'
            $r = Invoke-PwshChild -ScriptPath $script -LogPrefix (Join-Path $ws 'zone') -TimeoutSec 120
        }
        finally { $env:TZ = $saved }
        $r.ExitCode | Should -Be 0 -Because $r.Err
        $lines = @($r.Out -split "`n" | ForEach-Object Trim | Where-Object { $_ -and $_ -notlike "What if:*" })
        $lines[0] | Should -Be 'America/New_York'
        $lines[1] | Should -Be $noon.Path
        $lines[2] | Should -Be 'NotKept (no rule keeps it)'
        $lines[3] | Should -Be 'KeepDaily (2025-06-09)'
    }

    It 'applies the policy to each database on its own, and -DatabaseName leaves the others alone' {
        $folder = New-Folder 'scope'
        $apps = 1..3 | ForEach-Object { New-DatedBackup $folder (Utc "2025-05-0$($_)T10:00:00") }
        $crms = 1..2 | ForEach-Object { New-DatedBackup $folder (Utc "2025-05-0$($_)T11:00:00") -Database $crm }
        $all = @(Remove-DbBackup -Destination $folder -KeepLast 1 -WhatIf)
        $all.Count | Should -Be 5
        ($all | Where-Object Action -EQ Keep).Path | Sort-Object | Should -Be (@($apps[2].Path, $crms[1].Path) | Sort-Object)

        $out = @(Remove-DbBackup -Destination $folder -DatabaseName 'cr*' -KeepLast 1 -Force)
        $out.Database | Sort-Object -Unique | Should -Be 'crm'
        Test-Gone $crms[0]
        $apps | ForEach-Object { Test-There $_ }
    }

    It '-OlderThan alone removes backups older than the span and keeps the younger ones' {
        $folder = New-Folder 'older'
        $now = [datetime]::UtcNow
        $young = New-DatedBackup $folder $now.AddDays(-10)
        $old = New-DatedBackup $folder $now.AddDays(-40)
        $out = @(Remove-DbBackup -Destination $folder -OlderThan 30.00:00:00 -Force)
        ($out | Where-Object Path -EQ $young.Path).Rules | Should -Be 'NotOlderThan'
        ($out | Where-Object Path -EQ $old.Path).Reason | Should -Match '^OlderThan \(40 days old, older than 30\.00:00:00\)$'
        Test-Gone $old
        Test-There $young
    }

    It 'keeps the only verified backup of a database unless -Force; -Confirm:$false does not lift it' {
        $folder = New-Folder 'verified'
        $verified = New-DatedBackup $folder (Utc '2025-04-01T10:00:00') -Verified
        $b2 = New-DatedBackup $folder (Utc '2025-04-02T10:00:00')
        $b3 = New-DatedBackup $folder (Utc '2025-04-03T10:00:00')
        $verified.LastVerificationPassed | Should -BeTrue
        $out = @(Remove-DbBackup -Destination $folder -KeepLast 1 -Confirm:$false)
        ($out | Where-Object Path -EQ $verified.Path).Rules | Should -Be 'LastVerified'
        ($out | Where-Object Path -EQ $verified.Path).Reason | Should -Match '-Force lets it go'
        Test-There $verified
        Test-Gone $b2
        $out = @(Remove-DbBackup -Destination $folder -KeepLast 1 -Force)
        ($out | Where-Object Path -EQ $verified.Path).Removed | Should -BeTrue
        Test-Gone $verified
        Test-There $b3
    }

    It 'keeps PreRestore safety copies younger than a day unless -Type PreRestore names them' {
        $folder = New-Folder 'prerestore'
        $target = Join-Path $ws 'restore-target.db'
        Copy-Item -LiteralPath $db -Destination $target
        $backup = New-DbBackup -Database $target -Destination $folder
        1..2 | ForEach-Object { $null = Restore-DbBackup -InputObject $backup -Force }
        $safety = @(Get-DbBackup $folder -Type PreRestore)
        $safety.Count | Should -Be 2
        $out = @(Remove-DbBackup -Destination $folder -KeepLast 1 -Force)
        ($out | Where-Object Path -EQ $safety[1].Path).Rules | Should -Be 'PreRestoreSafety'
        ($out | Where-Object Path -EQ $safety[0].Path).Rules | Should -Be 'KeepLast' -Because 'safety copies are rated on their own'
        ($out | Where-Object Path -EQ $backup.Path).Rules | Should -Be 'KeepLast'
        $safety | ForEach-Object { Test-There $_ }

        $out = @(Remove-DbBackup -Destination $folder -Type PreRestore -KeepLast 1 -Force)
        $out.Count | Should -Be 2 -Because 'only PreRestore copies were asked for'
        Test-Gone $safety[1]
        Test-There $safety[0]
        Test-There $backup
    }

    It 'writes each step as a verbose message' {
        $folder = New-Folder 'verbose'
        $b = 1..2 | ForEach-Object { New-DatedBackup $folder (Utc "2025-07-0$($_)T10:00:00") }
        $verbose = @(Remove-DbBackup -Destination $folder -KeepLast 1 -Force -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $verbose | Should -Contain "Listing the backups in '$folder'."
        ($verbose -match '^Keep app Database 2025-07-02 10:00:00Z .*: KeepLast \(1 of 1\)\.$').Count | Should -Be 1
        ($verbose -match '^Remove app Database 2025-07-01 10:00:00Z .*: NotKept').Count | Should -Be 1
        ($verbose -match "^Removed '$([regex]::Escape($b[0].Path))' and its sidecar").Count | Should -Be 1
        ($verbose -match '^Removed 1 of 1 backups').Count | Should -Be 1
    }
}

Describe 'Remove-DbBackup retention errors' {
    It 'a policy that would remove every backup of a database stops with RetentionWouldRemoveAll, even with -Force' {
        $folder = New-Folder 'all'
        $set = 1..2 | ForEach-Object { New-DatedBackup $folder (Utc "2025-01-0$($_)T10:00:00") }
        $err = Get-ThrownError { Remove-DbBackup -Destination $folder -OlderThan 1.00:00:00 -Force }
        $err.FullyQualifiedErrorId | Should -Be 'RetentionWouldRemoveAll,BackupPS.Cmdlets.RemoveDbBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match "every backup of the database 'app'"
        $set | ForEach-Object { Test-There $_ }
    }

    It 'no rule at all is refused with NoRetentionRule' {
        $folder = New-Folder 'norule'
        $null = New-DatedBackup $folder (Utc '2025-01-01T10:00:00')
        $err = Get-ThrownError { Remove-DbBackup -Destination $folder -Force }
        $err.FullyQualifiedErrorId | Should -Be 'NoRetentionRule,BackupPS.Cmdlets.RemoveDbBackupCommand'
        @(Get-DbBackup $folder).Count | Should -Be 1
    }

    It 'a count below 1 is refused by parameter validation, except -1 (unlimited, as restic)' {
        { Remove-DbBackup -Destination $ws -KeepDaily 0 -Force } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupPS.Cmdlets.RemoveDbBackupCommand'
        { Remove-DbBackup -Destination $ws -KeepDaily -2 -Force } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupPS.Cmdlets.RemoveDbBackupCommand'
        $folder = New-Folder 'unlimited'
        $set = @('2025-01-01T10:00:00', '2025-01-01T08:00:00', '2025-01-02T10:00:00', '2025-01-02T08:00:00', '2025-01-03T10:00:00') | ForEach-Object { New-DatedBackup $folder (Utc $_) }
        $d = Remove-DbBackup -Destination $folder -KeepDaily -1 -Utc -WhatIf
        # One per day for all days, plus the oldest backup (an unlimited rule never runs out).
        @($d | Where-Object Action -EQ 'Keep').Count | Should -Be 4
        ($d | Where-Object Action -EQ 'Remove').Path | Should -Be $set[3].Path
    }

    It '-KeepWithinDaily keeps the newest backup of each day within the span of the newest backup' {
        $folder = New-Folder 'withindaily'
        $set = @('2025-01-03T10:00:00', '2025-01-02T10:00:00', '2025-01-02T08:00:00', '2025-01-01T10:00:00') | ForEach-Object { New-DatedBackup $folder (Utc $_) }
        $d = Remove-DbBackup -Destination $folder -KeepWithinDaily 1.12:00:00 -Utc -WhatIf
        ($d | Where-Object Action -EQ 'Keep').Path | Sort-Object | Should -Be (@($set[0].Path, $set[1].Path) | Sort-Object)
        ($d | Where-Object Action -EQ 'Keep' | Select-Object -First 1).Rules | Should -Be 'KeepWithinDaily'
    }

    It '-KeepWithin 1y2m is a calendar span: it keeps only backups strictly after newest minus 1 year 2 months' {
        $folder = New-Folder 'withincalendar'
        $b = [ordered]@{}
        foreach ($iso in '2025-05-31T12:00:00', '2024-04-02T12:00:00', '2024-03-31T13:00:00', '2024-03-31T12:00:00', '2024-03-31T11:00:00') {
            $b[$iso] = New-DatedBackup $folder (Utc $iso)
        }
        # Cutoff: 2025-05-31T12:00Z - 1y2m = 2024-03-31T12:00Z (calendar arithmetic, as restic's AddDate); a fixed
        # 425 or 420 days would put it on 1 or 6 April and remove 31 March 13:00. The backup exactly at the cutoff is
        # not 'within'.
        $d = Remove-DbBackup -Destination $folder -KeepWithin 1y2m -Utc -Force -Confirm:$false
        @($d | Where-Object Action -EQ 'Keep').Path | Sort-Object | Should -Be (@($b['2025-05-31T12:00:00'].Path, $b['2024-04-02T12:00:00'].Path, $b['2024-03-31T13:00:00'].Path) | Sort-Object)
        @($d | Where-Object Action -EQ 'Keep' | ForEach-Object Rules | Sort-Object -Unique) | Should -Be 'KeepWithin'
        Test-Gone $b['2024-03-31T12:00:00']
        Test-Gone $b['2024-03-31T11:00:00']
        Test-There $b['2024-03-31T13:00:00']
        @(Get-DbBackup $folder).Count | Should -Be 3
    }

    It 'a -KeepWithin value that is neither a calendar span nor a TimeSpan is refused naming it, and removes nothing' {
        $folder = New-Folder 'withinbad'
        $one = New-DatedBackup $folder (Utc '2025-01-01T10:00:00')
        $two = New-DatedBackup $folder (Utc '2024-01-01T10:00:00')
        $err = Get-ThrownError { Remove-DbBackup -Destination $folder -KeepWithin '1y2x' -Force -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -Be 'ParameterArgumentTransformationError,BackupPS.Cmdlets.RemoveDbBackupCommand'
        $err.Exception.Message | Should -BeLike "*1y2x*'x' after 2 is not a unit*"
        $err.Exception.InnerException.InnerException.ErrorId | Should -Be 'InvalidRetentionRule'
        Test-There $one
        Test-There $two
    }

    It 'a missing destination is DestinationNotFound' {
        $missing = Join-Path $ws 'no-such-folder'
        $out = Remove-DbBackup -Destination $missing -KeepLast 1 -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be 'DestinationNotFound,BackupPS.Cmdlets.RemoveDbBackupCommand'
    }
}
