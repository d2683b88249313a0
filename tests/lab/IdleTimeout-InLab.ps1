# Runs INSIDE a throw-away network namespace made by tests/Find-TcpIdleTimeout.Tests.ps1 (Start-LabScript):
#   unshare --map-root-user --net --fork --kill-child=SIGKILL dotnet pwsh -File IdleTimeout-InLab.ps1 <repo> <out.json> <mode>
# A stateful middlebox that forgets idle flows, on a real router between the client (this namespace)
# and a silent server one hop away (tests/lab/RoutedHop.ps1): conntrack's established timeout is 3 s
# in the router's namespace, loose pickup is off, so a forwarded segment of a forgotten flow is
# INVALID, and an nft rule in the router's forward chain answers it with a forged RST (mode Reset)
# or drops it (mode Drop). Mode Stop runs Find-TcpIdleTimeout behind the Drop box and stops it
# midway, as Ctrl+C does. The server's segments reach the client with TTL 63 (the router forwarded
# them); the router's own RST keeps 64: mode Reset runs with -Capture, which must call that RST
# Path. Nothing here can reach the host's network.
param([string] $RepoRoot, [string] $OutFile, [ValidateSet('Reset', 'Drop', 'Stop')][string] $Mode)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'RoutedHop.ps1')

Import-Module (Join-Path (Split-Path -Parent $PSScriptRoot) 'TestKit.psm1')   # Get-SocketCount

$hop = New-RoutedHop   # proves it is in a namespace of its own before it changes anything
$server = $null
try {
    # Per-namespace conntrack sysctls of the router: the middlebox forgets a flow idle for 3 s.
    Set-RouterSysctl $hop 'net.netfilter.nf_conntrack_tcp_timeout_established' '3'
    Set-RouterSysctl $hop 'net.netfilter.nf_conntrack_tcp_loose' '0'
    # The server holds every connection and never speaks: only the middlebox can end one.
    $server = Start-HoldServer $hop
    $port = $server.Port
    $target = $hop.ServerAddress
    $verdict = if ($Mode -eq 'Reset') { 'reject with tcp reset' } else { 'drop' }
    # Only the client's segments towards the server: the forged RST itself must pass.
    Invoke-HopTool nft @('-f', '-') -InNamespaceOf $hop.Router.Id -InputText @"
table inet socketprobe_lab_idle {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip daddr $target tcp dport $port ct state invalid $verdict
  }
}
"@
    $rulesBefore = (Invoke-HopTool nft @('list', 'ruleset') -InNamespaceOf $hop.Router.Id) -join "`n"

    Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
    $out = [ordered]@{ Mode = $Mode; Port = $port; Timeout = (Get-RouterSysctl $hop 'net.netfilter.nf_conntrack_tcp_timeout_established') }
    if ($Mode -eq 'Stop') {
        $socketsBefore = Get-SocketCount
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$((Join-Path $RepoRoot 'SocketProbe.psd1').Replace("'", "''"))'; Find-TcpIdleTimeout -ComputerName $target -Port $port -MaxSeconds 10")
            $null = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 2500
            $out.SocketsDuring = Get-SocketCount
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $out.StopMs = $clock.ElapsedMilliseconds
            $out.State = "$($ps.InvocationStateInfo.State)"
            $out.Errors = @($ps.Streams.Error | Where-Object { $_.Exception -isnot [Management.Automation.PipelineStoppedException] } | ForEach-Object { "$_" })
        }
        finally { $ps.Dispose() }
        # The server lives in its own process: every socket of this one must be gone.
        $out.SocketsBefore = $socketsBefore
        $out.SocketsAfter = Get-SocketCount
    }
    else {
        $rows = @(Find-TcpIdleTimeout -ComputerName $target -Port $port -MaxSeconds 10 -ResolutionSeconds 1 -Detailed -Capture:($Mode -eq 'Reset'))
        $out.Answer = $rows | Where-Object { $_ -is [SocketProbe.Engine.Watch.IdleTimeoutResult] } |
            Select-Object Kind, LongestAliveSeconds, ShortestDeadSeconds, ObservedSeconds, Tried, MostOpen, ElapsedSeconds, RecommendedIdleSeconds, Recommendation, Message, SynAckTtl, ResetTtl, ResetFrom
        $out.Rows = @($rows | Where-Object { $_ -is [SocketProbe.Engine.Watch.IdleConnectionResult] } |
                Select-Object IdleSeconds, Verdict, EndedAfterMs, Operation, ErrnoName, TcpState, Probes, LocalPort, SynAckTtl, ResetTtl, ResetFrom)
        # The same box, watched: one connection with keepalive after 5 s idle (past the 3 s timeout).
        $out.Watch = Watch-TcpConnection -ComputerName $target -Port $port -HoldSeconds 20 -KeepAliveIdleSeconds 5 -KeepAliveIntervalSeconds 1 -KeepAliveCount 2 |
            Select-Object Fate, AfterMs, IdleMs, Operation, SocketError, Errno, ErrnoName, TcpState, Probes
    }
    $out.RulesUnchanged = ((Invoke-HopTool nft @('list', 'ruleset') -InNamespaceOf $hop.Router.Id) -join "`n") -eq $rulesBefore
}
finally {
    Stop-HoldServer $server
    Remove-RoutedHop $hop
}
[pscustomobject]$out | ConvertTo-Json -Depth 4 -EnumsAsStrings | Set-Content -Path $OutFile
