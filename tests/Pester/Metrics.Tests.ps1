# -MetricsPath through the built module: the Prometheus textfile each cmdlet writes, parsed back with a strict parser
# of the text exposition format (promtool check metrics too, when it is installed).
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'metrics'
    $script:db = New-SmallDatabase (Join-Path $ws 'app.db') -Rows 5

    # Strict: every line is a HELP or TYPE comment or a sample of the family last TYPEd; returns the samples as
    # @{ Name; Labels (ordered hashtable, unescaped); Value } objects.
    function Read-PromFile([string] $Path) {
        $text = Get-Content -Raw -LiteralPath $Path
        $text | Should -Match '\n$'
        $label = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
        $sample = "^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>$label(?:,$label)*)\})? (?<value>-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$"
        $typed = $null
        $seenFamilies = @{}
        foreach ($line in $text.TrimEnd("`n").Split("`n")) {
            if ($line -match '^# HELP (?<n>[a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$') { continue }
            if ($line -match '^# TYPE (?<n>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<t>gauge|counter|histogram|summary|untyped)$') {
                $seenFamilies.ContainsKey($Matches.n) | Should -BeFalse -Because "family $($Matches.n) appears once"
                $seenFamilies[$Matches.n] = $true
                $typed = $Matches.n
                continue
            }
            $line | Should -Match $sample
            $m = [regex]::Match($line, $sample)
            $m.Groups['name'].Value | Should -Be $typed -Because 'a sample follows the TYPE line of its family'
            $labels = [ordered]@{}
            foreach ($l in [regex]::Matches($m.Groups['labels'].Value, '(?<k>[a-zA-Z_][a-zA-Z0-9_]*)="(?<v>(?:[^"\\]|\\.)*)"')) {
                # One pass, so \\n is a backslash and an n, not a backslash and a newline.
                $labels[$l.Groups['k'].Value] = [regex]::Replace($l.Groups['v'].Value, '\\(.)', { param($m) if ($m.Groups[1].Value -eq 'n') { "`n" } else { $m.Groups[1].Value } })
            }
            [pscustomobject]@{ Name = $m.Groups['name'].Value; Labels = $labels; Value = [double]::Parse($m.Groups['value'].Value, [cultureinfo]::InvariantCulture) }
        }
    }

    function Get-Sample($Samples, [string] $Name, [string] $Database, [string] $Operation) {
        @($Samples | Where-Object { $_.Name -eq $Name -and $_.Labels['database'] -eq $Database -and (-not $Operation -or $_.Labels['operation'] -eq $Operation) })
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe '-MetricsPath' {
    It 'New-DbBackup writes the last success, run result, duration and size of the backup' {
        $prom = Join-Path $ws 'textfile/backupps.prom'
        $before = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 1
        $b = New-DbBackup $db (Join-Path $ws 'b1') -MetricsPath $prom
        $s = Read-PromFile $prom
        $success = Get-Sample $s 'backupps_last_success_timestamp_seconds' 'app' 'backup'
        $success.Count | Should -Be 1
        $success[0].Value | Should -BeGreaterOrEqual $before
        $success[0].Value | Should -BeLessOrEqual ([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 1)
        (Get-Sample $s 'backupps_last_run_success' 'app' 'backup')[0].Value | Should -Be 1
        (Get-Sample $s 'backupps_last_size_bytes' 'app' 'backup')[0].Value | Should -Be $b.SizeBytes
        (Get-Sample $s 'backupps_last_duration_seconds' 'app' 'backup')[0].Value | Should -BeGreaterOrEqual 0
        Get-Mode $prom | Should -Be '644'
        @(Get-ChildItem -Force (Split-Path $prom) | Where-Object Name -notin 'backupps.prom', 'backupps.prom.lock') | Should -BeNullOrEmpty -Because 'no temporary file is left'
    }

    It 'Test, Restore and Remove add their series and keep the others; a failed backup keeps the last success' {
        $prom = Join-Path $ws 'all.prom'
        $b = New-DbBackup $db (Join-Path $ws 'b2') -MetricsPath $prom
        $other = New-SmallDatabase (Join-Path $ws 'other.db') -Rows 1
        New-DbBackup $other (Join-Path $ws 'b2') -MetricsPath $prom | Out-Null
        $firstSuccess = (Get-Sample (Read-PromFile $prom) 'backupps_last_success_timestamp_seconds' 'app' 'backup')[0].Value

        $b | Test-DbBackup -MetricsPath $prom | Out-Null
        $b | Restore-DbBackup -Target (Join-Path $ws 'restored.db') -Force -MetricsPath $prom | Out-Null
        $b | Remove-DbBackup -Force -MetricsPath $prom
        Start-Sleep -Milliseconds 20
        New-DbBackup $db (Join-Path $ws 'b2') -Name 'app' -Compression Zstd -IncludePath (Join-Path $ws 'nothing-here') -MetricsPath $prom -ErrorAction SilentlyContinue

        $s = Read-PromFile $prom
        (Get-Sample $s 'backupps_last_success_timestamp_seconds' 'app' 'backup')[0].Value | Should -Be $firstSuccess
        (Get-Sample $s 'backupps_last_run_success' 'app' 'backup')[0].Value | Should -Be 0
        (Get-Sample $s 'backupps_last_run_timestamp_seconds' 'app' 'backup')[0].Value | Should -BeGreaterThan $firstSuccess
        (Get-Sample $s 'backupps_last_run_success' 'other' 'backup')[0].Value | Should -Be 1
        foreach ($op in 'verify', 'restore', 'remove') {
            (Get-Sample $s 'backupps_last_run_success' 'app' $op)[0].Value | Should -Be 1 -Because "$op succeeded"
            @(Get-Sample $s 'backupps_last_success_timestamp_seconds' 'app' $op).Count | Should -Be 1
        }
        (Get-Sample $s 'backupps_last_verification_passed' 'app')[0].Value | Should -Be 1
        (Get-Sample $s 'backupps_last_verification_passed' 'app')[0].Labels.Keys | Should -Be @('database')
    }

    It 'a failed verification sets backupps_last_verification_passed to 0' {
        $prom = Join-Path $ws 'verify.prom'
        $b = New-DbBackup $db (Join-Path $ws 'b3')
        $bytes = [IO.File]::ReadAllBytes($b.Path)
        $bytes[100] = $bytes[100] -bxor 0xFF
        [IO.File]::WriteAllBytes($b.Path, $bytes)
        ($b | Test-DbBackup -MetricsPath $prom).Passed | Should -BeFalse
        $s = Read-PromFile $prom
        (Get-Sample $s 'backupps_last_verification_passed' 'app')[0].Value | Should -Be 0
        (Get-Sample $s 'backupps_last_run_success' 'app' 'verify')[0].Value | Should -Be 0
        @(Get-Sample $s 'backupps_last_success_timestamp_seconds' 'app' 'verify').Count | Should -Be 0
    }

    It 'escapes label values (backslash, double quote, newline) and they parse back' {
        $prom = Join-Path $ws 'escape.prom'
        # A failed backup reports the -Name as given (a successful one makes it file-safe first).
        $name = "we`"ird\name`nline2"
        New-DbBackup (Join-Path $ws 'absent.db') (Join-Path $ws 'b4') -Name $name -MetricsPath $prom -ErrorAction SilentlyContinue
        (Get-Content -Raw $prom) | Should -Match ([regex]::Escape('database="we\"ird\\name\nline2",operation="backup"'))
        $s = Read-PromFile $prom
        $s.Count | Should -BeGreaterThan 0
        $s | ForEach-Object { $_.Labels['database'] | Should -BeExactly $name }
    }

    It 'a metrics file that cannot be written is a warning; the backup is made' {
        $dir = Join-Path $ws 'is-a-folder.prom'
        New-Item -ItemType Directory $dir | Out-Null
        $b = New-DbBackup $db (Join-Path $ws 'b5') -MetricsPath $dir -WarningVariable w -WarningAction SilentlyContinue
        $b.Path | Should -Exist
        "$w" | Should -Match 'metrics file'
    }

    It 'passes promtool check metrics when promtool is installed' -Skip:(-not (Get-Command promtool -ErrorAction Ignore)) {
        $prom = Join-Path $ws 'all.prom'
        Get-Content -Raw $prom | & promtool check metrics
        $LASTEXITCODE | Should -Be 0
    }
}
