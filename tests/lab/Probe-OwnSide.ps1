# Runs INSIDE a throw-away network namespace made by tests/Test-TcpEndpoint.Tests.ps1:
#   unshare --map-root-user --net --fork pwsh -File Probe-OwnSide.ps1 <repo> <out.json>
# Conditions of our own side that only a namespace of our own may set (its sysctls are its own):
# a one-port ephemeral range (TCP self-connect, then exhaustion) and IPv6 switched off. Every
# probe goes to this namespace's own loopback.
param([string] $RepoRoot, [string] $OutFile)
$ErrorActionPreference = 'Stop'

function Set-Sysctl([string] $Name, [string] $Value) {
    sysctl -q -w "$Name=$Value"
    if ($LASTEXITCODE) { throw "sysctl $Name=$Value failed" }
}

ip link set lo up
if ($LASTEXITCODE) { throw 'ip link set lo up failed' }
Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
$out = [ordered]@{}
$pick = { param($r) $r | Select-Object Target, Address, AddressFamily, Port, Outcome, Reason, ErrnoName, Errno, LocalPort, Message }

# 1. One ephemeral port P: a connect to 127.0.0.1:P can only get P as its source port, and the
#    kernel connects the socket to itself (simultaneous open). Nothing listens on P.
$P = 40000
Set-Sysctl net.ipv4.ip_local_port_range "$P $P"
$out.SelfConnect = @(& $pick (Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $P -Count 3 -IntervalMs 0 -TimeoutMs 300 -WarningAction SilentlyContinue))
$out.SelfConnectQuiet = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $P -TimeoutMs 300 -Quiet -WarningAction SilentlyContinue

# 2. The one ephemeral port held by a live connection to a listener: a second connect to that
#    listener has no source port left (EADDRNOTAVAIL). The listener is healthy all along.
$listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 5000)
$listener.Start()
$holder = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
$holder.Connect([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 5000))
$out.Exhausted = @(& $pick (Test-TcpEndpoint -ComputerName 127.0.0.1 -Port 5000 -TimeoutMs 300 -WarningVariable warned -WarningAction SilentlyContinue))
$out.ExhaustedWarning = "$warned"
$out.ExhaustedSummary = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port 5000 -Count 2 -IntervalMs 0 -TimeoutMs 300 -Summary -WarningAction SilentlyContinue |
    Select-Object Sent, Open, Error, LocalError, LossPercent, LongestOutage
$holder.Dispose()
$listener.Stop()
Set-Sysctl net.ipv4.ip_local_port_range '32768 60999'

# 3. IPv6 switched off in this namespace: ::1 is gone from lo, and localhost must not invent it.
$v4 = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 5001)
$v4.Start()
Set-Sysctl net.ipv6.conf.all.disable_ipv6 1
Set-Sysctl net.ipv6.conf.lo.disable_ipv6 1
$out.IPv6Configured = [bool](Get-Content /proc/net/if_inet6 -ErrorAction Ignore)
$out.NoIPv6 = @(& $pick (Test-TcpEndpoint -ComputerName localhost -Port 5001 -TimeoutMs 300))
$out.NoIPv6Summary = Test-TcpEndpoint -ComputerName localhost -Port 5001 -TimeoutMs 300 -Summary | Select-Object Sent, Open, LossPercent
$v4.Stop()

$out | ConvertTo-Json -Depth 4 -EnumsAsStrings | Set-Content -Path $OutFile
