# Runs INSIDE a throw-away network namespace (tests/common.ps1 Invoke-ChildScript -Namespace):
#   unshare --map-root-user --net --fork pwsh -File Watch-OwnSide.ps1 <repo> <out.json> <Watch|Find>
# Conditions of our own side that only a namespace or a process of our own may set, met by the two
# cmdlets that hold connections: a one-port ephemeral range (TCP self-connect: nothing listens, yet
# the connect succeeds, to itself) and a file-descriptor limit of this process that never clears
# (EMFILE, which .NET reports as ENFILE). Every connection goes to this namespace's own loopback.
param([string] $RepoRoot, [string] $OutFile, [ValidateSet('Watch', 'Find')][string] $Cmdlet)
$ErrorActionPreference = 'Stop'

$hostNet = [IO.FileInfo]::new('/proc/1/ns/net').LinkTarget
if ([IO.FileInfo]::new('/proc/self/ns/net').LinkTarget -eq $hostNet) { throw 'not inside a network namespace of our own: refusing to touch the network' }
ip link set lo up
if ($LASTEXITCODE) { throw 'ip link set lo up failed' }
Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
$out = [ordered]@{}
$run = if ($Cmdlet -eq 'Watch') {
    { param($Port) Watch-TcpConnection -ComputerName 127.0.0.1 -Port $Port -HoldSeconds 1 -Send hello -TimeoutMs 300 |
        Select-Object Fate, Operation, LocalPort, BytesReceived, ErrnoName, Errno, Message }
} else {
    { param($Port) Find-TcpIdleTimeout -ComputerName 127.0.0.1 -Port $Port -MaxSeconds 1 -TimeoutMs 300 -Detailed |
        Select-Object Kind, Verdict, LongestAliveSeconds, ErrnoName, Errno, Message, Recommendation }
}

# 1. One ephemeral port P: a connect to 127.0.0.1:P can only get P as its source port, and the
#    kernel connects the socket to itself (simultaneous open). Nothing listens on P.
$P = 40000
[IO.File]::WriteAllText('/proc/sys/net/ipv4/ip_local_port_range', "$P $P")
$out.SelfConnect = @(& $run $P)
[IO.File]::WriteAllText('/proc/sys/net/ipv4/ip_local_port_range', '32768 60999')

# 2. Every descriptor this process may open is in use (soft limit lowered on its own pid, sockets
#    of our own hold the rest): socket(2) fails EMFILE the whole bound. The listener is healthy.
$listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 5000)
$listener.Start()
$null = & $run 5000   # load and warm everything first
$hard = (-split (Get-Content "/proc/$PID/limits" | Where-Object { $_ -like 'Max open files*' }))[4]
prlimit --pid $PID --nofile=$(@(Get-ChildItem "/proc/$PID/fd").Count + 30):
if ($LASTEXITCODE) { throw 'prlimit failed' }
$hogs = [Collections.Generic.List[Net.Sockets.Socket]]::new()
try { while ($hogs.Count -lt 1000) { $hogs.Add([Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')) } } catch { }
try { $out.Emfile = @(& $run 5000) }
finally { $hogs | ForEach-Object Dispose; prlimit --pid $PID --nofile=${hard}: }
$out.Hogs = $hogs.Count
$listener.Stop()

$out | ConvertTo-Json -Depth 4 -EnumsAsStrings | Set-Content -Path $OutFile
