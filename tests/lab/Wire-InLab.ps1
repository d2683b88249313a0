# Runs INSIDE a throw-away network namespace made by tests/Capture.Tests.ps1:
#   unshare --map-root-user --net dotnet pwsh -File Wire-InLab.ps1 <repo> <out.json>
# A peer host "several hops away" (nft lowers the TTL of its packets to 60) and, in the same
# namespace, a firewall that answers one port in the peer's name with its own RST (TTL 64). The
# probe's -Capture must call the peer's own RST Peer and the firewall's Path. Nothing here can reach
# the host's network: the namespace has only its own loopback.
param([string] $RepoRoot, [string] $OutFile)
$ErrorActionPreference = 'Stop'

ip link set lo up
if ($LASTEXITCODE) { throw 'ip link set lo up failed' }
$peer = [Net.IPAddress]::Parse('127.13.0.2')
$listener = [Net.Sockets.TcpListener]::new($peer, 0)
$listener.Start()
$open = $listener.LocalEndpoint.Port
$closed = foreach ($i in 1, 2) { $l = [Net.Sockets.TcpListener]::new($peer, 0); $l.Start(); $l.LocalEndpoint.Port; $l.Stop() }
# ct state related: the firewall's RST is attached to the flow it answers (nf_reject), so the
# peer's TTL rule leaves it at the namespace default of 64.
@"
table inet socketprobe_wire_ttl {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 127.13.0.2 tcp dport $($closed[1]) reject with tcp reset
  }
  chain output {
    type filter hook output priority 0; policy accept;
    ip saddr 127.13.0.2 ct state != related ip ttl set 60
  }
}
"@ | nft -f -
if ($LASTEXITCODE) { throw 'nft failed' }

try {
    Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
    # One at a time, two rounds: round 2's refused ports have round 1's SYN-ACK to compare with.
    Test-TcpRefused -ComputerName 127.13.0.2 -Port $open, $closed[0], $closed[1] -Count 2 -IntervalMs 0 -ThrottleLimit 1 -TimeoutMs 2000 -Capture |
        Select-Object Port, Sequence, Outcome, SynAckTtl, ResetTtl, ResetFrom |
        ForEach-Object { $_ | Add-Member -PassThru Role $(if ($_.Port -eq $open) { 'Open' } elseif ($_.Port -eq $closed[0]) { 'PeerReset' } else { 'FirewallReset' }) } |
        ConvertTo-Json -EnumsAsStrings | Set-Content -Path $OutFile
}
finally {
    $listener.Stop()
}
