# Runs INSIDE a throw-away network + mount namespace made by tests/Lab.Tests.ps1:
#   unshare --map-root-user --net --mount dotnet pwsh -File Probe-InLab.ps1 <repo> <out.json>
# It gives the lab's targets their faults, then probes them with Test-TcpEndpoint. Nothing here can
# reach the host's network: the namespace has only its own loopback, and /etc/resolv.conf is
# replaced (in this mount namespace only) by one that points at the lab's own 127.0.0.1.
param([string] $RepoRoot, [string] $OutFile)
$ErrorActionPreference = 'Stop'

ip link set lo up
if ($LASTEXITCODE) { throw 'ip link set lo up failed' }
$resolv = Join-Path ([IO.Path]::GetTempPath()) "socketprobe-lab-resolv-$PID.conf"
Set-Content -Path $resolv -Value 'nameserver 127.0.0.1'
mount --bind $resolv /etc/resolv.conf
if ($LASTEXITCODE) { throw 'mount --bind of resolv.conf failed' }
Set-Content -Path /proc/sys/net/ipv4/icmp_ratelimit -Value 0
@'
table inet socketprobe_lab_probe {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 127.13.0.3 drop
    ip daddr 127.13.0.4 reject with icmp type host-unreachable
  }
}
'@ | nft -f -
if ($LASTEXITCODE) { throw 'nft failed' }

try {
    Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
    # 127.13.0.3: silent host; 127.13.0.4: a router says host unreachable; 192.0.2.1: no route in
    # this namespace; nowhere.invalid: the lab's resolver (127.0.0.1:53) does not answer.
    Test-TcpEndpoint -ComputerName 127.13.0.3, 127.13.0.4, 192.0.2.1, nowhere.invalid -Port 80 -TimeoutMs 1500 |
        Select-Object Target, Address, Outcome, Reason, SocketError, Errno, ErrnoName, ConnectMs, Message |
        ConvertTo-Json -EnumsAsStrings | Set-Content -Path $OutFile
}
finally {
    Remove-Item $resolv -ErrorAction Ignore
}
