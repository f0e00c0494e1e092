<#
.SYNOPSIS
    Packs a built BackupPS module folder into a PSResourceGet-compatible .nupkg (BackupPS.<version>.nupkg).
.DESCRIPTION
    Publish-PSResource writes the package into a local folder repository; the repository is registered under a unique
    name for the call only and unregistered afterwards, so nothing is left in the user's PSResourceGet settings.
    Install it with: Register-PSResourceRepository -Name Local -Uri <OutputPath> -Trusted; Install-PSResource BackupPS -Repository Local
.EXAMPLE
    dotnet pwsh -NoProfile -File build/New-ModulePackage.ps1 -ModulePath out/BackupPS -OutputPath out/package
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath
$version = (Import-PowerShellDataFile (Join-Path $ModulePath 'BackupPS.psd1')).ModuleVersion
Remove-Item -LiteralPath (Join-Path $OutputPath "BackupPS.$version.nupkg") -Force -ErrorAction Ignore
$repository = "BackupPSPackage$([guid]::NewGuid().ToString('N').Substring(0, 8))"
Register-PSResourceRepository -Name $repository -Uri $OutputPath -Trusted
try { Publish-PSResource -Path $ModulePath -Repository $repository }
finally { Unregister-PSResourceRepository -Name $repository }
$package = Join-Path $OutputPath "BackupPS.$version.nupkg"
if (-not (Test-Path -LiteralPath $package)) { throw "Publish-PSResource reported success but wrote no $package." }
$package
