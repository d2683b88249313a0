# Runs INSIDE a throw-away network namespace made by tests/Capture.Tests.ps1:
#   unshare --map-root-user --net --fork --kill-child=SIGKILL dotnet pwsh -File Wire-InLab.ps1 <repo> <out.json>
# A peer host one real routed hop away (tests/lab/RoutedHop.ps1: the router's forwarding lowers the
# TTL of everything the peer host sends to 63) and, on that router, a firewall that answers one port
# in the peer's name with its own RST (TTL 64: made on the router, forwarded by nobody). The probe's
# -Capture must call the peer's own RST Peer and the firewall's Path. Nothing here can reach the
# host's network: these namespaces have only their own links.
param([string] $RepoRoot, [string] $OutFile)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'RoutedHop.ps1')

$hop = New-RoutedHop
$server = $null
try {
    $server = Start-HoldServer $hop
    $open = $server.Port
    # Nothing but the hold server listens on the peer host: any other port there is closed.
    $closed = if ($open -lt 65000) { @(($open + 1), ($open + 2)) } else { @(($open - 1), ($open - 2)) }
    Invoke-HopTool nft @('-f', '-') -InNamespaceOf $hop.Router.Id -InputText @"
table inet socketprobe_wire_firewall {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip daddr $($hop.ServerAddress) tcp dport $($closed[1]) reject with tcp reset
  }
}
"@
    Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
    # One at a time, two rounds: round 2's refused ports have round 1's SYN-ACK to compare with.
    Test-TcpEndpoint -ComputerName $hop.ServerAddress -Port $open, $closed[0], $closed[1] -Count 2 -IntervalMs 0 -ThrottleLimit 1 -TimeoutMs 2000 -Capture |
        Select-Object Port, Sequence, Outcome, SynAckTtl, ResetTtl, ResetFrom |
        ForEach-Object { $_ | Add-Member -PassThru Role $(if ($_.Port -eq $open) { 'Open' } elseif ($_.Port -eq $closed[0]) { 'PeerReset' } else { 'FirewallReset' }) } |
        ConvertTo-Json -EnumsAsStrings | Set-Content -Path $OutFile
}
finally {
    Stop-HoldServer $server
    Remove-RoutedHop $hop
}
