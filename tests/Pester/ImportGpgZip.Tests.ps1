# Import-DbBackup of the backups other services' scripts make: GPG-encrypted SQLite copies with a JSON .meta file beside
# them (made here by the real gpg --symmetric --cipher-algo AES256), and zip archives of metadata.json +
# database.sql.gz + files/ (made by the real zip). Results are proved with sqlite3 and tar; hostile input is refused
# with specific errors before anything is written.
BeforeDiscovery {
    . $PSScriptRoot/PostgresTestHelpers.ps1
    $script:noPg = -not (Test-PgAvailable)
}

BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'importgpg'
    $script:pwText = 'mesh backup passphrase'
    $script:pw = ConvertTo-SecureString $pwText -AsPlainText -Force
    # A private GNUPGHOME for the tools the test runs (gpg never touches the user's keyring).
    $script:gnupg = Join-Path $ws 'gnupg'
    New-Item -ItemType Directory -Path $gnupg | Out-Null
    Invoke-Native chmod 700 $gnupg | Out-Null
    $script:passFile = Join-Path $ws 'pass.txt'
    Set-Content -LiteralPath $passFile -Value $pwText -NoNewline
    Invoke-Native chmod 600 $passFile | Out-Null

    function New-GpgBackup([string] $Database, [string] $Out, [string] $Passphrase = $pwText) {
        $pf = Join-Path $ws "pf-$([guid]::NewGuid().ToString('N'))"
        Set-Content -LiteralPath $pf -Value $Passphrase -NoNewline
        Invoke-Native gpg --homedir $gnupg --batch --yes --pinentry-mode loopback --passphrase-file $pf --symmetric --cipher-algo AES256 -o $Out $Database | Out-Null
        Remove-Item -LiteralPath $pf
        $Out
    }

    function Write-Meta([string] $Path, [hashtable] $Fields) {
        $Fields | ConvertTo-Json | Set-Content -LiteralPath $Path
    }

    $script:src = Copy-Chinook (Join-Path $ws 'live/servers.db')
    $script:dump = (Invoke-Sqlite $src '.dump') -join "`n"
    $script:gpgDir = Join-Path $ws 'gpg'
    New-Item -ItemType Directory -Path $gpgDir | Out-Null
    $script:enc = New-GpgBackup $src (Join-Path $gpgDir 'servers_db_20260110_012354.db.gpg')
    Write-Meta (Join-Path $gpgDir 'servers_db_20260110_012354.db.meta') @{
        backup_name = 'servers_db_20260110_012354'; timestamp = '2026-01-10T01:23:54'; size_bytes = (Get-Item $enc).Length
        checksum_sha256 = (Get-Sha256 $enc); database_path = '/srv/mesh/servers.db'; encrypted = $true
    }
    Invoke-Native gpgconf --homedir $gnupg --kill all | Out-Null
}

AfterAll {
    & gpgconf --homedir $gnupg --kill all 2>$null
    Remove-TestWorkspace $ws
}

Describe 'Import-DbBackup of GPG-encrypted SQLite copies' {
    It 'decrypts with gpg, checks the metadata checksum, and imports with Created and SourcePath from the metadata' {
        $dest = Join-Path $ws 'gpg-backups'
        $before = Get-Sha256 $enc
        $b = Import-DbBackup -Path $enc -Destination $dest -Passphrase $pw
        $b.Engine | Should -Be 'SQLite'
        $b.Database | Should -Be 'servers_db'
        $b.CreatedUtc | Should -Be ([datetime]::new(2026, 1, 10, 1, 23, 54, [DateTimeKind]::Utc))
        $b.Encrypted | Should -BeTrue -Because 'an encrypted original is not adopted as plaintext'
        Get-Sha256 $enc | Should -Be $before
        ($b | Test-DbBackup -Passphrase $pw).Passed | Should -BeTrue
        $restored = Join-Path $ws 'gpg-restored/servers.db'
        $b | Restore-DbBackup -Target $restored -Passphrase $pw -Confirm:$false
        (Invoke-Sqlite $restored '.dump') -join "`n" | Should -Be $dump
    }

    It 'records the database path as the default restore target and which bytes the checksum covered' {
        $dest = Join-Path $ws 'gpg-plainout'
        $home2 = Join-Path $ws 'mesh-home/servers.db'
        # This script's checksum covers the decrypted database (upper-case hex), its timestamp is file-name style.
        $dir = Join-Path $ws 'gpg2'
        New-Item -ItemType Directory -Path $dir | Out-Null
        $e2 = New-GpgBackup $src (Join-Path $dir 'servers_db_20260111_020000.db.gpg')
        Write-Meta (Join-Path $dir 'servers_db_20260111_020000.db.meta') @{
            backup_name = 'servers_db_20260111_020000'; timestamp = '20260111_020000'; size_bytes = (Get-Item $src).Length
            checksum_sha256 = (Get-Sha256 $src).ToUpperInvariant(); database_path = $home2; encrypted = $true
        }
        $out = Import-DbBackup -Path $e2 -Destination $dest -PassphraseFile $passFile -Verbose 4>&1
        "$($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match 'SHA-256 matches the decrypted database'
        $b = $out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $b.CreatedUtc | Should -Be ([datetime]::new(2026, 1, 11, 2, 0, 0, [DateTimeKind]::Utc))
        # No -Target: the restore goes where the metadata says the database lived.
        $b | Restore-DbBackup -PassphraseFile $passFile -Confirm:$false | Out-Null
        (Invoke-Sqlite $home2 '.dump') -join "`n" | Should -Be $dump
    }

    It 'recognises the file by content, whatever its name' {
        $renamed = Join-Path $ws 'renamed/nightly.bin'
        New-Item -ItemType Directory -Path (Split-Path $renamed) | Out-Null
        Copy-Item -LiteralPath $enc -Destination $renamed
        $b = Import-DbBackup -Path $renamed -Destination (Join-Path $ws 'renamed-backups') -Passphrase $pw -WarningVariable w 3>$null
        "$w" | Should -Match 'no metadata file'
        ($b | Test-DbBackup -Passphrase $pw).Passed | Should -BeTrue
    }

    It 'a wrong passphrase is WrongPassphrase, and nothing is written' {
        $dest = Join-Path $ws 'gpg-wrong'
        $err = Get-ThrownError { Import-DbBackup -Path $enc -Destination $dest -Passphrase (ConvertTo-SecureString 'not it' -AsPlainText -Force) -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Match '^WrongPassphrase'
        @(Get-ChildItem -LiteralPath $dest -Filter '*.tar*' -Force -ErrorAction Ignore).Count | Should -Be 0
    }

    It 'without a passphrase asks for one' {
        $err = Get-ThrownError { Import-DbBackup -Path $enc -Destination (Join-Path $ws 'gpg-nokey') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Match '^EncryptionKeyRequired'
        $err.Exception.Message | Should -Match 'GPG-encrypted'
    }

    It 'a checksum that matches neither the encrypted file nor the database is refused, naming both' {
        $dir = Join-Path $ws 'gpg-badsum'
        New-Item -ItemType Directory -Path $dir | Out-Null
        Copy-Item -LiteralPath $enc -Destination (Join-Path $dir 'servers_db_20260110_012354.db.gpg')
        Write-Meta (Join-Path $dir 'servers_db_20260110_012354.db.meta') @{ timestamp = '2026-01-10T01:23:54Z'; checksum_sha256 = ('ab' * 32); database_path = '/srv/mesh/servers.db' }
        $err = Get-ThrownError { Import-DbBackup -Path (Join-Path $dir 'servers_db_20260110_012354.db.gpg') -Destination (Join-Path $ws 'gpg-badsum-backups') -Passphrase $pw -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Match '^ImportCheckFailed'
        $err.Exception.Message | Should -Match 'matches neither the encrypted file'
        $err.Exception.Message | Should -Match (Get-Sha256 $enc)
        $err.Exception.Message | Should -Match (Get-Sha256 $src)
    }

    It 'a GPG file that decrypts to something other than a SQLite database is refused' {
        $text = Join-Path $ws 'notes.txt'
        Set-Content -LiteralPath $text -Value 'just some notes'
        $e = New-GpgBackup $text (Join-Path $ws 'notes.txt.gpg')
        $err = Get-ThrownError { Import-DbBackup -Path $e -Destination (Join-Path $ws 'gpg-notes') -Passphrase $pw -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -Match '^ImportCheckFailed'
        $err.Exception.Message | Should -Match 'not a SQLite database'
    }

    It 'hands the passphrase to gpg on a pipe, never on its command line' {
        # A gpg on PATH that records its arguments, then runs the real gpg.
        $bin = Join-Path $ws 'spy-bin'
        New-Item -ItemType Directory -Path $bin | Out-Null
        $log = Join-Path $ws 'gpg-argv.log'
        Set-Content -LiteralPath (Join-Path $bin 'gpg') -Value "#!/bin/sh`nprintf '%s\n' `"`$@`" >> '$log'`nexec /usr/bin/gpg `"`$@`""
        Invoke-Native chmod 755 (Join-Path $bin 'gpg') | Out-Null
        $path = $env:PATH
        try {
            $env:PATH = "$bin`:$path"
            $b = Import-DbBackup -Path $enc -Destination (Join-Path $ws 'gpg-spy') -Passphrase $pw -Force
        }
        finally { $env:PATH = $path }
        $b | Should -Not -BeNullOrEmpty
        $argv = Get-Content -Raw -LiteralPath $log
        $argv | Should -Match '--passphrase-fd'
        $argv | Should -Not -Match ([regex]::Escape($pwText))
    }

    It 'without gpg installed says which package to install' {
        $empty = Join-Path $ws 'no-gpg-bin'
        New-Item -ItemType Directory -Path $empty | Out-Null
        $path = $env:PATH
        try {
            $env:PATH = $empty
            $err = Get-ThrownError { Import-DbBackup -Path $enc -Destination (Join-Path $ws 'gpg-missing') -Passphrase $pw -ErrorAction Stop }
        }
        finally { $env:PATH = $path }
        $err.FullyQualifiedErrorId | Should -Match '^GpgNotInstalled'
        $err.Exception.Message | Should -Match 'gnupg'
    }
}
