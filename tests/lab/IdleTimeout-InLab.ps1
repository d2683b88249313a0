# Runs INSIDE a throw-away network namespace made by tests/Find-TcpIdleTimeout.Tests.ps1:
#   unshare --map-root-user --net --fork --kill-child=SIGKILL dotnet pwsh -File IdleTimeout-InLab.ps1 <repo> <out.json> <mode>
# A stateful middlebox that forgets idle flows, between a client and a server that both live on
# this namespace's own loopback: conntrack's established timeout is 3 s here (per namespace), loose
# pickup is off, so a segment of a forgotten flow is INVALID, and an nft rule on the path answers it
# with a forged RST (mode Reset) or drops it (mode Drop). Mode Stop runs Find-TcpIdleTimeout behind
# the Drop box and stops it midway, as Ctrl+C does. The server is made "several hops away": nft
# lowers the TTL of its own segments (ct state established) to 60, while the forged RST (of no
# flow conntrack still knows) keeps the namespace's 64; mode Reset runs with -Capture, which must
# call that RST Path. Nothing here can reach the host's network.
param([string] $RepoRoot, [string] $OutFile, [ValidateSet('Reset', 'Drop', 'Stop')][string] $Mode)
$ErrorActionPreference = 'Stop'

# The lab proves where it is before it changes anything.
$hostNet = [IO.FileInfo]::new('/proc/1/ns/net').LinkTarget
if ([IO.FileInfo]::new('/proc/self/ns/net').LinkTarget -eq $hostNet) { throw 'not inside a network namespace of our own: refusing to touch the network' }

ip link set lo up
if ($LASTEXITCODE) { throw 'ip link set lo up failed' }
# Per-namespace sysctls, written as sysctl(8) does (one write, no truncation dance).
[IO.File]::WriteAllText('/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established', '3')
[IO.File]::WriteAllText('/proc/sys/net/netfilter/nf_conntrack_tcp_loose', '0')

Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
. (Join-Path $RepoRoot 'tests/TestServers.ps1')

function Get-SocketCount { @(Get-ChildItem "/proc/$PID/fd" -ErrorAction Ignore | Where-Object { $_.LinkTarget -like 'socket:*' }).Count }

# The server holds every connection and never speaks: only the middlebox can end one.
$server = New-TestServer -Behavior Silent
$port = [int]$server.Port
$verdict = if ($Mode -eq 'Reset') { 'reject with tcp reset' } else { 'drop' }
# Only the client's segments towards the server: the forged RST itself must pass.
@"
table inet socketprobe_lab_idle {
  chain output {
    type filter hook output priority 0; policy accept;
    tcp dport $port ct state invalid $verdict
    ip saddr 127.0.0.1 tcp sport $port ct state established ip ttl set 60
  }
}
"@ | nft -f -
if ($LASTEXITCODE) { throw 'nft failed' }
$rulesBefore = (nft list ruleset) -join "`n"

$out = [ordered]@{ Mode = $Mode; Port = $port; Timeout = (Get-Content /proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established) }
try {
    if ($Mode -eq 'Stop') {
        $socketsBefore = Get-SocketCount
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$((Join-Path $RepoRoot 'SocketProbe.psd1').Replace("'", "''"))'; Find-TcpIdleTimeout -ComputerName 127.0.0.1 -Port $port -MaxSeconds 10")
            $handle = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 2500
            $out.SocketsDuring = Get-SocketCount
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $out.StopMs = $clock.ElapsedMilliseconds
            $out.State = "$($ps.InvocationStateInfo.State)"
            $out.Errors = @($ps.Streams.Error | Where-Object { $_.Exception -isnot [Management.Automation.PipelineStoppedException] } | ForEach-Object { "$_" })
        }
        finally { $ps.Dispose() }
        # The server (in this process too) still holds the connections it accepted; the rest must be gone.
        $out.SocketsBefore = $socketsBefore
        $out.SocketsAfter = Get-SocketCount
    }
    else {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $rows = @(Find-TcpIdleTimeout -ComputerName 127.0.0.1 -Port $port -MaxSeconds 10 -ResolutionSeconds 1 -Detailed -Capture:($Mode -eq 'Reset'))
        $out.WallSeconds = $clock.Elapsed.TotalSeconds
        $out.Answer = $rows | Where-Object { $_ -is [SocketProbe.Engine.Watch.IdleTimeoutResult] } |
            Select-Object Kind, LongestAliveSeconds, ShortestDeadSeconds, ObservedSeconds, Tried, MostOpen, ElapsedSeconds, RecommendedIdleSeconds, Recommendation, Message, SynAckTtl, ResetTtl, ResetFrom
        $out.Rows = @($rows | Where-Object { $_ -is [SocketProbe.Engine.Watch.IdleConnectionResult] } |
                Select-Object IdleSeconds, Verdict, EndedAfterMs, Operation, ErrnoName, TcpState, Probes, LocalPort, SynAckTtl, ResetTtl, ResetFrom)
        # The same box, watched: one connection with keepalive after 5 s idle (past the 3 s timeout).
        $out.Watch = Watch-TcpConnection -ComputerName 127.0.0.1 -Port $port -HoldSeconds 20 -KeepAliveIdleSeconds 5 -KeepAliveIntervalSeconds 1 -KeepAliveCount 2 |
            Select-Object Fate, AfterMs, IdleMs, Operation, SocketError, Errno, ErrnoName, TcpState, Probes
    }
    $out.RulesUnchanged = ((nft list ruleset) -join "`n") -eq $rulesBefore
    $out.Accepted = $server.Accepted
    $out.ServerHeld = $server.Held
}
finally {
    $server.Dispose()
}
[pscustomobject]$out | ConvertTo-Json -Depth 4 -EnumsAsStrings | Set-Content -Path $OutFile
