# Dot-sourced by lab scripts that run INSIDE a throw-away network namespace of the test's own (the
# client's). It puts a server one real routed hop away: two more namespaces, a router R and a server
# host S, joined by veth pairs, with forwarding on in R. The kernel itself lowers the TTL of what S
# sends as R forwards it (64 -> 63), so "how far away is who sent this RST" is tested through a real
# router, not a rewritten TTL (nft's `ip ttl set` is refused inside a user namespace on Linux 6.18).
#
#   client (this ns) 198.51.100.1 --c0/r0-- 198.51.100.254 R 203.0.113.254 --r1/s0-- 203.0.113.2 S
#
# The addresses are documentation ranges (RFC 5737), inside these namespaces only. R and S are each
# held by one `sleep` of bounded life that dies with this process (setpriv --pdeathsig), and
# Remove-RoutedHop kills them by PID: the namespaces go with them.

$script:HopTools = @{}
foreach ($tool in 'ip', 'nft', 'nsenter', 'unshare', 'setpriv', 'sysctl') {
    $script:HopTools[$tool] = (Get-Command $tool -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
}
$script:HopPython = '/usr/bin/python3'   # Debian's own: the hold server needs nothing beyond the standard library

function Invoke-HopTool {
    # Run one of the tools above (in the namespace of process $InNamespaceOf, if given); its stderr
    # becomes the error's text, so a refusal by the kernel reaches the test's failure message.
    param([string] $Tool, [string[]] $Arguments, [int] $InNamespaceOf = 0, [string] $InputText)
    $file = $script:HopTools[$Tool]
    if ($InNamespaceOf) { $Arguments = @('--target', "$InNamespaceOf", '--net', $file) + $Arguments; $file = $script:HopTools['nsenter'] }
    $err = Join-Path ([IO.Path]::GetTempPath()) "hop-$PID-$([guid]::NewGuid().ToString('N')).err"
    try {
        $out = if ($PSBoundParameters.ContainsKey('InputText')) { $InputText | & $file @Arguments 2>$err } else { & $file @Arguments 2>$err }
        if ($LASTEXITCODE) { throw "$Tool $($Arguments -join ' ') failed ($LASTEXITCODE): $((Get-Content -Raw $err -ErrorAction Ignore))" }
        $out
    }
    finally { Remove-Item $err -ErrorAction Ignore }
}

function Start-NamespaceHolder {
    # A process alone in a new network namespace (unshare without --fork: the same PID is inside).
    param([int] $LifeSeconds)
    $start = [Diagnostics.ProcessStartInfo]::new($script:HopTools['setpriv'])
    foreach ($a in '--pdeathsig', 'KILL', $script:HopTools['unshare'], '--net', 'sleep', "$LifeSeconds") { $start.ArgumentList.Add($a) }
    $p = [Diagnostics.Process]::Start($start)
    # unshare has made the namespace once the process's net namespace differs from ours (bounded: 5 s).
    $ours = [IO.FileInfo]::new('/proc/self/ns/net').LinkTarget
    $until = [DateTime]::UtcNow.AddSeconds(5)
    while ([IO.FileInfo]::new("/proc/$($p.Id)/ns/net").LinkTarget -eq $ours) {
        if ($p.HasExited -or [DateTime]::UtcNow -gt $until) {
            $exited = $p.HasExited
            if (-not $exited) { $p.Kill() }
            $p.Dispose()
            throw "unshare --net did not make a namespace (exited: $exited)"
        }
        Start-Sleep -Milliseconds 5
    }
    $p
}

function New-RoutedHop {
    param([int] $LifeSeconds = 120)
    $hostNet = [IO.FileInfo]::new('/proc/1/ns/net').LinkTarget
    if ([IO.FileInfo]::new('/proc/self/ns/net').LinkTarget -eq $hostNet) { throw 'not inside a network namespace of our own: refusing to touch the network' }
    $hop = [pscustomobject]@{ Router = $null; Server = $null; ClientAddress = '198.51.100.1'; ServerAddress = '203.0.113.2' }
    try {
        $hop.Router = Start-NamespaceHolder -LifeSeconds $LifeSeconds
        $hop.Server = Start-NamespaceHolder -LifeSeconds $LifeSeconds
        $router = $hop.Router; $server = $hop.Server
        Invoke-HopTool ip @('link', 'set', 'lo', 'up')
        Invoke-HopTool ip @('link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'r0', 'netns', "$($router.Id)")
        Invoke-HopTool ip @('-batch', '-') -InputText "addr add 198.51.100.1/24 dev c0`nlink set c0 up`nroute add 203.0.113.0/24 via 198.51.100.254`n"
        Invoke-HopTool ip @('link', 'add', 'r1', 'type', 'veth', 'peer', 'name', 's0', 'netns', "$($server.Id)") -InNamespaceOf $router.Id
        Invoke-HopTool ip @('-batch', '-') -InNamespaceOf $router.Id -InputText "link set lo up`naddr add 198.51.100.254/24 dev r0`nlink set r0 up`naddr add 203.0.113.254/24 dev r1`nlink set r1 up`n"
        Invoke-HopTool ip @('-batch', '-') -InNamespaceOf $server.Id -InputText "link set lo up`naddr add 203.0.113.2/24 dev s0`nlink set s0 up`nroute add 198.51.100.0/24 via 203.0.113.254`n"
        # Forwarding is per namespace: set by sysctl run inside the router's namespace.
        Set-RouterSysctl $hop 'net.ipv4.ip_forward' '1'
    }
    catch { Remove-RoutedHop $hop; throw }
    $hop
}

function Set-RouterSysctl {
    # A sysctl of the router's namespace (sysctl run inside it: /proc/sys/net is the opener's namespace).
    param($Hop, [string] $Name, [string] $Value)
    $null = Invoke-HopTool sysctl @('-q', '-w', "$Name=$Value") -InNamespaceOf $Hop.Router.Id
}

function Get-RouterSysctl {
    param($Hop, [string] $Name)
    Invoke-HopTool sysctl @('-n', $Name) -InNamespaceOf $Hop.Router.Id
}

function Start-HoldServer {
    # The silent server in S; returns the process and its port. Its stdin stays ours: closing it ends the server.
    param($Hop, [int] $LifeSeconds = 120)
    $start = [Diagnostics.ProcessStartInfo]::new($script:HopTools['nsenter'])
    foreach ($a in '--target', "$($Hop.Server.Id)", '--net', $script:HopPython, (Join-Path $PSScriptRoot 'hold_server.py'), $Hop.ServerAddress, "$LifeSeconds") { $start.ArgumentList.Add($a) }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $p = [Diagnostics.Process]::Start($start)
    $line = $p.StandardOutput.ReadLineAsync()
    if (-not $line.Wait(10000) -or $line.Result -notmatch '^LISTENING (\d+)$') {
        $p.Kill(); $null = $p.WaitForExit(5000)
        throw "hold server did not start: '$($line.Result)' $($p.StandardError.ReadToEnd())"
    }
    [pscustomobject]@{ Process = $p; Port = [int]$Matches[1] }
}

function Stop-HoldServer {
    param($Server)
    if (-not $Server) { return }
    $Server.Process.StandardInput.Close()
    if (-not $Server.Process.WaitForExit(5000)) { $Server.Process.Kill() }
    $Server.Process.Dispose()
}

function Remove-RoutedHop {
    param($Hop)
    foreach ($p in $Hop.Router, $Hop.Server) {
        if (-not $p) { continue }
        try { if (-not $p.HasExited) { $p.Kill() }; $null = $p.WaitForExit(5000) } finally { $p.Dispose() }
    }
}
