# Dot-sourced by every *.Tests.ps1: the built module from this clone, and the helpers of tests/TestKit.psm1.
$ErrorActionPreference = 'Stop'
$script:RepoRoot = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $script:RepoRoot 'SocketProbe.psd1') -Force
Import-Module (Join-Path $PSScriptRoot 'TestKit.psm1') -Force

$script:IsLinuxHost = $IsLinux
$script:NotLinux = if ($IsLinux) { $null } else { 'the Linux expectations are observed on Linux only' }
$script:LabUnavailable = if ($IsLinux) { [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable() } else { 'the namespace lab is Linux only' }
