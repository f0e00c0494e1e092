# Included files (-IncludePath): the database inside an included folder is only ever in the backup as its snapshot,
# other live SQLite databases there are named in a warning, and several roots with clashing names each restore whole.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'included'
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'The database inside an included folder' {
    It 'is archived only as its snapshot, even with a live writer, and restores intact' {
        $app = Join-Path $ws 'srv/app'
        New-Item -ItemType Directory -Force -Path $app | Out-Null
        $db = Join-Path $app 'app.db'
        & sqlite3 $db 'PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);' | Out-Null
        Set-Content -LiteralPath (Join-Path $app 'settings.ini') -Value 'x=1'
        $other = Join-Path $app 'cache.sqlite'
        & sqlite3 $other 'CREATE TABLE c(x);' | Out-Null
        # A bounded writer keeps the WAL busy while the backup runs.
        $sql = 'PRAGMA busy_timeout=5000;' + ((1..400 | ForEach-Object { "INSERT INTO t(v) VALUES (randomblob(4000));" }) -join '')
        $sqlFile = Join-Path $ws 'w.sql'
        Set-Content -LiteralPath $sqlFile -Value ((1..6 | ForEach-Object { $sql }) -join "`n")
        $writer = Start-Process -FilePath sqlite3 -ArgumentList @($db) -RedirectStandardInput $sqlFile -PassThru -NoNewWindow
        $dest = Join-Path $ws 'dest-db'
        $b = New-DbBackup -Database $db -Destination $dest -IncludePath $app -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop
        $writer.WaitForExit()
        $listing = & tar --zstd -tvf $b.Path
        $LASTEXITCODE | Should -Be 0
        @($listing | Where-Object { $_ -match 'files/.*app\.db' }) | Should -BeNullOrEmpty
        @($listing | Where-Object { $_ -match 'files/app/settings\.ini$' }) | Should -Not -BeNullOrEmpty
        @($listing | Where-Object { $_ -match 'files/app/cache\.sqlite$' }) | Should -Not -BeNullOrEmpty
        ($warnings -join "`n") | Should -BeLike "*$other*"
        ($warnings -join "`n") | Should -Not -BeLike "*app.db*"
        Remove-Item -Recurse -Force $app
        $r = $b | Restore-DbBackup -Force -Confirm:$false -ErrorAction Stop
        $r.IntegrityCheck | Should -Be 'ok'
        (& sqlite3 $db 'PRAGMA integrity_check;') | Should -Be 'ok'
        Test-Path -LiteralPath (Join-Path $app 'settings.ini') | Should -BeTrue
    }
}

Describe 'Several roots' {
    BeforeAll {
        function New-Tree([string] $Root, [string] $Tag) {
            New-Item -ItemType Directory -Force -Path (Join-Path $Root 'sub/deeper') | Out-Null
            Set-Content -LiteralPath (Join-Path $Root "top-$Tag.txt") -Value "top $Tag"
            Set-Content -LiteralPath (Join-Path $Root 'sub/deeper/same-name.txt') -Value "deep $Tag"
            (Get-Item -LiteralPath (Join-Path $Root 'sub')).LastWriteTimeUtc = [datetime]::new(2020, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)
        }
    }
    It 'restores <Label> each to its own place, completely, in place and with -FilesTarget' -ForEach @(
        @{ Label = 'roots with the same folder name'; Roots = @('a/config', 'b/config') }
        @{ Label = 'root names that are prefixes of each other'; Roots = @('p/data', 'p/data-old') }
    ) {
        $base = Join-Path $ws ([guid]::NewGuid().ToString('n'))
        $paths = @($Roots | ForEach-Object { Join-Path $base $_ })
        $i = 0
        foreach ($p in $paths) { New-Tree $p "root$i"; $i++ }
        $pristine = Join-Path $base 'pristine'
        foreach ($p in $paths) { $copy = Join-Path $pristine ($p.Substring($base.Length + 1)); New-Item -ItemType Directory -Force -Path (Split-Path $copy) | Out-Null; & cp -a $p $copy }
        $b = New-DbBackup -Type Files -Name 'roots' -Destination (Join-Path $base 'dest') -IncludePath $paths -ErrorAction Stop
        foreach ($p in $paths) { Remove-Item -Recurse -Force $p }
        $b | Restore-DbBackup -Force -Confirm:$false -ErrorAction Stop | Out-Null
        foreach ($p in $paths) {
            & diff -r ($p -replace [regex]::Escape($base), $pristine) $p | Should -BeNullOrEmpty
            $LASTEXITCODE | Should -Be 0
            (Get-Item -LiteralPath (Join-Path $p 'sub')).LastWriteTimeUtc | Should -Be ([datetime]::new(2020, 1, 2, 3, 4, 5, [DateTimeKind]::Utc))
        }
        $filesTarget = Join-Path $base 'elsewhere'
        $b | Restore-DbBackup -FilesTarget $filesTarget -Force -Confirm:$false -ErrorAction Stop | Out-Null
        $restoredRoots = @(Get-ChildItem -LiteralPath $filesTarget -Directory | Sort-Object Name)
        $restoredRoots.Count | Should -Be $paths.Count
        $i = 0
        foreach ($p in $paths) {
            $tag = "root$i"; $i++
            $match = @($restoredRoots | Where-Object { Test-Path -LiteralPath (Join-Path $_.FullName "top-$tag.txt") })
            $match.Count | Should -Be 1
            & diff -r ($p -replace [regex]::Escape($base), $pristine) $match[0].FullName | Should -BeNullOrEmpty
            $LASTEXITCODE | Should -Be 0
        }
    }
}

Describe 'Any file name the file system allows (property-based)' {
    It 'round-trips exactly or is refused at backup time naming the file, for random byte names (seed <Seed>)' -ForEach @(
        @{ Seed = 20261207 }
        @{ Seed = 11 }
    ) {
        $root = Join-Path $ws "names-$Seed"
        & python3 "$PSScriptRoot/tools/random_names_tree.py" $root 24 $Seed
        $LASTEXITCODE | Should -Be 0
        $dest = Join-Path $ws "names-dest-$Seed"
        $refused = 0; $restored = 0
        foreach ($folder in Get-ChildItem -LiteralPath $root -Directory | Sort-Object Name) {
            $b = $null
            try { $b = New-DbBackup -Type Files -Name names -Destination $dest -IncludePath $folder.FullName -ErrorAction Stop -WarningAction SilentlyContinue }
            catch {
                $_.FullyQualifiedErrorId | Should -BeLike 'IncludePathUnsupportedName,*' -Because "seed $Seed, folder $($folder.Name)"
                $_.Exception.Message | Should -BeLike "*$($folder.FullName)/*"
                $refused++
                continue
            }
            ($b | Test-DbBackup).Passed | Should -BeTrue -Because "seed $Seed, folder $($folder.Name): a backup that succeeds verifies"
            $out = Join-Path $ws "names-out-$Seed/$($folder.Name)"
            $b | Restore-DbBackup -FilesTarget $out -Force -Confirm:$false -ErrorAction Stop | Out-Null
            & python3 "$PSScriptRoot/tools/compare_trees.py" $folder.FullName (Join-Path $out $folder.Name) | Should -BeNullOrEmpty -Because "seed $Seed"
            # The same archive extracted by GNU tar gives the same tree.
            $tarOut = Join-Path $ws "names-tar-$Seed/$($folder.Name)"
            New-Item -ItemType Directory -Force -Path $tarOut | Out-Null
            & tar --zstd -xpf $b.Path -C $tarOut
            $LASTEXITCODE | Should -Be 0
            & python3 "$PSScriptRoot/tools/compare_trees.py" $folder.FullName (Join-Path $tarOut "files/$($folder.Name)") | Should -BeNullOrEmpty -Because "seed $Seed (tar)"
            Push-Location $tarOut
            try { & sha256sum --quiet -c checksums.sha256 | Should -BeNullOrEmpty; $LASTEXITCODE | Should -Be 0 } finally { Pop-Location }
            $restored++
        }
        Write-Host "seed ${Seed}: $restored restored exactly, $refused refused"
        ($restored + $refused) | Should -Be 24
    }
}
