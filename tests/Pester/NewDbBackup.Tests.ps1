# New-DbBackup through the built module: backup types, relative paths, the on-disk format as standard tools see it
# (tar, zstd, gzip, sha256sum, sqlite3, stat), names, modes and the sidecar.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'new'
    $script:db = Copy-Chinook (Join-Path $ws 'app.db')
    $script:config = Join-Path $ws 'config.toml'
    Set-Content -LiteralPath $config -Value 'listen = ":8080"'
    Invoke-Native chmod 0600 $config | Out-Null
    Invoke-Native touch -d '2022-06-07 08:09:10 UTC' $config | Out-Null
    $script:uploads = Join-Path $ws 'uploads'
    New-Item -ItemType Directory -Path (Join-Path $uploads 'sub') | Out-Null
    Set-Content -LiteralPath (Join-Path $uploads 'a.txt') -Value 'alpha'
    [IO.File]::WriteAllBytes((Join-Path $uploads 'sub/b.bin'), [byte[]](0..255 + 0..255))
    Set-Content -LiteralPath (Join-Path $uploads 'sub/run.sh') -Value '#!/bin/sh'
    Invoke-Native chmod 0640 (Join-Path $uploads 'a.txt') | Out-Null
    Invoke-Native chmod 0755 (Join-Path $uploads 'sub/run.sh') | Out-Null
    Invoke-Native chmod 0750 (Join-Path $uploads 'sub') | Out-Null
    Invoke-Native touch -d '2021-03-04 05:06:07 UTC' (Join-Path $uploads 'a.txt') (Join-Path $uploads 'sub/b.bin') (Join-Path $uploads 'sub/run.sh') | Out-Null
    Invoke-Native touch -d '2020-01-02 03:04:05 UTC' (Join-Path $uploads 'sub') | Out-Null

    # Extracts a backup with tar into a new folder and returns that folder.
    function Expand-WithTar([string] $Backup, [string[]] $CompressionFlag = @('--zstd')) {
        $target = Join-Path $ws ('x-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $target | Out-Null
        Invoke-Native tar @CompressionFlag -xpf $Backup -C $target | Out-Null
        $target
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'New-DbBackup' {
    Context 'Backup types' {
        It 'makes a Database backup by default when no -IncludePath is given' {
            $b = New-DbBackup -Database $db -Destination (Join-Path $ws 'types')
            $b.Type | Should -Be 'Database'
            $b.FileCount | Should -Be 0
            $entries = Invoke-Native tar --zstd -tf $b.Path
            $entries | Where-Object { $_ -like 'files/*' } | Should -BeNullOrEmpty
            $entries | Should -Contain 'database/app.db'
        }

        It 'makes a Full backup by default with -IncludePath' {
            $b = New-DbBackup -Database $db -Destination (Join-Path $ws 'types') -IncludePath $config, $uploads
            $b.Type | Should -Be 'Full'
            $b.FileCount | Should -Be 4
            $entries = Invoke-Native tar --zstd -tf $b.Path
            $entries | Should -Contain 'database/app.db'
            $entries | Should -Contain 'files/config.toml'
            $entries | Should -Contain 'files/uploads/sub/b.bin'
        }

        It 'makes a Files backup with -Type Files and -Name, named after -Name' {
            $b = New-DbBackup -Type Files -Name 'site-assets' -Destination (Join-Path $ws 'types') -IncludePath $uploads
            $b.Type | Should -Be 'Files'
            $b.Database | Should -Be 'site-assets'
            Split-Path -Leaf $b.Path | Should -BeLike 'site-assets_*.tar.zst'
            $b.TableRowCounts.Count | Should -Be 0
            $entries = Invoke-Native tar --zstd -tf $b.Path
            $entries | Where-Object { $_ -like 'database/*' } | Should -BeNullOrEmpty
            $entries | Should -Contain 'files/uploads/a.txt'
        }

        It 'names a Files backup without -Name after its first root' {
            $b = New-DbBackup -Type Files -Destination (Join-Path $ws 'types') -IncludePath $uploads, $config
            $b.Type | Should -Be 'Files'
            $b.Database | Should -Be 'uploads'
        }

        It 'makes a Files backup from -IncludePath alone (no -Database, no -Type)' {
            $b = New-DbBackup -Destination (Join-Path $ws 'types') -IncludePath $uploads
            $b.Type | Should -Be 'Files'
            $b.Database | Should -Be 'uploads'
        }

        It 'refuses <Case> with the terminating error InvalidBackupType and writes nothing' -ForEach @(
            @{ Case = '-Type Files with -Database'; Arguments = @{ Type = 'Files'; Database = 'DB'; IncludePath = 'CONFIG' } }
            @{ Case = '-Type Full without -IncludePath'; Arguments = @{ Type = 'Full'; Database = 'DB' } }
            @{ Case = '-Type Database without -Database'; Arguments = @{ Type = 'Database'; IncludePath = 'CONFIG' } }
            @{ Case = '-Type Files without -IncludePath'; Arguments = @{ Type = 'Files'; Name = 'x' } }
            @{ Case = 'neither -Database nor -IncludePath'; Arguments = @{} }
        ) {
            $destination = Join-Path $ws 'invalid-types'
            $splat = @{}
            foreach ($key in $Arguments.Keys) {
                $splat[$key] = switch ($Arguments[$key]) { 'DB' { $db } 'CONFIG' { $config } default { $_ } }
            }
            $reachedNext = $false
            # No -ErrorAction Stop: a terminating error stops the statement by itself.
            $err = Get-ThrownError { New-DbBackup @splat -Destination $destination; $reachedNext = $true }
            $err | Should -Not -BeNullOrEmpty
            $reachedNext | Should -BeFalse
            $err.FullyQualifiedErrorId | Should -Be 'InvalidBackupType,BackupPS.Cmdlets.NewDbBackupCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $destination | Should -Not -Exist
        }
    }

    Context 'Paths relative to the PowerShell location' {
        BeforeAll {
            $script:work = Join-Path $ws 'relative/work'
            $script:elsewhere = Join-Path $ws 'relative/elsewhere'
            New-Item -ItemType Directory -Path $work, $elsewhere | Out-Null
            New-SmallDatabase (Join-Path $work 'app.db') -Rows 5 | Out-Null
            Set-Content -LiteralPath (Join-Path $work 'notes.txt') -Value 'notes'
            $script:processCwd = [Environment]::CurrentDirectory
            # The process working directory points elsewhere: a cmdlet using it instead of the location would miss.
            [Environment]::CurrentDirectory = $elsewhere
            Push-Location -LiteralPath $work
        }
        AfterAll {
            Pop-Location
            [Environment]::CurrentDirectory = $processCwd
        }

        It 'resolves -Database, -Destination and -IncludePath against the location, not the process directory' {
            $b = New-DbBackup -Database ./app.db -Destination ./backups -IncludePath ./notes.txt
            $b.Path | Should -BeLike (Join-Path $work 'backups/app_*.tar.zst')
            $b.SourcePath | Should -Be (Join-Path $work 'app.db')
            Get-FolderListing $elsewhere | Should -BeNullOrEmpty
        }

        It 'resolves relative paths in Get-, Test-, Restore- and Remove-DbBackup too' {
            $b = @(Get-DbBackup ./backups)
            $b.Count | Should -Be 1
            $relative = './backups/' + (Split-Path -Leaf $b[0].Path)
            (Test-DbBackup -Path $relative).Passed | Should -BeTrue
            Invoke-Sqlite ./app.db 'DELETE FROM items;' | Out-Null
            $r = Restore-DbBackup -Path $relative -Target ./restored.db -FilesTarget ./files -Confirm:$false
            $r.Target | Should -Be (Join-Path $work 'restored.db')
            Get-RowCount (Join-Path $work 'restored.db') 'items' | Should -Be 5
            Join-Path $work 'files/notes.txt' | Should -Exist
            Remove-DbBackup -Path $relative -Confirm:$false
            $b[0].Path | Should -Not -Exist
            Get-FolderListing $elsewhere | Should -BeNullOrEmpty
        }

        It 'takes the database from the pipeline (FileInfo binds by FullName)' {
            $b = Get-Item ./app.db | New-DbBackup -Destination ./piped
            $b.SourcePath | Should -Be (Join-Path $work 'app.db')
            $b.Path | Should -BeLike (Join-Path $work 'piped/*')
        }
    }

    Context 'Format of a zstd backup, as standard tools see it' {
        BeforeAll {
            $script:destination = Join-Path $ws 'format'
            $script:sourceHash = Get-Sha256 $db
            $script:b = New-DbBackup -Database $db -Destination $destination -IncludePath $config, $uploads -Tag nightly, 'pre-upgrade' -Description 'format check'
            $script:extracted = Expand-WithTar $b.Path
        }

        It 'is named db_yyyyMMddTHHmmssZ_8hex.tar.zst (creation time, short id)' {
            $name = Split-Path -Leaf $b.Path
            $name | Should -Match '^app_\d{8}T\d{6}Z_[0-9a-f]{8}\.tar\.zst$'
            $name | Should -Be ('app_{0}_{1}.tar.zst' -f $b.CreatedUtc.ToString("yyyyMMdd'T'HHmmss'Z'"), $b.Id.ToString('N').Substring(0, 8))
            $b.ShortId | Should -Be $b.Id.ToString('N').Substring(0, 8)
        }

        It 'is a zstd stream (magic 28 B5 2F FD) that zstd -t accepts' {
            $head = [IO.File]::ReadAllBytes($b.Path)[0..3]
            $head | Should -Be ([byte[]](0x28, 0xB5, 0x2F, 0xFD))
            Invoke-Native zstd -q -t $b.Path | Out-Null
        }

        It 'lists manifest.json first and checksums.sha256 last (tar -tf)' {
            $entries = @(Invoke-Native tar --zstd -tf $b.Path)
            $entries[0] | Should -Be 'manifest.json'
            $entries[1] | Should -Be 'database/app.db'
            $entries[-1] | Should -Be 'checksums.sha256'
            $entries | Should -Contain 'files/uploads/'
            $entries | Should -Contain 'files/uploads/sub/run.sh'
        }

        It 'passes sha256sum -c checksums.sha256 in the extracted folder' {
            Push-Location -LiteralPath $extracted
            try {
                $lines = Invoke-Native sha256sum -c checksums.sha256
            }
            finally { Pop-Location }
            $lines | Should -Contain 'database/app.db: OK'
            $lines | Should -Contain 'files/config.toml: OK'
            $lines | Should -Contain 'files/uploads/sub/b.bin: OK'
            @($lines).Count | Should -Be 5
        }

        It 'holds a database that passes PRAGMA integrity_check with the source row counts' {
            $copy = Join-Path $extracted 'database/app.db'
            Invoke-Sqlite $copy 'PRAGMA integrity_check;' | Should -Be 'ok'
            foreach ($table in 'Track', 'Invoice', 'InvoiceLine', 'Customer') {
                Get-RowCount $copy $table | Should -Be (Get-RowCount $db $table)
                $b.TableRowCounts[$table] | Should -Be (Get-RowCount $db $table)
            }
        }

        It 'keeps the included files byte for byte' {
            Get-Sha256 (Join-Path $extracted 'files/uploads/sub/b.bin') | Should -Be (Get-Sha256 (Join-Path $uploads 'sub/b.bin'))
            Get-Content -LiteralPath (Join-Path $extracted 'files/config.toml') | Should -Be 'listen = ":8080"'
        }

        It 'keeps the modes and modification times of file entries' -ForEach @(
            @{ Relative = 'config.toml'; Source = 'config.toml' }
            @{ Relative = 'uploads/a.txt'; Source = 'uploads/a.txt' }
            @{ Relative = 'uploads/sub'; Source = 'uploads/sub' }
            @{ Relative = 'uploads/sub/b.bin'; Source = 'uploads/sub/b.bin' }
            @{ Relative = 'uploads/sub/run.sh'; Source = 'uploads/sub/run.sh' }
        ) {
            $inArchive = Join-Path $extracted "files/$Relative"
            $original = Join-Path $ws $Source
            Get-Mode $inArchive | Should -Be (Get-Mode $original)
            Get-MTime $inArchive | Should -Be (Get-MTime $original)
        }

        It 'never gives an entry mode 0777 and keeps its own entries private' {
            $listing = Invoke-Native tar --zstd -tvf $b.Path
            $listing | Where-Object { $_ -match '^.rwxrwxrwx' } | Should -BeNullOrEmpty
            $listing | Where-Object { $_ -match ' manifest\.json$' } | Should -Match '^-rw-------'
            $listing | Where-Object { $_ -match ' checksums\.sha256$' } | Should -Match '^-rw-------'
            Get-Mode (Join-Path $extracted 'files/uploads/a.txt') | Should -Be '640'
            Get-Mode (Join-Path $extracted 'files/uploads/sub') | Should -Be '750'
        }

        It 'creates the backup and sidecar 0600 and the destination folder 0700' {
            Get-Mode $b.Path | Should -Be '600'
            Get-Mode "$($b.Path).json" | Should -Be '600'
            Get-Mode $destination | Should -Be '700'
        }

        It 'writes a sidecar whose sha256 and size match the file (sha256sum)' {
            $sidecar = Get-Content -Raw -LiteralPath "$($b.Path).json" | ConvertFrom-Json
            $sha256sum = (Invoke-Native sha256sum $b.Path) -split ' ' | Select-Object -First 1
            $sidecar.sha256 | Should -Be $sha256sum
            $b.Sha256 | Should -Be $sha256sum
            $sidecar.sizeBytes | Should -Be (Get-Item -LiteralPath $b.Path).Length
            $b.SizeBytes | Should -Be (Get-Item -LiteralPath $b.Path).Length
            $sidecar.backupFile | Should -Be (Split-Path -Leaf $b.Path)
            $sidecar.manifest.id | Should -Be $b.Id.ToString()
            $sidecar.encrypted | Should -BeFalse
        }

        It 'records each entry''s sha256 in the sidecar as in checksums.sha256' {
            $sidecar = Get-Content -Raw -LiteralPath "$($b.Path).json" | ConvertFrom-Json
            $expected = @{}
            foreach ($line in Get-Content -LiteralPath (Join-Path $extracted 'checksums.sha256')) {
                $hash, $path = $line -split '  ', 2
                $expected[$path] = $hash
            }
            $files = @($sidecar.manifest.entries | Where-Object kind -ne 'Directory')
            $files.Count | Should -Be $expected.Count
            foreach ($entry in $files) { $entry.sha256 | Should -Be $expected[$entry.path] }
        }

        It 'describes itself in manifest.json (no entry hashes inside the archive)' {
            $manifest = Get-Content -Raw -LiteralPath (Join-Path $extracted 'manifest.json') | ConvertFrom-Json
            $manifest.formatVersion | Should -Be 1
            $manifest.id | Should -Be $b.Id.ToString()
            $manifest.databaseName | Should -Be 'app'
            $manifest.type | Should -Be 'Full'
            $manifest.description | Should -Be 'format check'
            $manifest.tags | Should -Be @('nightly', 'pre-upgrade')
            $manifest.compression | Should -Be 'zstd'
            $manifest.sourcePath | Should -Be $db
            ($manifest.tables | Where-Object name -eq 'Track').rows | Should -Be (Get-RowCount $db 'Track')
            $manifest.fileRoots.name | Should -Be @('config.toml', 'uploads')
            ($manifest.fileRoots | Where-Object name -eq 'uploads').isDirectory | Should -BeTrue
            $manifest.entries | Where-Object { $_.PSObject.Properties['sha256'] -and $_.sha256 } | Should -BeNullOrEmpty
            ($manifest.entries | Where-Object path -eq 'files/uploads/a.txt').mode | Should -Be '0640'
        }

        It 'exposes the tags and description on the DbBackup' {
            $b.Tags | Should -Be @('nightly', 'pre-upgrade')
            $b.Description | Should -Be 'format check'
            $b.Compression | Should -Be 'zstd'
            $b.Encrypted | Should -BeFalse
        }

        It 'leaves the source database unchanged and no temporary files behind' {
            Get-Sha256 $db | Should -Be $sourceHash
            Get-ChildItem -LiteralPath $destination -Force -Filter '*.partial' | Should -BeNullOrEmpty
            Get-ChildItem -LiteralPath $ws -Force -Filter 'app.db-*' | Should -BeNullOrEmpty -Because 'no journal or WAL is left beside the source'
            @(Get-ChildItem -LiteralPath $destination -Force).Name | Should -Be @((Split-Path -Leaf $b.Path), (Split-Path -Leaf "$($b.Path).json"), 'audit.jsonl')
        }
    }

    Context 'Compression <Compression>' -ForEach @(
        @{ Compression = 'Gzip'; Extension = '.tar.gz'; TarFlag = @('--gzip'); Magic = @(0x1F, 0x8B); Offset = 0 }
        @{ Compression = 'None'; Extension = '.tar'; TarFlag = @(); Magic = [byte[]][char[]]'ustar'; Offset = 257 }
        @{ Compression = 'Zstd'; Extension = '.tar.zst'; TarFlag = @('--zstd'); Magic = @(0x28, 0xB5, 0x2F, 0xFD); Offset = 0 }
    ) {
        BeforeAll {
            $script:cb = New-DbBackup -Database $db -Destination (Join-Path $ws "compression-$Compression") -IncludePath $config -Compression $Compression
        }

        It 'is named *<Extension> and starts with the format''s magic bytes' {
            Split-Path -Leaf $cb.Path | Should -Match ('^app_\d{8}T\d{6}Z_[0-9a-f]{8}' + [regex]::Escape($Extension) + '$')
            $bytes = [IO.File]::ReadAllBytes($cb.Path)
            $bytes[$Offset..($Offset + $Magic.Count - 1)] | Should -Be ([byte[]]$Magic)
            $cb.Compression | Should -Be $Compression.ToLowerInvariant()
        }

        It 'opens with tar <TarFlag> -xf; its checksums and database check out' {
            $folder = Expand-WithTar $cb.Path $TarFlag
            Push-Location -LiteralPath $folder
            try { Invoke-Native sha256sum -c --quiet checksums.sha256 | Out-Null }
            finally { Pop-Location }
            Invoke-Sqlite (Join-Path $folder 'database/app.db') 'PRAGMA integrity_check;' | Should -Be 'ok'
            @(Invoke-Native tar @TarFlag -tf $cb.Path)[0] | Should -Be 'manifest.json'
        }

        It 'passes Test-DbBackup' {
            ($cb | Test-DbBackup).Passed | Should -BeTrue
        }
    }

    Context 'Compression level' {
        It 'a higher -CompressionLevel makes a valid backup no larger than level 1' {
            $fast = New-DbBackup -Database $db -Destination (Join-Path $ws 'levels') -CompressionLevel 1
            $small = New-DbBackup -Database $db -Destination (Join-Path $ws 'levels') -CompressionLevel 19
            $small.SizeBytes | Should -BeLessOrEqual $fast.SizeBytes
            ($small | Test-DbBackup).Passed | Should -BeTrue
        }
    }

    Context '-WhatIf' {
        It 'writes nothing, not even the destination folder' {
            $destination = Join-Path $ws 'whatif'
            $out = New-DbBackup -Database $db -Destination $destination -WhatIf
            $out | Should -BeNullOrEmpty
            $destination | Should -Not -Exist
        }
    }

    Context 'A database in WAL mode with committed data still in the -wal file' {
        It 'backs up the committed rows' {
            $wal = Join-Path $ws 'wal/live.db'
            New-SmallDatabase $wal -Rows 10 | Out-Null
            Invoke-Sqlite $wal 'PRAGMA journal_mode=WAL;' | Should -Be 'wal'
            # sqlite3 checkpoints on close; keep the new rows in the WAL by turning that off.
            Invoke-Native sqlite3 $wal '.dbconfig no_ckpt_on_close on' 'INSERT INTO items (name) SELECT name FROM items;' | Out-Null
            "$wal-wal" | Should -Exist
            (Get-Item -LiteralPath "$wal-wal").Length | Should -BeGreaterThan 0
            $b = New-DbBackup -Database $wal -Destination (Join-Path $ws 'wal/backups')
            $b.TableRowCounts['items'] | Should -Be 20
            $folder = Expand-WithTar $b.Path
            Get-RowCount (Join-Path $folder 'database/live.db') 'items' | Should -Be 20
        }
    }
}
