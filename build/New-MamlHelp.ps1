<#
.SYNOPSIS
    Builds the MAML help file of the BackupPS binary cmdlets (BackupPS.dll-Help.xml).
.DESCRIPTION
    The METADATA of each cmdlet (parameter types, mandatory, position, pipeline input, aliases, wildcards, accepted
    values, defaults, parameter sets, output types, ShouldProcess) comes from the compiled cmdlets: the built module is
    imported in a child pwsh (so the calling session, e.g. build.ps1, never loads it) and described as JSON.
    The TEXT comes from module/help/<Cmdlet>.psd1: Synopsis, Description, Parameters.<Name> (its description text,
    or a hashtable with Description and an optional DefaultValue), Inputs, Outputs, Notes, Examples (Title, Code, Remarks), RelatedLinks.

    The build fails, listing every problem, when a cmdlet has no help source, a source has no cmdlet, a parameter has
    no description (or a documented parameter no longer exists), an output or pipeline input type is undocumented,
    a documented default contradicts the compiled one, or a required field is empty: help cannot silently rot.
.EXAMPLE
    dotnet pwsh ./build/New-MamlHelp.ps1 -ModulePath out/BackupPS -SourcePath module/help -OutputPath out/BackupPS/en-US/BackupPS.dll-Help.xml
#>
[CmdletBinding(DefaultParameterSetName = 'Build')]
param(
    # The built module folder (holds BackupPS.psd1).
    [Parameter(Mandatory)]
    [string] $ModulePath,
    # Folder of the <Cmdlet>.psd1 help sources.
    [Parameter(Mandatory, ParameterSetName = 'Build')]
    [string] $SourcePath,
    # The MAML file to write.
    [Parameter(Mandatory, ParameterSetName = 'Build')]
    [string] $OutputPath,
    # Internal: run in the child pwsh; import the module and write its cmdlets' metadata as JSON to this file.
    [Parameter(Mandatory, ParameterSetName = 'Metadata')]
    [string] $MetadataPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# ---------------------------------------------------------------------------------------------------------------
# Child mode: describe the compiled cmdlets.
# ---------------------------------------------------------------------------------------------------------------
function Get-TypeDisplayName([type] $Type) {
    $suffix = ''
    while ($Type.IsArray) { $suffix += '[]'; $Type = $Type.GetElementType() }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    [pscustomobject]@{ Short = $Type.Name + $suffix; Full = $Type.FullName + $suffix; Element = $Type }
}

function Format-DefaultValue($Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [System.Management.Automation.SwitchParameter]) { return $(if ($Value.IsPresent) { 'True' } else { $null }) }
    if ($Value -is [array]) { return $(if ($Value.Count -eq 0) { $null } else { ($Value | ForEach-Object { "$_" }) -join ', ' }) }
    if ($Value -is [string] -and $Value -eq '') { return $null }
    [string]$Value
}

function Export-CmdletMetadata {
    $manifest = Join-Path $ModulePath 'BackupPS.psd1'
    $module = Import-Module $manifest -PassThru -Force
    $excluded = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $commands = foreach ($command in Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name) {
        $cmdletAttribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true) | Select-Object -First 1
        # The compiled defaults: a fresh instance of the cmdlet class holds its properties' initial values.
        $instance = [Activator]::CreateInstance($command.ImplementingType)
        $parameters = foreach ($parameter in $command.Parameters.Values) {
            if ($parameter.Name -in $excluded) { continue }
            $type = Get-TypeDisplayName $parameter.ParameterType
            $values = @()
            if ($type.Element.IsEnum) { $values = [Enum]::GetNames($type.Element) }
            $range = $null
            foreach ($attribute in $parameter.Attributes) {
                if ($attribute -is [System.Management.Automation.ValidateSetAttribute]) { $values = @($attribute.ValidValues) }
                if ($attribute -is [System.Management.Automation.ValidateRangeAttribute]) { $range = "$($attribute.MinRange) to $($attribute.MaxRange)" }
            }
            $property = $command.ImplementingType.GetProperty($parameter.Name)
            [ordered]@{
                Name            = $parameter.Name
                Type            = $type.Short
                TypeFullName    = $type.Full
                IsSwitch        = $parameter.SwitchParameter
                Aliases         = @($parameter.Aliases)
                Globbing        = [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                AcceptedValues  = @($values)
                Range           = $range
                CompiledDefault = if ($property) { Format-DefaultValue $property.GetValue($instance) } else { $null }
                Sets            = @(foreach ($set in $parameter.ParameterSets.GetEnumerator()) {
                        [ordered]@{
                            Name           = $set.Key
                            Mandatory      = $set.Value.IsMandatory
                            Position       = $set.Value.Position
                            ByValue        = $set.Value.ValueFromPipeline
                            ByPropertyName = $set.Value.ValueFromPipelineByPropertyName
                        }
                    })
            }
        }
        [ordered]@{
            Name                  = $command.Name
            Verb                  = $command.Verb
            Noun                  = $command.Noun
            SupportsShouldProcess = [bool]$cmdletAttribute.SupportsShouldProcess
            ConfirmImpact         = [string]$cmdletAttribute.ConfirmImpact
            OutputTypes           = @($command.OutputType | ForEach-Object { if ($_.Type) { $_.Type.FullName } else { $_.Name } })
            Parameters            = @($parameters)
            ParameterSets         = @(foreach ($set in $command.ParameterSets) {
                    [ordered]@{ Name = $set.Name; IsDefault = $set.IsDefault -or $command.ParameterSets.Count -eq 1 }
                })
        }
    }
    ConvertTo-Json -InputObject @($commands) -Depth 8 | Set-Content -LiteralPath $MetadataPath -Encoding utf8
}

if ($PSCmdlet.ParameterSetName -eq 'Metadata') {
    Export-CmdletMetadata
    return
}

# ---------------------------------------------------------------------------------------------------------------
# Build mode.
# ---------------------------------------------------------------------------------------------------------------
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$SourcePath = (Resolve-Path -LiteralPath $SourcePath).ProviderPath
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)

function Get-CompiledMetadata {
    $json = [System.IO.Path]::GetTempFileName()
    try {
        # pwsh is the repository's local dotnet tool: dotnet finds it only from inside the repository.
        Push-Location -LiteralPath $PSScriptRoot
        try {
            $output = & dotnet pwsh -NoProfile -NonInteractive -File $PSCommandPath -ModulePath $ModulePath -MetadataPath $json 2>&1
            $exit = $LASTEXITCODE
        } finally { Pop-Location }
        if ($exit -ne 0) { throw "Reading the cmdlets of '$ModulePath' in a child pwsh failed (exit code $exit):`n$($output -join "`n")" }
        Get-Content -Raw -LiteralPath $json | ConvertFrom-Json
    } finally {
        Remove-Item -LiteralPath $json -Force -ErrorAction Ignore
    }
}

$ShouldProcessParameters = [ordered]@{
    WhatIf  = @{ Alias = 'wi'; Description = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.' }
    Confirm = @{ Alias = 'cf'; Description = 'Prompts you for confirmation before running the cmdlet.' }
}
$SourceKeys = 'Synopsis', 'Description', 'Parameters', 'Inputs', 'Outputs', 'Notes', 'Examples', 'RelatedLinks'
$ParameterKeys = 'Description', 'DefaultValue'
$ExampleKeys = 'Title', 'Code', 'Remarks'
$TypeKeys = 'Type', 'Description'
$Problems = [System.Collections.Generic.List[string]]::new()

function Test-Text($Value) { $Value -is [string] -and $Value.Trim().Length -gt 0 }

function Test-Keys([string] $Where, [System.Collections.IDictionary] $Table, [string[]] $Allowed) {
    foreach ($key in $Table.Keys) {
        if ($key -notin $Allowed) { $Problems.Add("$Where has an unknown key '$key' (allowed: $($Allowed -join ', ')).") }
    }
}

function Test-HelpSource($Command, [System.Collections.IDictionary] $Source, [string] $File) {
    $name = $Command.Name
    Test-Keys $File $Source $SourceKeys
    foreach ($key in 'Synopsis', 'Description', 'Notes') {
        if (-not (Test-Text $Source[$key])) { $Problems.Add("${name}: $key is missing or empty in $File.") }
    }
    $documented = if ($Source['Parameters'] -is [System.Collections.IDictionary]) { $Source.Parameters } else { @{} }
    foreach ($parameter in $Command.Parameters) {
        $entry = $documented[$parameter.Name]
        if ($entry -isnot [System.Collections.IDictionary] -or -not (Test-Text $entry['Description'])) {
            $Problems.Add("${name}: parameter -$($parameter.Name) has no Description in $File (Parameters.$($parameter.Name).Description).")
            continue
        }
        Test-Keys "$File Parameters.$($parameter.Name)" $entry $ParameterKeys
        if ($entry.Contains('DefaultValue') -and $parameter.CompiledDefault -and $entry.DefaultValue -notmatch [regex]::Escape($parameter.CompiledDefault)) {
            $Problems.Add("${name}: -$($parameter.Name) is documented with default '$($entry.DefaultValue)' but the compiled default is '$($parameter.CompiledDefault)'.")
        }
    }
    $known = @($Command.Parameters.Name) + $(if ($Command.SupportsShouldProcess) { $ShouldProcessParameters.Keys } else { @() })
    foreach ($key in $documented.Keys) {
        if ($key -notin $known) { $Problems.Add("${name}: $File documents parameter -$key, which the cmdlet does not have.") }
    }

    $examples = @($Source['Examples'] | Where-Object { $null -ne $_ })
    if ($examples.Count -lt 2) { $Problems.Add("${name}: $File needs at least 2 Examples (has $($examples.Count)).") }
    for ($i = 0; $i -lt $examples.Count; $i++) {
        $example = $examples[$i]
        if ($example -isnot [System.Collections.IDictionary]) { $Problems.Add("${name}: Examples[$i] in $File is not a hashtable."); continue }
        Test-Keys "$File Examples[$i]" $example $ExampleKeys
        foreach ($key in $ExampleKeys) {
            if (-not (Test-Text $example[$key])) { $Problems.Add("${name}: Examples[$i].$key is missing or empty in $File.") }
        }
    }

    foreach ($section in 'Inputs', 'Outputs') {
        $items = @($Source[$section] | Where-Object { $null -ne $_ })
        if ($items.Count -eq 0) { $Problems.Add("${name}: $section is missing in $File (use Type 'None' when there are none)."); continue }
        foreach ($item in $items) {
            if ($item -isnot [System.Collections.IDictionary] -or -not (Test-Text $item['Type']) -or -not (Test-Text $item['Description'])) {
                $Problems.Add("${name}: every $section item in $File needs a Type and a Description."); continue
            }
            Test-Keys "$File $section" $item $TypeKeys
        }
    }
    $outputs = @($Source['Outputs'] | Where-Object { $_ -is [System.Collections.IDictionary] } | ForEach-Object { $_['Type'] })
    foreach ($type in $Command.OutputTypes) {
        $expected = if ($type -eq 'System.Void') { 'None' } else { $type }
        if ($expected -notin $outputs) { $Problems.Add("${name}: its output type '$expected' ([OutputType]) is not documented in Outputs of $File.") }
    }
    $inputs = @($Source['Inputs'] | Where-Object { $_ -is [System.Collections.IDictionary] } | ForEach-Object { $_['Type'] })
    foreach ($parameter in $Command.Parameters | Where-Object { $_.Sets | Where-Object ByValue }) {
        $type = $parameter.TypeFullName -replace '\[\]$', ''
        if ($type -notin $inputs) { $Problems.Add("${name}: -$($parameter.Name) takes $type from the pipeline, but Inputs of $File does not document it.") }
    }

    $links = @($Source['RelatedLinks'] | Where-Object { $null -ne $_ })
    if ($links.Count -eq 0) { $Problems.Add("${name}: RelatedLinks is missing in $File.") }
}

# Paragraphs are separated by blank lines. Lines inside a paragraph are joined, except lines starting with
# '- ', '* ' or 'N. ' (lists) or with two spaces (preformatted), which keep their own line.
function Split-Paragraph([string] $Text) {
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    foreach ($block in ($Text.Trim() -replace "`r`n", "`n") -split "`n[ \t]*`n") {
        $lines = [System.Collections.Generic.List[string]]::new()
        foreach ($line in $block -split "`n") {
            $keep = $line -match '^\s*([-*]|\d+\.)\s' -or $line -match '^  ' -or $lines.Count -eq 0
            if ($keep) { $lines.Add($line.TrimEnd()) } else { $lines[$lines.Count - 1] += ' ' + $line.Trim() }
        }
        $paragraphs.Add(($lines -join "`n"))
    }
    $paragraphs
}

$Maml = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$Dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paragraphs([System.Xml.XmlWriter] $Writer, [string] $Element, [string] $Namespace, [string] $Text, [switch] $TrailingEmpty) {
    $Writer.WriteStartElement($Element, $Namespace)
    if (Test-Text $Text) { foreach ($p in Split-Paragraph $Text) { $Writer.WriteElementString('para', $Maml, $p) } }
    if ($TrailingEmpty -or -not (Test-Text $Text)) { $Writer.WriteElementString('para', $Maml, '') }
    $Writer.WriteEndElement()
}

function Get-PipelineInput($Sets) {
    $kinds = @()
    if ($Sets | Where-Object ByValue) { $kinds += 'ByValue' }
    if ($Sets | Where-Object ByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Get-ParameterDescription($Parameter, [string] $Text) {
    $extra = @()
    if ($Parameter.AcceptedValues) { $extra += "Accepted values: $($Parameter.AcceptedValues -join ', ')." }
    if ($Parameter.Range) { $extra += "Valid range: $($Parameter.Range)." }
    if ($extra) { $Text.TrimEnd() + "`n`n" + ($extra -join ' ') } else { $Text }
}

# One <command:parameter>. $Set: the parameter set (syntax) or $null (PARAMETERS section, all sets).
function Write-Parameter([System.Xml.XmlWriter] $Writer, $Parameter, $Sets, [string] $Description, [string] $Default, [switch] $InSyntax) {
    $positions = @($Sets | ForEach-Object { $_.Position } | Where-Object { $_ -ge 0 } | Select-Object -Unique)
    $required = @($Sets | Where-Object { -not $_.Mandatory }).Count -eq 0
    $Writer.WriteStartElement('command', 'parameter', $CommandNs)
    $Writer.WriteAttributeString('required', $required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', ($Parameter.Type -like '*[[]]').ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $Parameter.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', (Get-PipelineInput $Sets))
    $Writer.WriteAttributeString('position', $(if ($positions.Count -eq 1) { [string]$positions[0] } else { 'named' }))
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('name', $Maml, $Parameter.Name)
    Write-Paragraphs $Writer 'description' $Maml $Description
    if ($Parameter.AcceptedValues -and $InSyntax) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $CommandNs)
        foreach ($value in $Parameter.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    if (-not ($Parameter.IsSwitch -and $InSyntax)) {
        $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
        $Writer.WriteAttributeString('required', $(if ($Parameter.IsSwitch) { 'false' } else { 'true' }))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Parameter.Type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $Dev)
    $Writer.WriteElementString('name', $Maml, $Parameter.TypeFullName)
    $Writer.WriteElementString('uri', $Maml, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $Dev, $Default)
    $Writer.WriteEndElement()
}

# The order Get-Command -Syntax uses: positional by position, then mandatory named, then the rest as declared.
function Get-OrderedParameters($Parameters, [string] $SetName) {
    $inSet = @(foreach ($p in $Parameters) {
            $set = $p.Sets | Where-Object { $_.Name -eq $SetName -or $_.Name -eq '__AllParameterSets' } | Select-Object -First 1
            if ($set) { [pscustomobject]@{ Parameter = $p; Set = $set; Index = [array]::IndexOf($Parameters, $p) } }
        })
    $inSet | Sort-Object @{ Expression = { if ($_.Set.Position -ge 0) { 0 } elseif ($_.Set.Mandatory) { 1 } else { 2 } } },
    @{ Expression = { if ($_.Set.Position -ge 0) { $_.Set.Position } else { $_.Index } } }
}

function Get-ShouldProcessParameter([string] $Name, $Source) {
    $text = $ShouldProcessParameters[$Name].Description
    if ($Source['Parameters'] -is [System.Collections.IDictionary] -and $Source.Parameters[$Name] -is [System.Collections.IDictionary] -and (Test-Text $Source.Parameters[$Name]['Description'])) {
        $text = $Source.Parameters[$Name].Description
    }
    $parameter = [pscustomobject]@{
        Name = $Name; Type = 'SwitchParameter'; TypeFullName = 'System.Management.Automation.SwitchParameter'; IsSwitch = $true
        Aliases = @($ShouldProcessParameters[$Name].Alias); Globbing = $false; AcceptedValues = @(); Range = $null
    }
    $set = [pscustomobject]@{ Name = '__AllParameterSets'; Mandatory = $false; Position = -2147483648; ByValue = $false; ByPropertyName = $false }
    [pscustomobject]@{ Parameter = $parameter; Set = $set; Description = $text }
}

function Write-Command([System.Xml.XmlWriter] $Writer, $Command, [System.Collections.IDictionary] $Source) {
    $Writer.WriteStartElement('command', 'command', $CommandNs)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $Maml)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $CommandNs)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $Dev)

    $Writer.WriteStartElement('command', 'details', $CommandNs)
    $Writer.WriteElementString('command', 'name', $CommandNs, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $CommandNs, $Command.Verb)
    $Writer.WriteElementString('command', 'noun', $CommandNs, $Command.Noun)
    Write-Paragraphs $Writer 'description' $Maml $Source.Synopsis
    $Writer.WriteEndElement()
    Write-Paragraphs $Writer 'description' $Maml $Source.Description

    $shouldProcess = if ($Command.SupportsShouldProcess) { @($ShouldProcessParameters.Keys | ForEach-Object { Get-ShouldProcessParameter $_ $Source }) } else { @() }
    $textOf = { param($p) Get-ParameterDescription $p $Source.Parameters[$p.Name].Description }
    $defaultOf = {
        param($p)
        $entry = $Source.Parameters[$p.Name]
        if ($entry -is [System.Collections.IDictionary] -and (Test-Text $entry['DefaultValue'])) { $entry.DefaultValue }
        elseif ($p.CompiledDefault) { $p.CompiledDefault }
        elseif ($p.IsSwitch) { 'False' }
        else { 'None' }
    }

    $Writer.WriteStartElement('command', 'syntax', $CommandNs)
    $sets = @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })
    foreach ($set in $sets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $CommandNs)
        $Writer.WriteElementString('name', $Maml, $Command.Name)
        foreach ($item in Get-OrderedParameters $Command.Parameters $set.Name) {
            Write-Parameter $Writer $item.Parameter @($item.Set) (& $textOf $item.Parameter) (& $defaultOf $item.Parameter) -InSyntax
        }
        foreach ($item in $shouldProcess) { Write-Parameter $Writer $item.Parameter @($item.Set) $item.Description 'False' -InSyntax }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $CommandNs)
    # Positional parameters first (by position), then mandatory ones, then the rest as declared.
    $ordered = $Command.Parameters | Sort-Object @{ Expression = {
            $positions = @($_.Sets | ForEach-Object Position | Where-Object { $_ -ge 0 })
            if ($positions.Count -gt 0) { 0 } elseif ($_.Sets | Where-Object Mandatory) { 1 } else { 2 }
        }
    }, @{ Expression = { $p = @($_.Sets | ForEach-Object Position | Where-Object { $_ -ge 0 }); if ($p.Count -gt 0) { ($p | Measure-Object -Minimum).Minimum } else { 0 } } },
    @{ Expression = { [array]::IndexOf($Command.Parameters, $_) } }
    foreach ($parameter in $ordered) {
        Write-Parameter $Writer $parameter @($parameter.Sets) (& $textOf $parameter) (& $defaultOf $parameter)
    }
    foreach ($item in $shouldProcess) { Write-Parameter $Writer $item.Parameter @($item.Set) $item.Description 'False' }
    $Writer.WriteEndElement()

    foreach ($section in @(@('inputTypes', 'inputType', 'Inputs'), @('returnValues', 'returnValue', 'Outputs'))) {
        $Writer.WriteStartElement('command', $section[0], $CommandNs)
        foreach ($item in $Source[$section[2]]) {
            $Writer.WriteStartElement('command', $section[1], $CommandNs)
            $Writer.WriteStartElement('dev', 'type', $Dev)
            $Writer.WriteElementString('name', $Maml, $item.Type)
            $Writer.WriteEndElement()
            Write-Paragraphs $Writer 'description' $Maml $item.Description
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('alertSet', $Maml)
    $Writer.WriteStartElement('alert', $Maml)
    foreach ($p in Split-Paragraph $Source.Notes) { $Writer.WriteElementString('para', $Maml, $p) }
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $CommandNs)
    $n = 0
    foreach ($example in $Source.Examples) {
        $n++
        $Writer.WriteStartElement('command', 'example', $CommandNs)
        $Writer.WriteElementString('title', $Maml, "---------- Example ${n}: $($example.Title.Trim()) ----------")
        $Writer.WriteElementString('dev', 'code', $Dev, ($example.Code.Trim() -replace "`r`n", "`n"))
        # A trailing empty paragraph separates the example from the next one's title.
        Write-Paragraphs $Writer 'remarks' $Dev $example.Remarks -TrailingEmpty
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $CommandNs)
    foreach ($link in $Source.RelatedLinks) {
        $text, $uri = if ($link -is [System.Collections.IDictionary]) { $link.Text, $link.Uri } else { $link, '' }
        $Writer.WriteStartElement('navigationLink', $Maml)
        $Writer.WriteElementString('linkText', $Maml, $text)
        $Writer.WriteElementString('uri', $Maml, $uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

$commands = @(Get-CompiledMetadata)
if ($commands.Count -eq 0) { throw "The module at '$ModulePath' exports no cmdlets; nothing to document." }

# Parameters declared once in a shared base class (the -S3* set) are documented once, in shared/Parameters.psd1.
$sharedFile = Join-Path $SourcePath 'shared/Parameters.psd1'
$sharedParameters = if (Test-Path -LiteralPath $sharedFile) { Import-PowerShellDataFile -LiteralPath $sharedFile -SkipLimitCheck } else { @{} }

$sources = @{}
foreach ($command in $commands) {
    $file = Join-Path $SourcePath "$($command.Name).psd1"
    if (-not (Test-Path -LiteralPath $file)) { $Problems.Add("$($command.Name): no help source; create $file."); continue }
    try { $source = Import-PowerShellDataFile -LiteralPath $file -SkipLimitCheck }
    catch { $Problems.Add("$($command.Name): $file cannot be read: $($_.Exception.Message)"); continue }
    # A parameter's entry may be just its description text.
    if ($source['Parameters'] -is [System.Collections.IDictionary]) {
        foreach ($key in @($source.Parameters.Keys)) {
            if ($source.Parameters[$key] -is [string]) { $source.Parameters[$key] = @{ Description = $source.Parameters[$key] } }
        }
    }
    if ($source['Parameters'] -isnot [System.Collections.IDictionary]) { $source['Parameters'] = @{} }
    foreach ($parameter in $command.Parameters) {
        if (-not $source.Parameters.Contains($parameter.Name) -and $sharedParameters.Contains($parameter.Name)) {
            $source.Parameters[$parameter.Name] = @{ Description = $sharedParameters[$parameter.Name] }
        }
    }
    Test-HelpSource $command $source $file
    $sources[$command.Name] = $source
}
foreach ($file in Get-ChildItem -LiteralPath $SourcePath -Filter *.psd1) {
    if ($file.BaseName -notin $commands.Name) { $Problems.Add("$($file.FullName) documents '$($file.BaseName)', which the module does not export.") }
}
if ($Problems.Count -gt 0) {
    $list = "  - $($Problems -join "`n  - ")"
    Write-Host "Cmdlet help problems:`n$list" -ForegroundColor Red
    throw "The cmdlet help in '$SourcePath' is incomplete: $($Problems.Count) problem(s), listed above. Fix the help sources (module/help/<Cmdlet>.psd1)."
}

New-Item -ItemType Directory -Force -Path (Split-Path -Parent $OutputPath) | Out-Null
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false); NewLineChars = "`n" }
$writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($command in $commands) { Write-Command $writer $command $sources[$command.Name] }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
} finally {
    $writer.Dispose()
}
Write-Host "Help: $OutputPath ($($commands.Count) cmdlets)"
