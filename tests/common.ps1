# Shared by every *.Tests.ps1: load the built module from this clone, and small helpers.
$ErrorActionPreference = 'Stop'
$script:RepoRoot = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $script:RepoRoot 'SocketProbe.psd1') -Force

$script:IsLinuxHost = $IsLinux
$script:NotLinux = if ($IsLinux) { $null } else { 'the Linux expectations are observed on Linux only' }

function Get-PeerProcessCount {
    # Peer processes (SocketProbe.Peer) still alive: a scenario that leaves one behind is a defect.
    @(Get-Process -ErrorAction Ignore | Where-Object {
            try { $_.CommandLine -match 'SocketProbe\.Peer' } catch { $false }
        }).Count
}

function New-LoopbackListener {
    # A listener of the test's own on an ephemeral loopback port; the caller disposes it.
    param([ValidateSet('IPv4', 'IPv6')][string] $Family = 'IPv4')
    $address = if ($Family -eq 'IPv6') { [Net.IPAddress]::IPv6Loopback } else { [Net.IPAddress]::Loopback }
    $listener = [Net.Sockets.TcpListener]::new($address, 0)
    $listener.Start(512)
    $listener
}

function Get-ClosedLoopbackPort {
    param([ValidateSet('IPv4', 'IPv6')][string] $Family = 'IPv4')
    $l = New-LoopbackListener -Family $Family
    try { $l.LocalEndpoint.Port } finally { $l.Stop() }
}

function Get-OwnPeerProcessCount {
    # Peer and lab processes started by THIS PowerShell (a peer gets --parent <pid>; a lab is
    # unshare's child, unshare ours): unlike Get-PeerProcessCount, not fooled by other test runs on the machine.
    @(Get-Process -ErrorAction Ignore | Where-Object {
            try {
                if ($_.CommandLine -notmatch 'SocketProbe\.Peer') { return $false }
                if ($_.CommandLine -match "--parent $PID\b") { return $true }
                $p = $_.Parent
                for ($i = 0; $p -and $i -lt 8; $i++) { if ($p.Id -eq $PID) { return $true }; $p = $p.Parent }
                $false
            }
            catch { $false }
        }).Count
}
