# Runs INSIDE a throw-away network namespace with no capability at all (tests/Test-TcpEndpoint.Tests.ps1:
#   unshare --map-root-user --net --fork setpriv --bounding-set -all ... pwsh -File Probe-NoPrivilege.ps1 <repo> <out.json>)
# Calls the kernel refuses before anything is sent: binding a port below 1024 without
# CAP_NET_BIND_SERVICE (EACCES), and a link-local IPv6 address without its scope id (EINVAL).
# The namespace's loopback stays down: no segment can go anywhere.
param([string] $RepoRoot, [string] $OutFile)
$ErrorActionPreference = 'Stop'
$hostNet = [IO.FileInfo]::new('/proc/1/ns/net').LinkTarget
if ([IO.FileInfo]::new('/proc/self/ns/net').LinkTarget -eq $hostNet) { throw 'not inside a network namespace of our own: refusing to touch the network' }
Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
$pick = { param($r) $r | Select-Object Outcome, Reason, ErrnoName, Errno, Message }
$sum = { param($s) $s | Select-Object Sent, Error, LocalError, LossPercent, LongestOutage, OutageStart }
$out = [ordered]@{}
$out.CapEff = ((Get-Content /proc/self/status) -match '^CapEff:') -replace '^CapEff:\s*'
$out.SourcePort = @(& $pick (Test-TcpEndpoint -ComputerName 127.0.0.1 -Port 9 -SourcePort 80 -TimeoutMs 300 -WarningAction SilentlyContinue))
$out.SourcePortSummary = & $sum (Test-TcpEndpoint -ComputerName 127.0.0.1 -Port 9 -SourcePort 80 -TimeoutMs 300 -Count 3 -IntervalMs 0 -Summary -WarningAction SilentlyContinue)
$out.NoScope = @(& $pick (Test-TcpEndpoint -ComputerName fe80::1 -Port 9 -TimeoutMs 300 -WarningAction SilentlyContinue))
$out.NoScopeSummary = & $sum (Test-TcpEndpoint -ComputerName fe80::1 -Port 9 -TimeoutMs 300 -Count 3 -IntervalMs 0 -Summary -WarningAction SilentlyContinue)
$out | ConvertTo-Json -Depth 4 -EnumsAsStrings | Set-Content -Path $OutFile
