# Pester 6: the built module's help is real: every exported cmdlet has a synopsis (not the syntax PowerShell
# generates when there is no help), a description, examples with code, a description for every parameter, and
# about_BackupPS is found. Run against the built module: $env:BACKUPPS_MODULE_PATH = out/BackupPS (the default).

BeforeDiscovery {
    $modulePath = if ($env:BACKUPPS_MODULE_PATH) { $env:BACKUPPS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/BackupPS' }
    Import-Module (Join-Path $modulePath BackupPS.psd1) -Force
    $excluded = [System.Management.Automation.Cmdlet]::CommonParameters
    $cmdlets = foreach ($command in Get-Command -Module BackupPS -CommandType Cmdlet) {
        @{
            Name       = $command.Name
            Parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $excluded } | ForEach-Object { @{ Parameter = $_ } })
        }
    }
}

BeforeAll {
    $modulePath = if ($env:BACKUPPS_MODULE_PATH) { $env:BACKUPPS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/BackupPS' }
    $module = Import-Module (Join-Path $modulePath BackupPS.psd1) -Force -PassThru

    function Get-Text($Value) { (@($Value) | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n" }
}

Describe 'The module' {
    It 'exports the six cmdlets' {
        (Get-Command -Module BackupPS -CommandType Cmdlet).Name | Sort-Object |
            Should -Be @('Get-DbBackup', 'Get-DbBackupAuditLog', 'New-DbBackup', 'Remove-DbBackup', 'Restore-DbBackup', 'Test-DbBackup')
    }

    It 'ships its MAML help beside the module' {
        $file = Join-Path $module.ModuleBase 'en-US/BackupPS.dll-Help.xml'
        $file | Should -Exist
        ([xml](Get-Content -Raw $file)).helpItems.command.details.name | Sort-Object |
            Should -Be @('Get-DbBackup', 'Get-DbBackupAuditLog', 'New-DbBackup', 'Remove-DbBackup', 'Restore-DbBackup', 'Test-DbBackup')
    }
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
    }

    It 'has a synopsis that is not the generated syntax' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        # Without help, PowerShell uses the syntax ("New-DbBackup [[-Database] <string>] ...") as the synopsis.
        $synopsis | Should -Not -Match "^$([regex]::Escape($Name))\s"
        $synopsis | Should -Not -Match '\[-\w+'
        $synopsis.Length | Should -BeGreaterThan 20
    }

    It 'has a description' {
        (Get-Text $help.Description).Trim().Length | Should -BeGreaterThan 100
    }

    It 'has examples, each with code and remarks' {
        $examples = @($help.Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 1
        foreach ($example in $examples) {
            "$($example.Code)".Trim() | Should -Not -BeNullOrEmpty -Because "example '$($example.Title)' needs code"
            "$($example.Code)" | Should -Match $Name -Because "example '$($example.Title)' should use $Name"
            (Get-Text $example.Remarks).Trim() | Should -Not -BeNullOrEmpty -Because "example '$($example.Title)' needs remarks"
        }
    }

    It 'documents the -<Parameter> parameter' -ForEach $Parameters {
        $parameterHelp = Get-Help $Name -Parameter $Parameter
        $parameterHelp.Name | Should -Be $Parameter
        (Get-Text $parameterHelp.Description).Trim() | Should -Not -BeNullOrEmpty -Because "-$Parameter of $Name needs a description"
    }

    It 'has one syntax block per parameter set, with the compiled parameters' {
        $syntax = @($help.Syntax.SyntaxItem)
        $syntax.Count | Should -Be $command.ParameterSets.Count
        $excluded = [System.Management.Automation.Cmdlet]::CommonParameters
        foreach ($set in $command.ParameterSets) {
            $expected = @($set.Parameters.Name | Where-Object { $_ -notin $excluded } | Sort-Object)
            $matching = $syntax | Where-Object { (@($_.Parameter.Name | Sort-Object) -join ',') -eq ($expected -join ',') }
            $matching | Should -Not -BeNullOrEmpty -Because "parameter set '$($set.Name)' ($($expected -join ', ')) should have a syntax block"
        }
    }

    It 'gives the compiled type, position and pipeline input of each parameter' {
        $excluded = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($parameter in $command.Parameters.Values | Where-Object Name -NotIn $excluded) {
            $parameterHelp = Get-Help $Name -Parameter $parameter.Name
            $type = $parameter.ParameterType
            $elementType = if ($type.IsArray) { $type.GetElementType() } else { $type }
            $elementType = [Nullable]::GetUnderlyingType($elementType) ?? $elementType
            $parameterHelp.Type.Name | Should -Match "^$([regex]::Escape($elementType.FullName))" -Because "-$($parameter.Name) is $($type.Name)"
            $positions = @($parameter.ParameterSets.Values.Position | Where-Object { $_ -ge 0 } | Select-Object -Unique)
            $parameterHelp.Position | Should -Be $(if ($positions.Count -eq 1) { "$($positions[0])" } else { 'named' }) -Because "-$($parameter.Name)'s position"
            $byValue = [bool]($parameter.ParameterSets.Values | Where-Object ValueFromPipeline)
            $parameterHelp.PipelineInput -like '*ByValue*' | Should -Be $byValue -Because "-$($parameter.Name)'s pipeline input"
        }
    }

    It 'links to the other cmdlets and about_BackupPS' {
        $links = @($help.RelatedLinks.NavigationLink.LinkText)
        $links | Should -Contain 'about_BackupPS'
        foreach ($other in (Get-Command -Module BackupPS -CommandType Cmdlet).Name | Where-Object { $_ -ne $Name }) {
            $links | Should -Contain $other
        }
    }

    It 'documents its output types' {
        $documented = @($help.ReturnValues.ReturnValue.Type.Name)
        foreach ($output in $command.OutputType) {
            $expected = if ($output.Type -eq [void]) { 'None' } else { $output.Type.FullName }
            $documented | Should -Contain $expected
        }
    }
}

Describe 'about_BackupPS' {
    BeforeAll { $about = Get-Help about_BackupPS | Out-String }

    It 'is found after Import-Module' {
        $about | Should -Match 'TOPIC\s+about_BackupPS'
        $about | Should -Match 'SHORT DESCRIPTION'
        $about | Should -Match 'LONG DESCRIPTION'
    }

    It 'covers the cmdlets, the format, restore safety and error ids' {
        foreach ($cmdlet in (Get-Command -Module BackupPS -CommandType Cmdlet).Name) { $about | Should -Match $cmdlet }
        $about | Should -Match 'manifest\.json'
        $about | Should -Match 'checksums\.sha256'
        $about | Should -Match 'tar --zstd -xf'
        $about | Should -Match 'PreRestore'
        $about | Should -Match 'integrity_check'
        $about | Should -Match 'FullyQualifiedErrorId'
        $about | Should -Match 'SEE ALSO'
    }
}
