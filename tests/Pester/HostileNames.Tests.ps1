# Hostile names: database and destination paths with spaces, quotes, a newline, unicode and a leading dash are
# backed up, listed, verified and restored (plain and encrypted) as ordinary paths; nothing is ever given to a shell.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'hostile'
    $script:pw = ConvertTo-SecureString 'hostile names' -AsPlainText -Force
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'Hostile names' {
    It 'handles <Label>' -ForEach @(
        @{ Label = 'spaces'; Name = 'my app db' }
        @{ Label = 'quotes'; Name = "it's ""quoted"" `$(whoami)" }
        @{ Label = 'a newline'; Name = "line`nbreak" }
        @{ Label = 'unicode'; Name = 'Ünïcødé-数据库-🙂' }
        @{ Label = 'a leading dash'; Name = '-rf --help' }
        @{ Label = 'shell metacharacters'; Name = 'a;b|c&d>e<f*g?' }
    ) {
        $folder = Join-Path $ws $Name
        [IO.Directory]::CreateDirectory($folder) | Out-Null
        $db = Copy-Chinook (Join-Path $folder "$Name.db")
        $dest = Join-Path $folder "dest $Name"
        foreach ($encrypted in $false, $true) {
            $keys = if ($encrypted) { @{ Passphrase = $pw } } else { @{} }
            $b = New-DbBackup -Database $db -Destination $dest @keys -ErrorAction Stop
            $b.Encrypted | Should -Be $encrypted
            [IO.Path]::GetFileName($b.Path) | Should -Match '^[A-Za-z0-9._-]+$'   # the file name is always safe
            Split-Path -Parent $b.Path | Should -Be $dest
            (Get-DbBackup -Destination $dest | Where-Object Id -eq $b.Id) | Should -Not -BeNullOrEmpty
            ($b | Test-DbBackup @keys).Passed | Should -BeTrue
            $target = Join-Path $folder "restored $Name.db"
            ($b | Restore-DbBackup -Target $target -Force @keys).IntegrityCheck | Should -Be 'ok'
            Get-RowCount $target 'Track' | Should -Be (Get-RowCount $db 'Track')
        }
        # Nothing was created outside the workspace folder for this name (no path was split or interpreted).
        @(Get-ChildItem -LiteralPath $ws -Force | Where-Object { $_.Name -ne $Name -and -not (Test-Path -LiteralPath (Join-Path $ws $_.Name) -PathType Container) }) | Should -BeNullOrEmpty
    }
}
