# One malformed or hostile PostgreSQL backup in a folder (issue 12) never breaks listing, testing or restoring the
# others, and each bad one gets its own specific error or failure reason.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/RobustHelpers.ps1
    . $PSScriptRoot/PostgresTestHelpers.ps1
    . $PSScriptRoot/PostgresDiffHelpers.ps1
    Import-BackupPSUnderTest
    $script:pg = Start-TestPgCluster
}

AfterAll {
    Stop-TestPgCluster $pg
}

Describe 'A PostgreSQL backup folder with bad backups among good ones' -Skip:$noPg {
    BeforeAll {
        $script:folder = Join-Path $pg.Dir 'mixed'
        Invoke-TestPsql $pg postgres 'CREATE DATABASE shop OWNER app' | Out-Null
        Invoke-TestPsql $pg shop "CREATE TABLE item (id int PRIMARY KEY, name text); INSERT INTO item SELECT g, 'item ' || g FROM generate_series(1, 50) g; SELECT lo_from_bytea(0, '\x0102'::bytea);" -User app | Out-Null
        $url = $pg.AppUrl('shop')
        $script:good1 = New-DbBackup -Database $url -Destination $folder -Name good1
        # The others hold one row more than good1, so a restore that followed the pointer sidecar to good1 would show.
        Invoke-TestPsql $pg shop "INSERT INTO item VALUES (51, 'after good1')" -User app | Out-Null
        $script:good2 = New-DbBackup -Database $url -Destination $folder -Name good2
        $bad = @{}
        foreach ($n in 'truncated', 'garbagesidecar', 'pointer', 'absurd', 'garbagedump') { $bad[$n] = New-DbBackup -Database $url -Destination $folder -Name $n }
        $script:bad = $bad

        # Truncated archive: half of it is gone.
        $fs = [IO.File]::Open($bad.truncated.Path, 'Open', 'ReadWrite'); try { $fs.SetLength([long]($fs.Length / 2)) } finally { $fs.Dispose() }
        # Garbage sidecar JSON.
        Set-Content -LiteralPath "$($bad.garbagesidecar.Path).json" -Value "{ `"sidecarVersion`": 1, `"manifest`": [ garbage"
        # A sidecar pointing at another backup's file.
        $side = Get-Content -Raw "$($bad.pointer.Path).json" | ConvertFrom-Json
        $side.backupFile = Split-Path -Leaf $good1.Path
        $side | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath "$($bad.pointer.Path).json"
        # A manifest with absurd values in the sidecar (sizes, counts, dates, version).
        $side = Get-Content -Raw "$($bad.absurd.Path).json" | ConvertFrom-Json
        $side.sizeBytes = [long]::MaxValue
        $side.manifest.tables[0].rows = -7
        foreach ($e in $side.manifest.entries) { $e.size = [long]::MaxValue }
        $side.manifest.postgres.largeObjects.count = [long]::MaxValue
        $side | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath "$($bad.absurd.Path).json"
        # A valid-looking backup (right checksums everywhere) whose dump is garbage.
        $out = & python3 (Join-Path $PSScriptRoot 'tools/New-GarbageDumpBackup.py') $bad.garbagedump.Path $bad.garbagedump.Path 2>&1
        if ($LASTEXITCODE -ne 0) { throw "building the garbage-dump backup failed: $out" }
    }

    It 'Get-DbBackup lists every readable backup and reports the unreadable sidecar by name, once' {
        $listed = @(Get-DbBackup $folder -ErrorVariable err -ErrorAction SilentlyContinue)
        $listed.Database | Sort-Object | Should -Be (@('absurd', 'garbagedump', 'good1', 'good2', 'pointer', 'truncated') | Sort-Object)
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SidecarUnreadable,*'
        "$($err[0])" | Should -BeLike "*$(Split-Path -Leaf $bad.garbagesidecar.Path).json*"
    }

    It 'Get-DbBackup | Test-DbBackup passes the good ones and fails each bad one with its own reason, without an error' {
        $results = @(Get-DbBackup $folder -ErrorAction SilentlyContinue | Test-DbBackup -ErrorVariable err -ErrorAction SilentlyContinue)
        $err | Should -BeNullOrEmpty
        $byName = @{}
        foreach ($r in $results) { $byName[(Split-Path -Leaf $r.Path)] = $r }
        $byName[(Split-Path -Leaf $good1.Path)].Passed | Should -BeTrue
        $byName[(Split-Path -Leaf $good2.Path)].Passed | Should -BeTrue
        $reasons = [ordered]@{
            truncated   = $byName[(Split-Path -Leaf $bad.truncated.Path)]
            absurd      = $byName[(Split-Path -Leaf $bad.absurd.Path)]
            garbagedump = $byName[(Split-Path -Leaf $bad.garbagedump.Path)]
        }
        foreach ($k in $reasons.Keys) { $reasons[$k].Passed | Should -BeFalse -Because "$k is bad"; $reasons[$k].FailureReason | Should -Not -BeNullOrEmpty }
        $reasons.truncated.FailureReason | Should -BeLike '*truncated*'
        $reasons.absurd.FailureReason | Should -Not -Be $reasons.truncated.FailureReason
        $reasons.garbagedump.FailureReason | Should -BeLike '*pg_restore --list cannot read the dump*'
        # The pointer sidecar's backupFile names good1's file: BackupPS goes by the sidecar's own name, so the pointer backup is its own file, tested as such.
        $pointer = @($results | Where-Object { $_.Path -eq $bad.pointer.Path })
        $pointer | Should -HaveCount 1
        $pointer[0].Passed | Should -BeTrue -Because $pointer[0].FailureReason
    }

    It '<Case>: restored on its own, it is refused with a specific error; the target is never created' -ForEach @(
        @{ Case = 'truncated'; Ids = @('BackupVerificationFailed', 'BackupCorrupt') }
        @{ Case = 'garbagesidecar'; Ids = @('SidecarUnreadable') }
        @{ Case = 'absurd'; Ids = @('BackupVerificationFailed', 'BackupCorrupt', 'SidecarMismatch') }
        @{ Case = 'garbagedump'; Ids = @('BackupVerificationFailed') }
    ) {
        $target = "restored_$Case"
        $err = Get-ThrownError { Restore-DbBackup -Path $bad[$Case].Path -Target $pg.AppUrl($target) -Confirm:$false -ErrorAction Stop }
        $err | Should -Not -BeNullOrEmpty
        ($err.FullyQualifiedErrorId -split ',')[0] | Should -BeIn $Ids
        Invoke-TestPsql $pg postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'restored_$Case%'" | Should -Be '0'
    }

    It 'the backup whose sidecar points at another file restores its own archive, never the other backup' {
        Restore-DbBackup -Path $bad.pointer.Path -Target $pg.AppUrl('restored_pointer') -Confirm:$false -ErrorAction Stop | Out-Null
        Invoke-TestPsql $pg restored_pointer 'SELECT count(*) FROM item' | Should -Be '51'
    }

    It 'a good backup in the same folder still restores, with its table and large object' {
        Get-DbBackup $folder -DatabaseName good2 -ErrorAction SilentlyContinue | Restore-DbBackup -Target $pg.AppUrl('shop_restored') -Confirm:$false | Out-Null
        (Get-TestDatabaseFingerprint $pg shop_restored) -join "`n" | Should -Be ((Get-TestDatabaseFingerprint $pg shop) -join "`n")
    }
}
