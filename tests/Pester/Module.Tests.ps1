# The module as PowerShell sees it: what it exports, the cmdlets' declared output types and confirm impact, and the
# default table view of a backup.
BeforeAll {
    . $PSScriptRoot/CoreTestHelpers.ps1
    Import-BackupPSUnderTest
    $script:ws = New-TestWorkspace 'module'
    $script:module = Get-Module BackupPS
}

AfterAll {
    Remove-TestWorkspace $ws
}

Describe 'The BackupPS module' {
    It 'is loaded from the module under test' {
        $module | Should -Not -BeNullOrEmpty
        @($module).Count | Should -Be 1
        if ($env:BACKUPPS_MODULE_PATH) {
            $module.ModuleBase | Should -Be (Resolve-Path -LiteralPath $env:BACKUPPS_MODULE_PATH).ProviderPath
        }
        $module.ModuleType | Should -Be 'Binary'
        $module.Version | Should -Be ([version](Import-PowerShellDataFile (Join-Path $module.ModuleBase 'BackupPS.psd1')).ModuleVersion)
    }

    It 'exports exactly the five cmdlets, and nothing else' {
        (Get-Command -Module BackupPS).Name | Sort-Object | Should -Be @('Get-DbBackup', 'Get-DbBackupAuditLog', 'New-DbBackup', 'Remove-DbBackup', 'Restore-DbBackup', 'Test-DbBackup')
        (Get-Command -Module BackupPS).CommandType | Sort-Object -Unique | Should -Be 'Cmdlet'
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
    }

    It '<Name> declares [OutputType(<Type>)]' -ForEach @(
        @{ Name = 'New-DbBackup'; Type = 'BackupPS.DbBackup' }
        @{ Name = 'Get-DbBackup'; Type = 'BackupPS.DbBackup' }
        @{ Name = 'Test-DbBackup'; Type = 'BackupPS.DbBackupTestResult' }
        @{ Name = 'Restore-DbBackup'; Type = 'BackupPS.DbRestoreResult' }
        @{ Name = 'Remove-DbBackup'; Type = 'System.Void' }
    ) {
        $outputTypes = @((Get-Command $Name).OutputType)
        $outputTypes.Count | Should -Be 1
        $outputTypes[0].Name | Should -Be $Type
    }

    It '<Name> has ConfirmImpact <Impact> and supports -WhatIf: <WhatIf>' -ForEach @(
        @{ Name = 'New-DbBackup'; Impact = 'Low'; WhatIf = $true }
        @{ Name = 'Restore-DbBackup'; Impact = 'High'; WhatIf = $true }
        @{ Name = 'Remove-DbBackup'; Impact = 'High'; WhatIf = $true }
        @{ Name = 'Get-DbBackup'; Impact = 'Medium'; WhatIf = $false }
        @{ Name = 'Test-DbBackup'; Impact = 'Medium'; WhatIf = $false }
    ) {
        $command = Get-Command $Name
        $attribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.SupportsShouldProcess | Should -Be $WhatIf
        if ($WhatIf) { $attribute.ConfirmImpact | Should -Be $Impact }
        $command.Parameters.ContainsKey('WhatIf') | Should -Be $WhatIf
        $command.Parameters.ContainsKey('Confirm') | Should -Be $WhatIf
    }

    It 'Restore- and Remove-DbBackup ask before acting at the default $ConfirmPreference (refused in a non-interactive session)' {
        $db = New-SmallDatabase (Join-Path $ws 'confirm.db')
        $b = New-DbBackup -Database $db -Destination (Join-Path $ws 'confirm')
        $ConfirmPreference | Should -Be 'High'
        if (-not [Environment]::GetCommandLineArgs().Where({ $_ -like '-NonI*' })) {
            Set-ItResult -Skipped -Because 'the prompt can only be observed failing in a -NonInteractive session'
            return
        }
        $hash = Get-Sha256 $db
        foreach ($cmdlet in 'Remove-DbBackup', 'Restore-DbBackup') {
            $reached = $false
            # The failed prompt is terminating, as for built-in cmdlets: the statement stops without -ErrorAction Stop.
            $err = Get-ThrownError { $b | & $cmdlet; $reached = $true }
            $err | Should -Not -BeNullOrEmpty -Because "$cmdlet must ask"
            $reached | Should -BeFalse
            $err.Exception | Should -BeOfType [System.Management.Automation.PSInvalidOperationException]
            $err.Exception.Message | Should -Match 'NonInteractive'
        }
        $b.Path | Should -Exist
        Get-Sha256 $db | Should -Be $hash
        @(Get-DbBackup (Join-Path $ws 'confirm')).Count | Should -Be 1 -Because 'no safety backup was taken either'
    }

    It 'lets the InputObject and Path parameter sets bind by pipeline' {
        $test = Get-Command Test-DbBackup
        $test.Parameters['InputObject'].ParameterType | Should -Be ([BackupPS.DbBackup[]])
        $test.Parameters['Path'].Aliases | Should -Contain 'FullName'
        $test.Parameters['Path'].Aliases | Should -Contain 'PSPath'
        (Get-Command New-DbBackup).Parameters['Database'].Aliases | Should -Contain 'FullName'
    }

    Context 'Formatting' {
        BeforeAll {
            $db = New-SmallDatabase (Join-Path $ws 'format.db') -Rows 2
            $script:backup = New-DbBackup -Database $db -Destination (Join-Path $ws 'format-backups')
        }

        It 'defines a table view for DbBackup with Created, Database, Type, Size, Encrypted and LastVerified' {
            $view = Get-FormatData -TypeName BackupPS.DbBackup
            $view | Should -Not -BeNullOrEmpty
            $table = $view.FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.TableControl] } | Select-Object -First 1
            $labels = $table.Control.Headers.Label
            $labels[0..5] | Should -Be @('Created', 'Database', 'Type', 'Size', 'Encrypted', 'LastVerified')
        }

        It 'shows those columns by default' {
            $text = $backup | Out-String -Width 200
            $header = ($text -split "`n" | Where-Object { $_ -match '\S' } | Select-Object -First 1)
            $header | Should -Match '^Created\s+Database\s+Type\s+Size\s+Encrypted\s+LastVerified'
            $text | Should -Match ([regex]::Escape($backup.Created.ToString('yyyy-MM-dd HH:mm:ss')))
            $text | Should -Match '\bformat\b'
            $text | Should -Match '\bDatabase\b'
            $text | Should -Match '\d+(\.\d)? (B|KiB|MiB)'
        }

        It 'shows Database, Passed and FailureReason for a test result, and the checks' {
            $result = $backup | Test-DbBackup
            ($result | Out-String -Width 200) | Should -Match 'Database\s+Created\s+Passed'
            ($result.Checks | Out-String -Width 200) | Should -Match 'IntegrityCheck\s+Passed'
        }

        It 'shows the Target and SafetyBackup of a restore result' {
            $result = $backup | Restore-DbBackup -Confirm:$false
            $text = $result | Out-String -Width 250
            $text | Should -Match 'Target'
            $text | Should -Match ([regex]::Escape((Split-Path -Leaf $result.SafetyBackup.Path)))
        }
    }
}
