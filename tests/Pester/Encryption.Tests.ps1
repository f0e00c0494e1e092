# Encrypted backups through the built module: passphrase (SecureString, file, environment), certificates (made here
# with CertificateRequest), several recipients, what the sidecar reveals, key-less checks, wrong key vs damage, and
# a search of everything a run produced for the passphrase. SQLite backups start no child processes, so there is no
# child-process command line that could carry a secret (/proc/<pid>/cmdline is not applicable).
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    . $PSScriptRoot/RobustHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'enc'
    $script:db = Copy-Chinook (Join-Path $ws 'app.db')
    $script:dest = Join-Path $ws 'backups'
    $script:secret = 'Tr0ub4dor&3-unique-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:pw = ConvertTo-SecureString $secret -AsPlainText -Force
    $script:b = New-DbBackup -Database $db -Destination $dest -Passphrase $pw -Description 'payroll before audit' -Tag nightly

    function New-TestCertificate([string] $Name) {
        $rsa = [Security.Cryptography.RSA]::Create(2048)
        $req = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $rsa, [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddYears(1))
    }
    function Save-Certificate($Cert, [string] $Path, [switch] $WithKey) {
        $pem = $Cert.ExportCertificatePem()
        if ($WithKey) { $pem += "`n" + [Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Cert).ExportPkcs8PrivateKeyPem() }
        Set-Content -LiteralPath $Path -Value $pem -NoNewline
        chmod 600 $Path
        $Path
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Encrypted backups with a passphrase' {
    It 'marks the backup encrypted and lists it' {
        $b.Encrypted | Should -BeTrue
        [IO.File]::ReadAllBytes($b.Path)[0..5] | Should -Be ([Text.Encoding]::ASCII.GetBytes('BPSENC'))
        $listed = Get-DbBackup $dest | Where-Object Id -eq $b.Id
        $listed.Encrypted | Should -BeTrue
        $listed.Database | Should -Be 'app'
        $listed.Tags | Should -Be @('nightly')
        $listed.DatabaseSizeBytes | Should -Be (Get-Item $db).Length
    }

    It 'keeps paths, table names, row counts and the description out of the sidecar' {
        $sidecar = Get-Content -Raw "$($b.Path).json"
        foreach ($s in @($ws, 'Artist', 'InvoiceLine', 'payroll', 'sourcePath', [Environment]::UserName, $secret)) {
            $sidecar | Should -Not -CMatch ([regex]::Escape($s))
        }
        ($sidecar | ConvertFrom-Json).encrypted | Should -BeTrue
        $b.SourcePath | Should -BeNullOrEmpty
        $b.TableRowCounts.Count | Should -Be 0
    }

    It 'cannot be opened by tar, and holds no table name in clear' {
        $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($b.Path))
        $text | Should -Not -Match 'InvoiceLine'
        & tar --zstd -tf $b.Path 2>$null | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    # Not a pass: only the outside was checked (a damaged archive inside a re-encrypted or rewritten file would go
    # unnoticed), so Passed is $false and Status says Partial, with a warning naming how to supply the key.
    It 'Test-DbBackup without a key checks the file, skips the deep checks, and is Partial, not Passed' {
        $r = $b | Test-DbBackup -ErrorVariable problems -WarningVariable warnings -WarningAction SilentlyContinue
        $problems | Should -BeNullOrEmpty
        $r.Passed | Should -BeFalse
        $r.Status | Should -Be 'Partial'
        $r.FailureReason | Should -Match 'not verified'
        $warnings.Count | Should -Be 1
        "$warnings" | Should -Match 'Archive, EntryChecksums, IntegrityCheck, RowCounts'
        "$warnings" | Should -Match '-Passphrase.*-PassphraseFile.*-Certificate.*BACKUPPS_PASSPHRASE'
        ($r.Checks | Where-Object Name -eq 'FileChecksum').Outcome | Should -Be 'Passed'
        ($r.Checks | Where-Object Name -eq 'Encryption').Outcome | Should -Be 'Passed'
        foreach ($name in 'Archive', 'EntryChecksums', 'IntegrityCheck', 'RowCounts') {
            $check = $r.Checks | Where-Object Name -eq $name
            $check.Outcome | Should -Be 'Skipped'
            $check.Message | Should -Match "needs the passphrase or a recipient's private key"
        }
        # A file-and-header check is no verification to list as LastVerified.
        (Get-DbBackup (Split-Path $b.Path) -Id $b.Id).LastVerified | Should -BeNullOrEmpty
        (Get-DbBackup (Split-Path $b.Path) -Id $b.Id).LastVerificationPassed | Should -BeNullOrEmpty
    }

    It 'Test-DbBackup with the passphrase runs every check' {
        $r = $b | Test-DbBackup -Passphrase $pw
        $r.Passed | Should -BeTrue
        $r.Status | Should -Be 'Passed'
        $r.Checks.Name | Should -Be @('FileChecksum', 'Archive', 'EntryChecksums', 'IntegrityCheck', 'RowCounts')
        $r.Checks.Outcome | Sort-Object -Unique | Should -Be 'Passed'
        (Get-DbBackup (Split-Path $b.Path) -Id $b.Id).LastVerificationPassed | Should -BeTrue
    }

    It 'a wrong passphrase is WrongPassphrase (SecurityError), not damage' {
        $err = Get-ThrownError { $b | Test-DbBackup -Passphrase (ConvertTo-SecureString 'nope' -AsPlainText -Force) -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'WrongPassphrase,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $target = Join-Path $ws 'wrong.db'
        $err = Get-ThrownError { $b | Restore-DbBackup -Target $target -Force -Passphrase (ConvertTo-SecureString 'nope' -AsPlainText -Force) -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'WrongPassphrase,*'
        Test-Path $target | Should -BeFalse
    }

    It 'restore without a key is EncryptionKeyRequired and touches nothing' {
        $target = Join-Path $ws 'nokey.db'
        $err = Get-ThrownError { $b | Restore-DbBackup -Target $target -Force -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'EncryptionKeyRequired,*'
        Test-Path $target | Should -BeFalse
    }

    It 'restores with the passphrase' {
        $target = Join-Path $ws 'restored.db'
        $r = $b | Restore-DbBackup -Target $target -Force -Passphrase $pw
        $r.IntegrityCheck | Should -Be 'ok'
        Get-RowCount $target 'Track' | Should -Be (Get-RowCount $db 'Track')
    }

    It 'damage is a failed test with "damaged", not a key error, and restore refuses it' {
        $copyDir = Join-Path $ws 'damaged'
        New-Item -ItemType Directory $copyDir | Out-Null
        Copy-Item $b.Path, "$($b.Path).json" $copyDir
        $copy = Get-DbBackup $copyDir
        $bytes = [IO.File]::ReadAllBytes($copy.Path); $bytes[$bytes.Length - 50] = $bytes[$bytes.Length - 50] -bxor 0x10; [IO.File]::WriteAllBytes($copy.Path, $bytes)
        foreach ($key in @($null, $pw)) {
            $r = if ($key) { $copy | Test-DbBackup -Passphrase $key -ErrorVariable problems } else { $copy | Test-DbBackup -ErrorVariable problems }
            $problems | Should -BeNullOrEmpty
            $r.Passed | Should -BeFalse
            $r.FailureReason | Should -Match 'damaged'
        }
        $target = Join-Path $ws 'from-damaged.db'
        $err = Get-ThrownError { $copy | Restore-DbBackup -Target $target -Force -Passphrase $pw -ErrorAction Stop }
        # Damage in the chunk holding the manifest is found while planning (BackupCorrupt), later chunks by verification.
        $err.FullyQualifiedErrorId | Should -Match '^(BackupVerificationFailed|BackupCorrupt),'
        Test-Path $target | Should -BeFalse
    }
}

Describe 'Passphrase files and the environment' {
    It 'refuses a passphrase file others can read, with a clear error' {
        $file = Join-Path $ws 'open.pass'
        Set-Content -LiteralPath $file -Value $secret
        chmod 644 $file
        $err = Get-ThrownError { New-DbBackup $db (Join-Path $ws 'pf') -PassphraseFile $file -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'PassphraseFileInsecure,*'
        "$err" | Should -Match 'chmod 600'
        Test-Path (Join-Path $ws 'pf') | Should -BeFalse
    }

    It 'a private passphrase file and BACKUPPS_PASSPHRASE open each other''s backups' {
        $file = Join-Path $ws 'private.pass'
        Set-Content -LiteralPath $file -Value $secret
        chmod 600 $file
        $fromFile = New-DbBackup $db (Join-Path $ws 'pf2') -PassphraseFile $file
        $fromFile.Encrypted | Should -BeTrue
        ($fromFile | Test-DbBackup -Passphrase $pw).Checks.Outcome | Should -Not -Contain 'Skipped'
        $env:BACKUPPS_PASSPHRASE = $secret
        try {
            $fromEnv = New-DbBackup $db (Join-Path $ws 'pf3')
            $fromEnv.Encrypted | Should -BeTrue
            ($fromEnv | Test-DbBackup).Checks.Outcome | Should -Not -Contain 'Skipped'
            ($fromFile | Test-DbBackup).Passed | Should -BeTrue
        }
        finally { Remove-Item Env:BACKUPPS_PASSPHRASE }
        ($fromEnv | Test-DbBackup -PassphraseFile $file).Checks.Outcome | Should -Not -Contain 'Skipped'
    }

    It 'refuses -Passphrase with -PassphraseFile' {
        $err = Get-ThrownError { New-DbBackup $db (Join-Path $ws 'both') -Passphrase $pw -PassphraseFile (Join-Path $ws 'private.pass') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'PassphraseSourceConflict,*'
    }

    It 'has no plain-text password parameter' {
        foreach ($cmd in 'New-DbBackup', 'Test-DbBackup', 'Restore-DbBackup') {
            (Get-Command $cmd).Parameters.Keys | Should -Not -Contain 'Password'
            (Get-Command $cmd).Parameters['Passphrase'].ParameterType | Should -Be ([securestring])
        }
        foreach ($cmd in 'Test-DbBackup', 'Restore-DbBackup') {
            (Get-Command $cmd).Parameters['CertificatePassword'].ParameterType | Should -Be ([securestring])
        }
    }
}

Describe 'Certificate recipients' {
    BeforeAll {
        $script:alice = New-TestCertificate 'alice'
        $script:bob = New-TestCertificate 'bob'
        $script:aliceCer = Join-Path $ws 'alice.cer'
        [IO.File]::WriteAllBytes($aliceCer, $alice.Export('Cert'))
        $script:bobPublicPem = Save-Certificate $bob (Join-Path $ws 'bob.pem')
        $script:bobKeyPem = Save-Certificate $bob (Join-Path $ws 'bob-key.pem') -WithKey
        # Only public keys on the backup side: a .cer file and a PEM certificate without key.
        $script:cb = New-DbBackup $db (Join-Path $ws 'certs') -Certificate $aliceCer, $bobPublicPem
    }

    It 'encrypts for several recipients from public keys only' {
        $cb.Encrypted | Should -BeTrue
        ($cb | Test-DbBackup).Checks | Where-Object Name -eq 'Encryption' | ForEach-Object Message | Should -Match 'certificate.*certificate'
    }

    It 'each recipient opens it with its private key (X509Certificate2 object, PEM file with key)' {
        ($cb | Test-DbBackup -Certificate $alice).Checks.Outcome | Should -Not -Contain 'Skipped'
        ($cb | Test-DbBackup -Certificate $bobKeyPem).Passed | Should -BeTrue
        $target = Join-Path $ws 'cert-restored.db'
        ($cb | Restore-DbBackup -Target $target -Force -Certificate $bobKeyPem).IntegrityCheck | Should -Be 'ok'
    }

    It 'another certificate is NotARecipient; a public key alone cannot decrypt' {
        $mallory = New-TestCertificate 'mallory'
        $err = Get-ThrownError { $cb | Test-DbBackup -Certificate $mallory -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'NotARecipient,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err = Get-ThrownError { $cb | Test-DbBackup -Certificate $aliceCer -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'CertificatePrivateKeyRequired,*'
    }

    It 'a passphrase and a certificate together: either opens it' {
        $both = New-DbBackup $db (Join-Path $ws 'both-keys') -Passphrase $pw -Certificate $alice
        ($both | Test-DbBackup -Passphrase $pw).Checks.Outcome | Should -Not -Contain 'Skipped'
        ($both | Test-DbBackup -Certificate $alice).Checks.Outcome | Should -Not -Contain 'Skipped'
    }

    It 'a password-protected .pfx opens it with -CertificatePassword (Test-DbBackup and Restore-DbBackup)' {
        $pfxSecret = 'pfx-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        $carol = New-TestCertificate 'carol'
        $carolCer = Join-Path $ws 'carol.cer'
        [IO.File]::WriteAllBytes($carolCer, $carol.Export('Cert'))
        $carolPfx = Join-Path $ws 'carol.pfx'
        [IO.File]::WriteAllBytes($carolPfx, $carol.Export([Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $pfxSecret))
        chmod 600 $carolPfx
        $pfxPw = ConvertTo-SecureString $pfxSecret -AsPlainText -Force
        $cc = New-DbBackup $db (Join-Path $ws 'pfx') -Certificate $carolCer

        $r = $cc | Test-DbBackup -Certificate $carolPfx -CertificatePassword $pfxPw
        $r.Passed | Should -BeTrue -Because $r.FailureReason
        $r.Checks.Outcome | Should -Not -Contain 'Skipped'
        $target = Join-Path $ws 'pfx-restored.db'
        $restored = $cc | Restore-DbBackup -Target $target -Force -Certificate (Get-Item $carolPfx) -CertificatePassword $pfxPw
        $restored.IntegrityCheck | Should -Be 'ok'
        Get-RowCount $target 'Track' | Should -Be (Get-RowCount $db 'Track')

        # Without the password, or with a wrong one: a clear argument error before anything is touched.
        $err = Get-ThrownError { $cc | Test-DbBackup -Certificate $carolPfx -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'CertificateNotReadable,*'
        "$err" | Should -Match '-CertificatePassword'
        $err = Get-ThrownError { $cc | Restore-DbBackup -Target (Join-Path $ws 'pfx-wrong.db') -Force -Certificate $carolPfx -CertificatePassword (ConvertTo-SecureString 'wrong' -AsPlainText -Force) -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'CertificateNotReadable,*'
        "$err" | Should -Not -Match ([regex]::Escape($pfxSecret))
        Test-Path (Join-Path $ws 'pfx-wrong.db') | Should -BeFalse
        $err = Get-ThrownError { $cc | Test-DbBackup -CertificatePassword $pfxPw -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'CertificatePasswordWithoutCertificate,*'
        # A .pfx exported without a password still opens without one.
        $openPfx = Join-Path $ws 'carol-open.pfx'
        [IO.File]::WriteAllBytes($openPfx, $carol.Export([Security.Cryptography.X509Certificates.X509ContentType]::Pfx))
        ($cc | Test-DbBackup -Certificate $openPfx).Checks.Outcome | Should -Not -Contain 'Skipped'
    }

    It 'refuses a certificate argument it cannot use' {
        (Get-ThrownError { New-DbBackup $db (Join-Path $ws 'bad') -Certificate 'no-such-file.cer' -ErrorAction Stop }).FullyQualifiedErrorId | Should -BeLike 'CertificateNotFound,*'
        $ec = [Security.Cryptography.ECDsa]::Create()
        $ecCert = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=ec', $ec, [Security.Cryptography.HashAlgorithmName]::SHA256).CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(1))
        (Get-ThrownError { New-DbBackup $db (Join-Path $ws 'bad') -Certificate $ecCert -ErrorAction Stop }).FullyQualifiedErrorId | Should -BeLike 'CertificateNotRsa,*'
    }
}

Describe 'Secrets never leak' {
    BeforeAll {
        # Byte-exact search: Latin1 maps every byte to one char, so a string search finds the byte sequence.
        $script:Needles = @([Text.Encoding]::UTF8.GetBytes($secret), [Text.Encoding]::Unicode.GetBytes($secret)) | ForEach-Object { [Text.Encoding]::Latin1.GetString($_) }
        function Test-HoldsSecret([string] $Path) {
            try { $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($Path)) } catch { return $false } # gone or unreadable meanwhile
            foreach ($n in $script:Needles) { if ($text.Contains($n, [StringComparison]::Ordinal)) { return $true } }
            $false
        }
    }

    It 'the passphrase (given by <Via>) appears in no file, stream or temporary file a verbose run produced, even while it ran' -ForEach @(
        @{ Via = 'Passphrase' }
        @{ Via = 'Environment' }
    ) {
        $run = Join-Path $ws "leak-$Via"
        $tmp = Join-Path $run 'tmp'
        New-Item -ItemType Directory -Force $tmp | Out-Null
        $script = Join-Path $run 'run.ps1'
        @'
param($ModulePath, $Db, $Dest, $Work, $Via)
Import-Module (Join-Path $ModulePath 'BackupPS.psd1')
$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
if ($Via -eq 'Environment') { $env:BACKUPPS_PASSPHRASE = $env:LEAK_SECRET; $key = @{} }
else { $key = @{ Passphrase = ConvertTo-SecureString $env:LEAK_SECRET -AsPlainText -Force } }
$env:LEAK_SECRET = $null
$b = New-DbBackup $Db $Dest @key -Verbose
$b | Format-List * | Out-String
$b | Test-DbBackup @key -Verbose | Format-List * | Out-String
$b | Restore-DbBackup -Target (Join-Path $Work 'restored.db') -Force @key -Verbose | Format-List * | Out-String
$b | Restore-DbBackup -Target (Join-Path $Work 'restored.db') -Force @key -Verbose | Format-List * | Out-String
$b | Restore-DbBackup -Target (Join-Path $Work 'restored.db') -Force -Passphrase (ConvertTo-SecureString 'wrong' -AsPlainText -Force) -Verbose
$b | Test-DbBackup @key -Verbose | Format-List * | Out-String
$Error | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception | Format-List * -Force | Out-String }
'@ | Set-Content -LiteralPath $script
        $systemTmp = [IO.Path]::GetTempPath()
        $started = [DateTime]::UtcNow.AddSeconds(-1)
        $oldTmp = $env:TMPDIR
        $env:TMPDIR = $tmp
        $env:LEAK_SECRET = $secret
        try {
            $p = Start-PwshChild -ScriptPath $script -ArgumentList @((Get-BackupPSModulePath), $db, (Join-Path $run 'backups'), $run, $Via) -LogPrefix (Join-Path $run 'log')
        }
        finally { $env:TMPDIR = $oldTmp; Remove-Item Env:LEAK_SECRET -ErrorAction Ignore }
        # While it runs, every file that appears under the run folder (destination, restore target's folder and the
        # child's temporary folder), and each new version of it, is searched: scratch files deleted before the end count too.
        $seen = @{}
        $leaks = [Collections.Generic.List[string]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds(180)
        try {
            do {
                $exited = $p.HasExited
                # find -type f: regular files only (the runtime's diagnostic FIFOs in the temporary folder would block a read).
                foreach ($line in @(& find $run -type f -printf '%s/%T@ %p\n' 2>$null)) {
                    $version, $f = $line -split ' ', 2
                    if ($f -eq $script -or $seen[$f] -eq $version) { continue }
                    $seen[$f] = $version
                    if (Test-HoldsSecret $f) { $leaks.Add($f) }
                }
            } until ($exited -or [DateTime]::UtcNow -gt $deadline)
        }
        finally { Stop-ChildProcess $p }
        $exited | Should -BeTrue -Because 'the run finishes within 180 s'
        $out = (Get-Content -Raw (Join-Path $run 'log.out')) + (Get-Content -Raw (Join-Path $run 'log.err'))
        $out | Should -Match 'VERBOSE:'
        $out | Should -Match 'WrongPassphrase|passphrase does not open'
        $out | Should -Match 'Passed\s*:\s*True'
        (Get-ChildItem -LiteralPath (Join-Path $run 'backups') -File).Count | Should -BeGreaterThan 2  # backups, sidecars, safety backups
        $leaks | Should -BeNullOrEmpty
        $tmpSeen = @($seen.Keys | Where-Object { $_.StartsWith($tmp + '/') })
        # Printed, not asserted (whether a short-lived scratch file is caught depends on timing): usually the
        # .backupps-verify-*/database.db of each Test-DbBackup with the key.
        Write-Host "    [$Via] searched $($seen.Count) file paths during the run, $($tmpSeen.Count) of them in the temporary folder"

        # After the run: every file left there, and every file anything wrote in the system temporary folder during
        # the run (whatever ignored TMPDIR would have written there), all the way down.
        # -print0: a name holding a newline (another test's hostile tree, written meanwhile) must not split into lines;
        # PowerShell still splits native output at line breaks, so the pieces are joined back with one. A name with a
        # carriage return cannot be rebuilt that way and is skipped (Exists), it is never an empty path.
        $files = @((& find $run -type f -print0) -join "`n" -split "`0" | Where-Object { $_ -and $_ -ne $script -and [IO.File]::Exists($_) } | ForEach-Object { [IO.FileInfo]::new($_) })
        $files.Count | Should -BeGreaterThan 4
        $system = @((& find $systemTmp -xdev -type f -newermt "@$([DateTimeOffset]::new($started).ToUnixTimeSeconds())" -size -64M -print0 2>$null) -join "`n" -split "`0" |
                Where-Object { $_ -and [IO.File]::Exists($_) -and -not $_.StartsWith($run + '/') } | ForEach-Object { [IO.FileInfo]::new($_) })
        foreach ($f in $files + $system) {
            Test-HoldsSecret $f.FullName | Should -BeFalse -Because "$($f.FullName) must not hold the passphrase"
        }
    }
}
