# Shared by every *.Tests.ps1: load the built module from this clone, and small helpers.
$ErrorActionPreference = 'Stop'
$script:RepoRoot = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $script:RepoRoot 'SocketProbe.psd1') -Force

$script:IsLinuxHost = $IsLinux
$script:NotLinux = if ($IsLinux) { $null } else { 'the Linux expectations are observed on Linux only' }

function Get-PeerProcessCount {
    # Peer and lab processes (SocketProbe.Peer, unshare) this test process started and that still
    # live: a scenario that leaves one behind is a defect. Only our own descendants count, so other
    # runs on the same machine do not disturb the check.
    @(Get-OwnDescendant | Where-Object { $_.CommandLine -match 'SocketProbe\.Peer|^unshare' }).Count
}

function Get-OwnDescendant {
    # Every live process below this one, from /proc (pid, parent, command line).
    $all = foreach ($dir in Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -Match '^\d+$') {
        try {
            $stat = Get-Content -Raw "/proc/$($dir.Name)/stat" -ErrorAction Stop
            $ppid = [int]($stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1])
            $cmd = (Get-Content -Raw "/proc/$($dir.Name)/cmdline" -ErrorAction Stop) -replace "`0", ' '
            [pscustomobject]@{ Id = [int]$dir.Name; ParentId = $ppid; CommandLine = $cmd.Trim() }
        } catch { }
    }
    $children = $all | Group-Object ParentId -AsHashTable
    $queue = [Collections.Generic.Queue[int]]::new(); $queue.Enqueue($PID)
    while ($queue.Count -gt 0) {
        $parent = $queue.Dequeue()
        if ($children -and $children.ContainsKey($parent)) {
            foreach ($child in $children[$parent]) { $child; $queue.Enqueue($child.Id) }
        }
    }
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

function Get-NetNamespaceIds {
    # Network namespaces held by processes below this one other than our own: the lab's die with
    # their last process, so after a run there must be none.
    $own = (Get-Item "/proc/$PID/ns/net").LinkTarget
    @(Get-OwnDescendant | ForEach-Object {
            try { (Get-Item "/proc/$($_.Id)/ns/net" -ErrorAction Stop).LinkTarget } catch { }
        } | Where-Object { $_ -ne $own } | Sort-Object -Unique)
}

function Get-HostNftTables {
    # nft tables in the host's own namespace: the lab must never add one here.
    if (-not (Get-Command nft -ErrorAction Ignore)) { return @() }
    @(nft list tables 2>$null | Where-Object { $_ -match 'socketprobe' })
}

function Wait-LabGone {
    # The lab's namespace goes when its last process has been reaped; give the kernel a bounded moment.
    param([string[]] $Before, [int] $TimeoutMs = 3000)
    $deadline = [DateTime]::UtcNow.AddMilliseconds($TimeoutMs)
    do {
        $extra = @(Get-NetNamespaceIds | Where-Object { $_ -notin $Before })
        if ($extra.Count -eq 0) { return @() }
        Start-Sleep -Milliseconds 20
    } while ([DateTime]::UtcNow -lt $deadline)
    $extra
}

$script:LabUnavailable = if ($IsLinux) { [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable() } else { 'the namespace lab is Linux only' }
