#Requires -Version 7.4
# Hard guarantees of the BUILT module under failure, with real processes and files: a backup or restore killed
# (SIGKILL) at random points, damaged backups (flipped bytes, truncation, broken sidecars), hostile archives, and a
# full disk. Random choices come from one seed, printed, so a failure can be replayed with BACKUPPS_TEST_SEED.

BeforeDiscovery {
    # Points (fractions of a measured uninterrupted run, plus jitter) at which a child process is killed. A restore
    # replaces the target only near its end, so its points lean late.
    # BACKUPPS_KILL_POINTS=N spreads N points per group instead (build.ps1 FaultTest: the issue's ~50 per operation).
    $count = [int]($env:BACKUPPS_KILL_POINTS ?? 0)
    $script:BackupKillPoints = if ($count -gt 0) { @(0..($count - 1) | ForEach-Object { [math]::Round(0.05 + 0.9 * $_ / [math]::Max(1, $count - 1), 3) }) } else { @(0.1, 0.35, 0.6, 0.85) }
    $script:RestoreKillPoints = if ($count -gt 0) { @(0..($count - 1) | ForEach-Object { [math]::Round(0.15 + 0.83 * $_ / [math]::Max(1, $count - 1), 3) }) } else { @(0.2, 0.5, 0.7, 0.85, 0.95) }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'RobustHelpers.ps1')
    Import-BackupPSUnderTest
    $script:ModulePath = Get-BackupPSModulePath
    $script:Root = Join-Path $TestDrive 'robustness'
    $null = New-Item -ItemType Directory -Force $script:Root
    $script:Seed = if ($env:BACKUPPS_TEST_SEED) { [int]$env:BACKUPPS_TEST_SEED } else { Get-Random -Minimum 1 -Maximum 1000000 }
    $script:Random = [System.Random]::new($script:Seed)
    Write-Host "    Robustness.Tests.ps1 random seed: $($script:Seed) (set BACKUPPS_TEST_SEED to replay)"

    # Encrypted variants use a private passphrase file, as an unattended job would. A plaintext copy of a database
    # always holds its schema's SQL, so this text in a leftover file means plaintext was left at the destination.
    $script:KeyFile = Join-Path $script:Root 'backup.pass'
    Set-Content -LiteralPath $script:KeyFile -Value ('robust-' + [guid]::NewGuid().ToString('N'))
    & chmod 600 $script:KeyFile
    $script:PlaintextMarker = 'CREATE TABLE blobs'
    function Get-KeyArgs([bool] $Encrypted) { if ($Encrypted) { @{ PassphraseFile = $script:KeyFile } } else { @{} } }
    # Every *.partial left in Destination (archives and snapshots, hidden ones too) holds no plaintext database.
    function Assert-NoPlaintextLeftover([string] $Destination) {
        foreach ($f in @(Get-ChildItem -Force -File $Destination -Filter '*.partial' -ErrorAction Ignore)) {
            $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($f.FullName))
            $text.Contains($script:PlaintextMarker, [StringComparison]::Ordinal) | Should -BeFalse -Because "$($f.Name), left by an encrypted backup, must not hold the database in clear"
        }
    }

    # Runs an operation in a child pwsh, touching <marker> right before it and <marker>.done right after.
    $script:ChildScript = Join-Path $script:Root 'child.ps1'
    Set-Content -LiteralPath $script:ChildScript -Value @'
param([string] $ModulePath, [string] $Marker, [string] $Operation, [string] $A, [string] $B, [string] $KeyFile)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'BackupPS.psd1')
$key = if ($KeyFile) { @{ PassphraseFile = $KeyFile } } else { @{} }
[IO.File]::WriteAllText($Marker, 'started')
switch ($Operation) {
    'Backup' { $null = New-DbBackup -Database $A -Destination $B @key }
    'Restore' { $null = Restore-DbBackup -Path $A -Target $B -Force -LockTimeoutSec 60 @key }
}
[IO.File]::WriteAllText("$Marker.done", 'done')
'@

    # Starts the child, waits until the operation has begun, lets it run for DelayMs, then kills it with SIGKILL.
    # Returns whether it was still running when killed (else it had finished: a valid outcome, not a kill).
    function Invoke-KilledChild([string] $Name, [string] $Operation, [string] $A, [string] $B, [int] $DelayMs, [string] $KeyFile = '') {
        $marker = Join-Path $script:Root "$Name.marker"
        $p = Start-PwshChild -ScriptPath $script:ChildScript -ArgumentList @($script:ModulePath, $marker, $Operation, $A, $B, $KeyFile) -LogPrefix (Join-Path $script:Root $Name)
        try {
            Wait-Until -TimeoutSec 120 -Because "$Name to start its operation" -Condition { (Test-Path $marker) -or $p.HasExited }
            if ($p.HasExited -and -not (Test-Path $marker)) { throw "$Name exited before starting: $(Get-Content -Raw (Join-Path $script:Root "$Name.err"))" }
            Start-Sleep -Milliseconds $DelayMs
            $running = -not $p.HasExited
        } finally {
            Stop-ChildProcess $p
        }
        if (-not $running -and -not (Test-Path "$marker.done")) { throw "$Name failed on its own: $(Get-Content -Raw (Join-Path $script:Root "$Name.err"))" }
        $running -and -not (Test-Path "$marker.done")
    }

    # Runs the child to completion; returns how long the operation itself took (to spread the kill points over).
    function Measure-Child([string] $Name, [string] $Operation, [string] $A, [string] $B, [string] $KeyFile = '') {
        $marker = Join-Path $script:Root "$Name.marker"
        $p = Start-PwshChild -ScriptPath $script:ChildScript -ArgumentList @($script:ModulePath, $marker, $Operation, $A, $B, $KeyFile) -LogPrefix (Join-Path $script:Root $Name)
        try {
            Wait-Until -TimeoutSec 120 -Because "$Name to start" -Condition { (Test-Path $marker) -or $p.HasExited }
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Wait-Until -TimeoutSec 300 -IntervalMs 10 -Because "$Name to finish" -Condition { (Test-Path "$marker.done") -or $p.HasExited }
            $elapsed = $clock.Elapsed
            Wait-ChildProcess $p -TimeoutSec 60
        } finally {
            Stop-ChildProcess $p
        }
        if ($p.ExitCode -ne 0 -or -not (Test-Path "$marker.done")) { throw "$Name failed (exit $($p.ExitCode)): $(Get-Content -Raw (Join-Path $script:Root "$Name.err"))" }
        $elapsed
    }

    # Every listed backup in Destination is a whole file and passes Test-DbBackup (each one verified once: a finished
    # backup file is never written again); returns them. With -Encrypted every listed backup (PreRestore safety
    # backups too) is encrypted and passes the deep checks with the key.
    $script:VerifiedIds = [System.Collections.Generic.HashSet[guid]]::new()
    function Assert-ListedBackupsPass([string] $Destination, [switch] $Encrypted) {
        $key = Get-KeyArgs $Encrypted
        $listed = @(Get-DbBackup $Destination -ErrorVariable listErrors -ErrorAction SilentlyContinue)
        $listErrors | Should -BeNullOrEmpty -Because 'every sidecar in the destination is whole'
        foreach ($b in $listed) {
            $b.Path | Should -Not -BeLike '*.partial'
            (Get-Item -LiteralPath $b.Path).Length | Should -Be $b.SizeBytes
            $b.Encrypted | Should -Be ([bool]$Encrypted) -Because "$($b.Path) is in a folder of $(if ($Encrypted) { 'encrypted' } else { 'plain' }) backups"
            if (-not $script:VerifiedIds.Add($b.Id)) { continue }
            $result = Test-DbBackup -InputObject $b @key -ErrorVariable testErrors -ErrorAction SilentlyContinue
            $testErrors | Should -BeNullOrEmpty
            $result.Passed | Should -BeTrue -Because "listed backup $($b.Path) must be whole: $($result.FailureReason)"
            if ($Encrypted) { $result.Checks.Outcome | Should -Not -Contain 'Skipped' -Because 'with the passphrase every check runs on the decrypted archive' }
        }
        , $listed
    }
}

Describe 'New-DbBackup killed (SIGKILL) at random points (<Mode> mode<Label>)' -ForEach @(
    @{ Mode = 'delete'; Encrypted = $false; Label = '' }
    @{ Mode = 'wal'; Encrypted = $false; Label = '' }
    @{ Mode = 'delete'; Encrypted = $true; Label = ', encrypted' }  # delete mode: the snapshot goes through a temporary copy
) {
    BeforeAll {
        $dir = Join-Path $script:Root "crash-backup-$Mode$(if ($Encrypted) { '-enc' })"
        $keyFile = if ($Encrypted) { $script:KeyFile } else { '' }
        $key = Get-KeyArgs $Encrypted
        $oldTmp = $env:TMPDIR
        if ($Encrypted) { $env:TMPDIR = Join-Path $dir 'tmp'; $null = New-Item -ItemType Directory -Force $env:TMPDIR } # killed snapshots/scratch stay here, not in /tmp
        $dest = Join-Path $dir 'backups'
        $null = New-Item -ItemType Directory -Force $dir
        $source = New-TestDatabase -Path (Join-Path $dir 'source.db') -SizeMB 100 -JournalMode $Mode -Tag source
        $sourceHash = Get-Sha256 $source.Path
        $duration = Measure-Child "backup-$Mode$Label-calibration" 'Backup' $source.Path $dest $keyFile
        $script:ListedCount = @(Get-DbBackup $dest).Count
        $script:Interrupted = 0
        Write-Host "    [$Mode] an uninterrupted backup of $($source.Rows * 4000 / 1MB -as [int]) MB takes $([int]$duration.TotalMilliseconds) ms"
    }
    AfterAll {
        $env:TMPDIR = $oldTmp
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore # a few hundred MB: not kept until the end of the file
    }

    It 'lists only whole backups after a kill at <_> of the run' -ForEach $script:BackupKillPoints {
        $fraction = $_ + ($script:Random.NextDouble() - 0.5) * 0.1
        $delay = [int]($duration.TotalMilliseconds * $fraction)
        $killed = Invoke-KilledChild "backup-$Mode$Label-kill-$_" 'Backup' $source.Path $dest $delay $keyFile
        if ($killed) { $script:Interrupted++ }

        $listed = Assert-ListedBackupsPass $dest -Encrypted:$Encrypted
        if ($Encrypted) { Assert-NoPlaintextLeftover $dest }
        $listed.Count | Should -BeIn @($script:ListedCount, ($script:ListedCount + 1)) -Because 'a killed backup is either complete and listed, or not listed'
        if ($killed -and $listed.Count -gt $script:ListedCount) { Write-Host "    (killed after the sidecar was written: listed and whole)" }
        $script:ListedCount = $listed.Count
        Get-Sha256 $source.Path | Should -Be $sourceHash -Because 'the source is only read (its WAL, if any, was empty)'
        $leftovers = @(Get-ChildItem -Force $dest -Filter '*.partial')
        Write-Host "    [$Mode] kill after $delay ms: $(if ($killed) { 'interrupted' } else { 'had already finished' }); $($leftovers.Count) .partial file(s) left, not listed"
    }

    It 'interrupted at least one backup mid-way (the test is not vacuous)' {
        $script:Interrupted | Should -BeGreaterThan 0
    }

    It 'can still back up into the same destination afterwards, and the source is intact' {
        $b = New-DbBackup -Database $source.Path -Destination $dest @key -ErrorAction Stop
        $b.Encrypted | Should -Be $Encrypted
        (Test-DbBackup -InputObject $b @key).Passed | Should -BeTrue
        (Get-DbBackup $dest).Id | Should -Contain $b.Id
        Get-IntegrityCheck $source.Path | Should -Be 'ok'
        Get-Sha256 $source.Path | Should -Be $sourceHash
    }
}

Describe 'Restore-DbBackup killed (SIGKILL) at random points (<Mode> mode<Label>)' -ForEach @(
    @{ Mode = 'delete'; Encrypted = $false; Label = '' }
    @{ Mode = 'wal'; Encrypted = $false; Label = '' }
    @{ Mode = 'delete'; Encrypted = $true; Label = ', encrypted' }
) {
    BeforeAll {
        $dir = Join-Path $script:Root "crash-restore-$Mode$(if ($Encrypted) { '-enc' })"
        $keyFile = if ($Encrypted) { $script:KeyFile } else { '' }
        $key = Get-KeyArgs $Encrypted
        $oldTmp = $env:TMPDIR
        if ($Encrypted) { $env:TMPDIR = Join-Path $dir 'tmp'; $null = New-Item -ItemType Directory -Force $env:TMPDIR } # killed snapshots/scratch stay here, not in /tmp
        $dest = Join-Path $dir 'backups'
        $null = New-Item -ItemType Directory -Force $dir
        $old = New-TestDatabase -Path (Join-Path $dir 'old-template.db') -SizeMB 50 -JournalMode $Mode -Tag old
        $new = New-TestDatabase -Path (Join-Path $dir 'new.db') -SizeMB 60 -JournalMode $Mode -Tag new
        $expectedRows = @{ old = $old.Rows; new = $new.Rows }
        $backup = New-DbBackup -Database $new.Path -Destination $dest @key -ErrorAction Stop
        $backup.Encrypted | Should -Be $Encrypted
        $target = Join-Path $dir 'target.db'
        function Reset-Target {
            Remove-Item "$target", "$target-wal", "$target-shm", "$target-journal" -Force -ErrorAction Ignore
            Copy-Item $old.Path $target
        }
        Reset-Target
        $duration = Measure-Child "restore-$Mode$Label-calibration" 'Restore' $backup.Path $target $keyFile
        (Invoke-Sqlite3 $target 'SELECT tag FROM meta;') | Should -Be 'new'
        $script:RestoreInterrupted = 0
        Write-Host "    [$Mode] an uninterrupted restore takes $([int]$duration.TotalMilliseconds) ms"
    }
    AfterAll {
        $env:TMPDIR = $oldTmp
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
    }

    It 'leaves the target old or new, never damaged, after a kill at <_> of the run' -ForEach $script:RestoreKillPoints {
        Reset-Target
        $fraction = $_ + ($script:Random.NextDouble() - 0.5) * 0.1
        $delay = [int]($duration.TotalMilliseconds * $fraction)
        $killed = Invoke-KilledChild "restore-$Mode$Label-kill-$_" 'Restore' $backup.Path $target $delay $keyFile
        if ($killed) { $script:RestoreInterrupted++ }

        # sqlite3 opening the target recovers a hot journal or WAL as any application would.
        Get-IntegrityCheck $target | Should -Be 'ok'
        $tag = Invoke-Sqlite3 $target 'SELECT tag FROM meta;'
        $tag | Should -BeIn @('old', 'new')
        [long](Invoke-Sqlite3 $target 'SELECT count(*) FROM blobs;') | Should -Be $expectedRows[$tag] -Because "the '$tag' content is whole"
        $null = Assert-ListedBackupsPass $dest -Encrypted:$Encrypted # the backup and any PreRestore safety backup that got listed
        if ($Encrypted) { Assert-NoPlaintextLeftover $dest } # an interrupted safety backup of the old target included
        Write-Host "    [$Mode] kill after $delay ms: $(if ($killed) { 'interrupted' } else { 'had already finished' }); target holds '$tag'"
    }

    It 'interrupted at least one restore mid-way (the test is not vacuous)' {
        $script:RestoreInterrupted | Should -BeGreaterThan 0
    }
}

Describe 'Damaged backups are detected, never restored' {
    BeforeAll {
        $dir = Join-Path $script:Root 'damage'
        $null = New-Item -ItemType Directory -Force $dir
        $source = Join-Path $dir 'chinook.db'
        # The sample database (real schema, indexes) from shared/ beside the repository; a generated one otherwise.
        $sample = Join-Path $PSScriptRoot '../../../shared/data/Chinook_Sqlite.sqlite'
        if (Test-Path $sample) { Copy-Item $sample $source; & chmod 600 $source } else { $null = New-TestDatabase -Path $source -SizeMB 2 -Tag chinook }
        $good = New-DbBackup -Database $source -Destination (Join-Path $dir 'good') -ErrorAction Stop
        $goodFile = $good.Path
        $goodName = Split-Path -Leaf $goodFile
        $goodSize = (Get-Item $goodFile).Length
        (Test-DbBackup -InputObject $good).Passed | Should -BeTrue

        # The restore target: an existing database with other content, which must never change.
        $target = Join-Path $dir 'target/app.db'
        $null = New-Item -ItemType Directory -Force (Split-Path $target)
        $null = New-TestDatabase -Path $target -SizeMB 1 -Tag target
        $targetHash = Get-Sha256 $target

        $script:CaseNumber = 0
        # Copies the good backup (with its sidecar unless Bare) into a fresh folder and damages the copy.
        function New-DamagedCopy([string] $Kind, [string] $At, [int] $Xor, [switch] $Bare) {
            $script:CaseNumber++
            $folder = Join-Path $dir "case-$($script:CaseNumber)"
            $null = New-Item -ItemType Directory -Force $folder
            $copy = Join-Path $folder $goodName
            Copy-Item $goodFile $copy
            if (-not $Bare) { Copy-Item "$goodFile.json" "$copy.json" }
            $offset = switch -Regex ($At) {
                '^random$' { $script:Random.NextInt64(16, $goodSize - 16) }
                '^-\d+$' { $goodSize + [long]$At }
                '^0?\.\d+$' { [long]($goodSize * [double]$At) }
                default { [long]$At }
            }
            if ($Kind -eq 'flip') {
                $x = if ($Xor -gt 0) { $Xor } else { $script:Random.Next(1, 256) }
                $fs = [IO.File]::Open($copy, 'Open', 'ReadWrite')
                try { $fs.Position = $offset; $b = $fs.ReadByte(); $fs.Position = $offset; $fs.WriteByte($b -bxor $x) } finally { $fs.Dispose() }
                $what = "byte $offset of $goodSize xor 0x$('{0:x2}' -f $x)"
            } else {
                $fs = [IO.File]::Open($copy, 'Open', 'ReadWrite')
                try { $fs.SetLength($offset) } finally { $fs.Dispose() }
                $what = "truncated to $offset of $goodSize bytes"
            }
            (Get-Sha256 $copy) | Should -Not -Be (Get-Sha256 $goodFile)
            [pscustomobject]@{ Folder = $folder; Path = $copy; What = $what }
        }
    }

    Context 'with its sidecar (a listed backup): <Kind> at <At>' -ForEach @(
        @{ Kind = 'flip'; At = '0'; Xor = 0xFF }        # zstd magic
        @{ Kind = 'flip'; At = '4'; Xor = 0xFF }        # zstd frame header descriptor
        @{ Kind = 'flip'; At = '5'; Xor = 0x01 }        # window descriptor: content may still decode; only the file hash can tell
        @{ Kind = 'flip'; At = '0.25'; Xor = 0 }
        @{ Kind = 'flip'; At = '0.5'; Xor = 0 }
        @{ Kind = 'flip'; At = 'random'; Xor = 0 }
        @{ Kind = 'flip'; At = 'random'; Xor = 0 }
        @{ Kind = 'flip'; At = '-10'; Xor = 0 }         # near the end
        @{ Kind = 'flip'; At = '-1'; Xor = 0 }          # last byte: frame checksum
        @{ Kind = 'truncate'; At = '0'; Xor = 0 }
        @{ Kind = 'truncate'; At = '100'; Xor = 0 }
        @{ Kind = 'truncate'; At = '0.5'; Xor = 0 }
        @{ Kind = 'truncate'; At = 'random'; Xor = 0 }
        @{ Kind = 'truncate'; At = '-4'; Xor = 0 }      # exactly the frame checksum cut off
        @{ Kind = 'truncate'; At = '-1'; Xor = 0 }
    ) {
        BeforeAll {
            $case = New-DamagedCopy -Kind $Kind -At $At -Xor $Xor
            $listed = @(Get-DbBackup $case.Folder)
        }

        It 'Test-DbBackup reports Passed = $false with a reason, not an error' {
            $listed | Should -HaveCount 1
            $result = Test-DbBackup -InputObject $listed[0] -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -BeNullOrEmpty
            $result.Passed | Should -BeFalse -Because $case.What
            $result.FailureReason | Should -Not -BeNullOrEmpty
            ($result.Checks | Where-Object Outcome -EQ 'Failed') | Should -Not -BeNullOrEmpty
            (Get-DbBackup $case.Folder).LastVerificationPassed | Should -BeFalse -Because 'the failed verification is recorded in the sidecar'
        }

        It 'Restore-DbBackup refuses with BackupVerificationFailed, target byte-identical' {
            $result = Restore-DbBackup -InputObject $listed[0] -Target $target -Force -ErrorVariable err -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'BackupVerificationFailed,BackupPS.Cmdlets.RestoreDbBackupCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
            Get-Sha256 $target | Should -Be $targetHash
            Get-ChildItem -Force (Split-Path $target) | ForEach-Object Name | Should -Be @('app.db') -Because 'no scratch or journal is left beside the target'
            @(Get-DbBackup $case.Folder -Type PreRestore) | Should -HaveCount 0 -Because 'a refused restore keeps no safety backup'
        }
    }

    Context 'without a sidecar (a bare file given by -Path): <Kind> at <At>' -ForEach @(
        @{ Kind = 'flip'; At = '0'; Xor = 0xFF }
        @{ Kind = 'flip'; At = '4'; Xor = 0xFF }
        @{ Kind = 'flip'; At = '0.25'; Xor = 0 }
        @{ Kind = 'flip'; At = '0.5'; Xor = 0 }
        @{ Kind = 'flip'; At = 'random'; Xor = 0 }
        @{ Kind = 'flip'; At = '-10'; Xor = 0 }
        @{ Kind = 'flip'; At = '-1'; Xor = 0 }
        @{ Kind = 'truncate'; At = '0'; Xor = 0 }
        @{ Kind = 'truncate'; At = '100'; Xor = 0 }
        @{ Kind = 'truncate'; At = '0.5'; Xor = 0 }
        @{ Kind = 'truncate'; At = '-4'; Xor = 0 }
        @{ Kind = 'truncate'; At = '-1'; Xor = 0 }
    ) {
        BeforeAll {
            $case = New-DamagedCopy -Kind $Kind -At $At -Xor $Xor -Bare
        }

        It 'Test-DbBackup -Path reports Passed = $false with a reason, not an error' {
            $result = Test-DbBackup -Path $case.Path -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -BeNullOrEmpty
            $result.Passed | Should -BeFalse -Because $case.What
            $result.FailureReason | Should -Not -BeNullOrEmpty
        }

        It 'Restore-DbBackup -Path refuses, target byte-identical' {
            $result = Restore-DbBackup -Path $case.Path -Target $target -Force -ErrorVariable err -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeIn @('BackupVerificationFailed,BackupPS.Cmdlets.RestoreDbBackupCommand', 'BackupCorrupt,BackupPS.Cmdlets.RestoreDbBackupCommand')
            Get-Sha256 $target | Should -Be $targetHash
            Get-ChildItem -Force (Split-Path $target) | ForEach-Object Name | Should -Be @('app.db')
            @(Get-DbBackup $case.Folder -Type PreRestore) | Should -HaveCount 0
        }
    }

    It 'a sidecar with invalid JSON: Get-DbBackup writes SidecarUnreadable and still lists the other backups' {
        $folder = Join-Path $dir 'bad-sidecar'
        $first = New-DbBackup -Database $source -Destination $folder -ErrorAction Stop
        $second = New-DbBackup -Database $source -Destination $folder -Name other -ErrorAction Stop
        $third = New-DbBackup -Database $source -Destination $folder -Name third -ErrorAction Stop
        Set-Content -LiteralPath "$($second.Path).json" -Value '{ "sidecarVersion": 1, "manifest": { oops'

        $listed = @(Get-DbBackup $folder -ErrorVariable err -ErrorAction SilentlyContinue)
        $listed.Id | Should -Be @($third.Id, $first.Id)
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'SidecarUnreadable,BackupPS.Cmdlets.GetDbBackupCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        "$($err[0])" | Should -BeLike "*$(Split-Path -Leaf $second.Path).json*"

        # As the error advises, Test-DbBackup -Path still checks the backup itself, by the checksums inside it.
        $result = Test-DbBackup -Path $second.Path -ErrorVariable testErr -WarningVariable testWarn -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $testErr | Should -BeNullOrEmpty
        $testWarn | Should -HaveCount 1
        "$($testWarn[0])" | Should -BeLike '*sidecar*cannot be read*'
        $result.Passed | Should -BeTrue -Because $result.FailureReason
        # ... and still catches damage to it.
        $fs = [IO.File]::Open($second.Path, 'Open', 'ReadWrite')
        try { $fs.Position = $fs.Length / 2; $b = $fs.ReadByte(); $fs.Position = $fs.Length / 2; $fs.WriteByte($b -bxor 0x5A) } finally { $fs.Dispose() }
        $result = Test-DbBackup -Path $second.Path -ErrorVariable testErr -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $testErr | Should -BeNullOrEmpty
        $result.Passed | Should -BeFalse
        # Restore refuses to act on a backup whose sidecar it cannot read.
        Restore-DbBackup -Path $second.Path -Target $target -Force -ErrorVariable restoreErr -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $restoreErr[0].FullyQualifiedErrorId | Should -Be 'SidecarUnreadable,BackupPS.Cmdlets.RestoreDbBackupCommand'
        Get-Sha256 $target | Should -Be $targetHash
    }
}

Describe 'Hostile archives are refused' {
    BeforeAll {
        $dir = Join-Path $script:Root 'hostile'
        $outside = Join-Path $dir 'outside'
        $null = New-Item -ItemType Directory -Force $outside
        $linkTarget = Join-Path $outside 'link-target'
        Set-Content -LiteralPath $linkTarget -Value 'precious'
        $linkTargetHash = Get-Sha256 $linkTarget
        $source = Join-Path $dir 'source.db'
        $null = New-TestDatabase -Path $source -SizeMB 1 -Tag hostile
        $good = New-DbBackup -Database $source -Destination (Join-Path $dir 'good') -ErrorAction Stop
        $builder = Join-Path $PSScriptRoot 'tools/New-HostileArchive.py'

        function New-Hostile([string] $Case) {
            $path = Join-Path $dir "$Case.tar.zst"
            $out = & python3 $builder $good.Path $path $Case $outside 2>&1
            if ($LASTEXITCODE -ne 0) { throw "Building the '$Case' archive failed: $out" }
            $path
        }
        # Names a hostile entry could create, wherever an extraction might resolve it.
        function Get-EscapedFile {
            $candidates = @(
                (Join-Path $outside 'abs-evil'), (Join-Path $dir 'evil'), (Join-Path $TestDrive 'evil'), (Join-Path $script:Root 'evil'),
                (Join-Path ([IO.Path]::GetTempPath()) 'evil'), '/evil', (Join-Path $outside 'data-original'))
            @($candidates | Where-Object { Test-Path -LiteralPath $_ }) +
            @(Get-ChildItem -Recurse -Force $dir -Filter '*evil*' | Where-Object { $_.Name -notlike '*.tar.zst' } | ForEach-Object FullName) +
            @(Get-ChildItem -Recurse -Force $dir | Where-Object LinkType | ForEach-Object FullName)
        }
    }

    It 'the control archive (same builder, no hostile entry) passes, so the builder itself is sound' {
        $result = Test-DbBackup -Path (New-Hostile 'clean')
        $result.Passed | Should -BeTrue -Because $result.FailureReason
    }

    It '<Case>: Test-DbBackup -Path fails with a clear reason; Restore-DbBackup -Path refuses and writes nothing' -ForEach @(
        @{ Case = 'dotdot'; Reason = '*unsafe path*../evil*' }
        @{ Case = 'dotdot-nested'; Reason = '*unsafe path*files/data/../../../evil*' }
        @{ Case = 'absolute'; Reason = '*unsafe path*abs-evil*' }
        @{ Case = 'symlink'; Reason = "*files/data/link*SymbolicLink*" }
        @{ Case = 'hardlink'; Reason = "*files/data/hard*HardLink*" }
        @{ Case = 'unlisted'; Reason = '*files/data/extra.txt*manifest does not list*' }
        @{ Case = 'unlisted-dotdot'; Reason = '*../evil*manifest does not list*' }
    ) {
        $archive = New-Hostile $Case
        $result = Test-DbBackup -Path $archive -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -BeNullOrEmpty
        $result.Passed | Should -BeFalse
        $result.FailureReason | Should -BeLike $Reason

        $restoreDir = Join-Path $dir "restore-$Case"
        $null = New-Item -ItemType Directory -Force $restoreDir
        $restored = Restore-DbBackup -Path $archive -Target (Join-Path $restoreDir 'app.db') -FilesTarget (Join-Path $restoreDir 'files') -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $restored | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeIn @('BackupVerificationFailed,BackupPS.Cmdlets.RestoreDbBackupCommand', 'BackupCorrupt,BackupPS.Cmdlets.RestoreDbBackupCommand')
        Get-ChildItem -Force -Recurse $restoreDir | Should -BeNullOrEmpty -Because 'nothing is written, not even inside the target folder'
        Get-EscapedFile | Should -BeNullOrEmpty
        Get-Sha256 $linkTarget | Should -Be $linkTargetHash
        @(Get-ChildItem -Force $outside).Name | Should -Be @('link-target')
    }
}

Describe 'Disk full at the destination' {
    BeforeAll {
        $dir = Join-Path $script:Root 'diskfull'
        $small = Join-Path $dir 'small'
        $null = New-Item -ItemType Directory -Force $small
        $mounted = $false
        $skipReason = $null
        if (-not $IsLinux) { $skipReason = 'needs Linux tmpfs' }
        elseif ((& id -u) -ne '0') { $skipReason = 'needs root to mount a 2 MiB tmpfs' }
        else {
            $out = & mount -t tmpfs -o size=2m,mode=0700 tmpfs $small 2>&1
            if ($LASTEXITCODE -eq 0) { $mounted = $true } else { $skipReason = "mount -t tmpfs failed: $out" }
        }
        function New-IncompressibleDatabase([string] $Path, [int] $KiB) {
            $null = Invoke-Sqlite3 $Path @('CREATE TABLE r(id INTEGER PRIMARY KEY, b BLOB);',
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $([int]($KiB / 4))) INSERT INTO r(b) SELECT randomblob(3900) FROM c;")
            $Path
        }
    }
    AfterAll {
        if ($mounted) { & umount $small }
    }

    It 'fails with one DiskFull error and leaves nothing when the <Where> does not fit<Label>' -ForEach @(
        @{ Where = 'snapshot'; KiB = 6144; Encrypted = $false; Label = '' }   # the SQLite snapshot itself overflows the 2 MiB
        @{ Where = 'archive'; KiB = 1300; Encrypted = $false; Label = '' }    # the snapshot fits, snapshot + compressed archive do not
        # An encrypted backup takes its snapshot in the system temporary folder (never plaintext at the destination),
        # so only its archive can overflow the destination.
        @{ Where = 'archive'; KiB = 3072; Encrypted = $true; Label = ' (encrypted)' }
    ) {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason; return }
        $name = "$Where$(if ($Encrypted) { '-enc' })"
        $db = New-IncompressibleDatabase (Join-Path $dir "$name.db") $KiB
        $hash = Get-Sha256 $db
        $dest = Join-Path $small $name
        $key = Get-KeyArgs $Encrypted
        $tmp = Join-Path $dir "$name-tmp" # this run's own temporary folder, to see that its scratch is removed
        $null = New-Item -ItemType Directory -Force $tmp
        $oldTmp = $env:TMPDIR
        $env:TMPDIR = $tmp
        try { $backup = New-DbBackup -Database $db -Destination $dest @key -ErrorVariable err -ErrorAction SilentlyContinue }
        finally { $env:TMPDIR = $oldTmp }
        $backup | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'DiskFull,BackupPS.Cmdlets.NewDbBackupCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        Get-ChildItem -Force -Recurse $dest | Where-Object Name -ne 'audit.jsonl' | Should -BeNullOrEmpty -Because 'no .partial, snapshot, probe or sidecar is left behind'
        # Once the partial files are gone there is room again for the audit line of the failure.
        if (Test-Path (Join-Path $dest 'audit.jsonl')) { (Get-DbBackupAuditLog $dest).ErrorId | Should -Be 'DiskFull' }
        Get-ChildItem -Force -Recurse $tmp | Should -BeNullOrEmpty -Because 'no scratch or snapshot is left in the temporary folder'
        @(Get-DbBackup $dest) | Should -HaveCount 0
        Get-Sha256 $db | Should -Be $hash
        Get-IntegrityCheck $db | Should -Be 'ok'
    }
}
