# Fault injection with numbers: random single-byte flips and truncations of plain (zstd, gzip, tar) and encrypted
# backups. Every damaged copy must fail Test-DbBackup and be refused by Restore-DbBackup with the restore target
# untouched. Counts: BACKUPPS_FAULT_FLIPS (default 1000) and BACKUPPS_FAULT_TRUNCATIONS (default 100); the seed is
# BACKUPPS_TEST_SEED (printed, to replay). All in this one process: a flip costs one verify and one refused restore.
# Encrypted backups here use a certificate recipient (RSA unwrap is ~1 ms) and a passphrase (PBKDF2, ~0.3 s) for
# the truncations; chunk reordering and truncation at chunk boundaries are covered in the xunit suite.
BeforeAll {
    . $PSScriptRoot/../Pester/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:flips = if ($env:BACKUPPS_FAULT_FLIPS) { [int]$env:BACKUPPS_FAULT_FLIPS } else { 1000 }
    $script:truncations = if ($env:BACKUPPS_FAULT_TRUNCATIONS) { [int]$env:BACKUPPS_FAULT_TRUNCATIONS } else { 100 }
    $script:seed = if ($env:BACKUPPS_TEST_SEED) { [int]$env:BACKUPPS_TEST_SEED } else { Get-Random -Maximum 1000000 }
    $script:rng = [Random]::new($seed)
    Write-Host "    FaultInjection: $flips flips, $truncations truncations, seed $seed (set BACKUPPS_TEST_SEED to replay)"

    $script:ws = New-TestWorkspace 'fault'
    $script:db = Join-Path $ws 'app.db'
    Invoke-Sqlite $db "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3000) INSERT INTO t SELECT x, 'row ' || x, randomblob(40) FROM c;" | Out-Null
    $dest = Join-Path $ws 'backups'
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    $req = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=fault', $rsa, [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $script:cert = $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
    $script:pw = ConvertTo-SecureString 'fault passphrase' -AsPlainText -Force
    $script:kinds = [ordered]@{
        zstd          = @{ Backup = New-DbBackup $db $dest -Name zstd; Keys = @{} }
        gzip          = @{ Backup = New-DbBackup $db $dest -Name gzip -Compression Gzip; Keys = @{} }
        tar           = @{ Backup = New-DbBackup $db $dest -Name tar -Compression None; Keys = @{} }
        'enc-cert'    = @{ Backup = New-DbBackup $db $dest -Name enccert -Certificate $cert; Keys = @{ Certificate = $cert } }
    }
    $script:passKind = @{ Backup = New-DbBackup $db $dest -Name encpass -Passphrase $pw; Keys = @{ Passphrase = $pw } }
    foreach ($k in @($kinds.Values) + $passKind) { $k.Bytes = [IO.File]::ReadAllBytes($k.Backup.Path); $k.Sidecar = [IO.File]::ReadAllBytes("$($k.Backup.Path).json") }

    $script:target = Join-Path $ws 'target.db'
    Invoke-Sqlite $target "CREATE TABLE old(x); INSERT INTO old VALUES ('keep me');" | Out-Null
    $script:targetHash = Get-Sha256 $target
    $script:work = Join-Path $ws 'work'
    $script:safety = Join-Path $ws 'safety'
    New-Item -ItemType Directory -Force $work, $safety | Out-Null

    # Writes a damaged copy (with its sidecar) and checks it both ways; returns what happened.
    function Test-Damaged($Kind, [byte[]] $Bytes) {
        $path = Join-Path $work ([IO.Path]::GetFileName($Kind.Backup.Path))
        [IO.File]::WriteAllBytes($path, $Bytes)
        [IO.File]::WriteAllBytes("$path.json", $Kind.Sidecar)
        $keys = $Kind.Keys
        $detected = $false
        try {
            $r = Test-DbBackup -Path $path @keys -ErrorAction Stop -WarningAction SilentlyContinue
            $detected = -not $r.Passed
        } catch { $detected = "$($_.FullyQualifiedErrorId)" -match '^(BackupCorrupt|BackupNotFound),' }
        $refused = $false
        try {
            Restore-DbBackup -Path $path -Target $target -SafetyBackupDestination $safety -Force @keys -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null
        } catch { $refused = "$($_.FullyQualifiedErrorId)" -match '^(BackupCorrupt|BackupVerificationFailed),' }
        $untouched = (Get-Sha256 $target) -eq $targetHash
        [pscustomobject]@{ Detected = $detected; Refused = $refused; Untouched = $untouched }
    }

    function Write-Figures([string] $What, $Results) {
        $n = @($Results).Count
        $d = @($Results | Where-Object Detected).Count
        $r = @($Results | Where-Object Refused).Count
        $u = @($Results | Where-Object Untouched).Count
        Write-Host "    $What`: detected $d/$n, restore refused $r/$n, target untouched $u/$n"
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Fault injection' {
    It 'every intact backup passes first (the suite is not vacuous)' {
        foreach ($k in @($kinds.Values) + $passKind) {
            $keys = $k.Keys
            (Test-DbBackup -Path $k.Backup.Path @keys).Checks.Outcome | Should -Not -Contain 'Failed'
            (Test-DbBackup -Path $k.Backup.Path @keys).Checks.Outcome | Should -Not -Contain 'Skipped'
        }
    }

    It 'detects every random single-byte flip and refuses to restore it' {
        $all = [Collections.Generic.List[object]]::new()
        $names = @($kinds.Keys)
        for ($i = 0; $i -lt $flips; $i++) {
            $name = $names[$i % $names.Count]
            $k = $kinds[$name]
            $bytes = [byte[]]$k.Bytes.Clone()
            $at = $rng.Next($bytes.Length)
            $bytes[$at] = $bytes[$at] -bxor [byte]$rng.Next(1, 256)
            $r = Test-Damaged $k $bytes
            $r | Add-Member Kind $name; $r | Add-Member Offset $at
            $all.Add($r)
        }
        foreach ($name in $names) { Write-Figures "flips ($name)" ($all | Where-Object Kind -eq $name) }
        Write-Figures 'flips (all)' $all
        $bad = @($all | Where-Object { -not ($_.Detected -and $_.Refused -and $_.Untouched) })
        $bad | ForEach-Object { Write-Host "    MISSED: $($_.Kind) offset $($_.Offset) detected=$($_.Detected) refused=$($_.Refused) untouched=$($_.Untouched)" }
        $bad.Count | Should -Be 0
    }

    It 'detects every random truncation and refuses to restore it' {
        $all = [Collections.Generic.List[object]]::new()
        $list = @($kinds.GetEnumerator() | ForEach-Object { @{ Name = $_.Key; Kind = $_.Value } }) + @{ Name = 'enc-pass'; Kind = $passKind }
        for ($i = 0; $i -lt $truncations; $i++) {
            $entry = $list[$i % $list.Count]
            $bytes = $entry.Kind.Bytes
            $length = $rng.Next($bytes.Length)  # 0 .. length-1
            $cut = [byte[]]::new($length)
            [Array]::Copy($bytes, $cut, $length)
            $r = Test-Damaged $entry.Kind $cut
            $r | Add-Member Kind $entry.Name; $r | Add-Member Length $length
            $all.Add($r)
        }
        Write-Figures 'truncations (all)' $all
        $bad = @($all | Where-Object { -not ($_.Detected -and $_.Refused -and $_.Untouched) })
        $bad | ForEach-Object { Write-Host "    MISSED: $($_.Kind) length $($_.Length) detected=$($_.Detected) refused=$($_.Refused) untouched=$($_.Untouched)" }
        $bad.Count | Should -Be 0
    }

    It 'leaves no scratch or safety files behind' {
        @(Get-ChildItem -LiteralPath $safety -Force) | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath $ws -Force -Filter '.backupps-*') | Should -BeNullOrEmpty
    }
}
