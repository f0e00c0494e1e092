# Any file name the file system allows, inside -IncludePath: newline, carriage return, backslash, leading dash,
# 255-byte names and NFC/NFD twins round-trip exactly (name bytes, content, mode incl. setuid/setgid/sticky, mtime),
# checked with independent tools (a python byte-exact tree walk, GNU tar, sha256sum -c); a name that is not UTF-8
# fails the whole backup before anything is written, naming the file, so no backup ever fails its own verification.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'hostile-files'
    $script:tools = Join-Path $PSScriptRoot 'tools'

    # Extracts a backup with GNU tar, compares its files/<root> with the source tree byte-exactly and checks the
    # archive's own checksums.sha256 with sha256sum -c; returns the extracted folder.
    function Assert-IndependentRoundTrip([string] $Archive, [string] $Source, [string] $Root, [string] $Because) {
        $out = Join-Path $ws ("tar-" + [guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Path $out | Out-Null
        & tar --zstd -xpf $Archive -C $out
        $LASTEXITCODE | Should -Be 0 -Because $Because
        & python3 "$tools/compare_trees.py" $Source (Join-Path $out "files/$Root") | Should -BeNullOrEmpty -Because "$Because (GNU tar extraction)"
        $LASTEXITCODE | Should -Be 0
        Push-Location $out
        try { & sha256sum --quiet --strict -c checksums.sha256 | Should -BeNullOrEmpty -Because $Because; $LASTEXITCODE | Should -Be 0 }
        finally { Pop-Location }
        $out
    }
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Hostile file names inside an included folder' {
    It 'round-trip exactly in a Full backup, verified by python, GNU tar and sha256sum -c' {
        $tree = Join-Path $ws 'tree'
        & python3 "$tools/hostile_names_tree.py" $tree
        $LASTEXITCODE | Should -Be 0
        $db = Join-Path $ws 'app.db'
        New-SmallDatabase $db 5
        $before = & sqlite3 $db .dump
        $dest = Join-Path $ws 'dest'
        $b = New-DbBackup -Database $db -Destination $dest -IncludePath $tree -ErrorAction Stop -WarningAction SilentlyContinue
        ($b | Test-DbBackup).Passed | Should -BeTrue

        $extracted = Assert-IndependentRoundTrip $b.Path $tree 'tree' 'hostile tree'
        # Names that need escaping make the manifest format 2 (older readers refuse it cleanly, docs/format.md).
        (Get-Content -Raw -LiteralPath (Join-Path $extracted 'manifest.json') | ConvertFrom-Json).formatVersion | Should -Be 2
        # checksums.sha256 uses GNU's escaped form for those names: a leading '\', '\\' and '\n'.
        $lines = Get-Content -LiteralPath (Join-Path $extracted 'checksums.sha256')
        @($lines | Where-Object { $_ -like '\*files/tree/new\nline' }).Count | Should -Be 1
        @($lines | Where-Object { $_ -like '\*files/tree/back\\slash' }).Count | Should -Be 1
        # tar -t lists every entry, one line each (GNU tar shows a newline in a name as \n).
        $listing = & tar --zstd -tf $b.Path
        $LASTEXITCODE | Should -Be 0
        $listing | Should -Contain 'files/tree/new\nline'
        $listing | Should -Contain 'files/tree/dir\nwith\\odd\rname/inner\nfile'
        $listing | Should -Contain ('files/tree/' + ('x' * 255))

        # BackupPS's own restore gives the same tree, and the database part is intact.
        Remove-Item -LiteralPath $db -Force
        $restoredFiles = Join-Path $ws 'restored'
        $b | Restore-DbBackup -FilesTarget $restoredFiles -Force -Confirm:$false -ErrorAction Stop | Out-Null
        & python3 "$tools/compare_trees.py" $tree (Join-Path $restoredFiles 'tree') | Should -BeNullOrEmpty
        $LASTEXITCODE | Should -Be 0
        (& sqlite3 $db .dump) | Should -Be $before
    }

    It 'round-trip exactly in an encrypted backup too' {
        $tree = Join-Path $ws 'enc-tree'
        & python3 "$tools/hostile_names_tree.py" $tree
        $LASTEXITCODE | Should -Be 0
        $pw = ConvertTo-SecureString 'odd names' -AsPlainText -Force
        $b = New-DbBackup -Type Files -Name enc -Destination (Join-Path $ws 'dest-enc') -IncludePath $tree -Passphrase $pw -ErrorAction Stop
        ($b | Test-DbBackup -Passphrase $pw).Passed | Should -BeTrue
        $out = Join-Path $ws 'enc-out'
        $b | Restore-DbBackup -FilesTarget $out -Passphrase $pw -Force -Confirm:$false -ErrorAction Stop | Out-Null
        & python3 "$tools/compare_trees.py" $tree (Join-Path $out 'enc-tree') | Should -BeNullOrEmpty
        $LASTEXITCODE | Should -Be 0
    }

    It 'keeps manifest format 1 when no name needs escaping' {
        $plain = Join-Path $ws 'plain'
        New-Item -ItemType Directory -Path $plain | Out-Null
        Set-Content -LiteralPath (Join-Path $plain '-dash and café') -Value 'x'
        $b = New-DbBackup -Type Files -Name plain -Destination (Join-Path $ws 'dest-plain') -IncludePath $plain -ErrorAction Stop
        $extracted = Assert-IndependentRoundTrip $b.Path $plain 'plain' 'plain tree'
        (Get-Content -Raw -LiteralPath (Join-Path $extracted 'manifest.json') | ConvertFrom-Json).formatVersion | Should -Be 1
    }

    It 'refuses a name that is not UTF-8 before anything is written, naming the file and what to do' {
        $tree = Join-Path $ws 'bad-tree'
        & python3 "$tools/hostile_names_tree.py" $tree --bad-utf8
        $LASTEXITCODE | Should -Be 0
        $db = Join-Path $ws 'bad.db'
        New-SmallDatabase $db 2
        $dest = Join-Path $ws 'dest-bad'
        $good = New-DbBackup -Database $db -Destination $dest -ErrorAction Stop
        $filesBefore = @(Get-ChildItem -LiteralPath $dest -Recurse -File | Where-Object Name -ne "audit.jsonl" | ForEach-Object { "$($_.FullName) $($_.Length)" })
        $err = Get-ThrownError { New-DbBackup -Database $db -Destination $dest -IncludePath $tree -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'IncludePathUnsupportedName,*'
        $err.Exception.Message | Should -BeLike "*$tree/bad-\uFFFD\uFFFD-utf8*"
        $err.Exception.Message | Should -BeLike '*not valid UTF-8*Rename it*'
        # Nothing was written (the audit log records the failure): the earlier backup is the only one and still verifies.
        @(Get-DbBackup -Destination $dest).Count | Should -Be 1
        @(Get-ChildItem -LiteralPath $dest -Recurse -File | Where-Object Name -ne "audit.jsonl" | ForEach-Object { "$($_.FullName) $($_.Length)" }) | Should -Be $filesBefore
        ($good | Test-DbBackup).Passed | Should -BeTrue
    }
}

Describe 'Random byte file names (property-based)' {
    It 'every valid UTF-8 name round-trips exactly and every other name is refused naming it' {
        $seed = if ($env:BACKUPPS_PROPERTY_SEED) { [int]$env:BACKUPPS_PROPERTY_SEED } else { 20261208 }
        $because = "property seed $seed (replay with BACKUPPS_PROPERTY_SEED=$seed)"
        $root = Join-Path $ws "random-$seed"
        & python3 "$tools/hostile_names_tree.py" $root --random $seed 60
        $LASTEXITCODE | Should -Be 0 -Because $because
        $b = New-DbBackup -Type Files -Name random -Destination (Join-Path $ws "dest-random-$seed") -IncludePath (Join-Path $root 'ok') -ErrorAction Stop -WarningAction SilentlyContinue
        ($b | Test-DbBackup).Passed | Should -BeTrue -Because $because
        Assert-IndependentRoundTrip $b.Path (Join-Path $root 'ok') 'ok' $because | Out-Null
        $out = Join-Path $ws "random-out-$seed"
        $b | Restore-DbBackup -FilesTarget $out -Force -Confirm:$false -ErrorAction Stop | Out-Null
        & python3 "$tools/compare_trees.py" (Join-Path $root 'ok') (Join-Path $out 'ok') | Should -BeNullOrEmpty -Because $because
        $destBad = Join-Path $ws "dest-random-bad-$seed"
        $err = Get-ThrownError { New-DbBackup -Type Files -Name bad -Destination $destBad -IncludePath (Join-Path $root 'bad') -ErrorAction Stop }
        $err.FullyQualifiedErrorId | Should -BeLike 'IncludePathUnsupportedName,*' -Because $because
        $err.Exception.Message | Should -BeLike "*$root/bad/*" -Because $because
        @(Get-ChildItem -LiteralPath $destBad -Recurse -File -ErrorAction SilentlyContinue).Count | Should -Be 0 -Because $because
    }
}
