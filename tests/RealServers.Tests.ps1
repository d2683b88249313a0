# Real HAProxy and Redis (issue 24 §2, §4): started by the test on 127.0.0.1, free ephemeral ports, with the config
# files in tests/servers/ (their timers kept at 1-3 s), pid and logs in $TestDrive, stopped by PID in AfterAll. The
# oracle is each server's documentation, quoted next to each case. Every search and hold runs side by side in
# BeforeAll, so the file costs about the longest of them (some 4 s).
BeforeDiscovery {
    $script:HaproxyPath = @('/usr/sbin/haproxy', (Get-Command haproxy -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source)) |
        Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    $script:RedisPath = @('/usr/bin/redis-server', (Get-Command redis-server -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source)) |
        Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    # In CI (.ci/run installs both) a missing server fails loudly in BeforeAll; elsewhere it is Skipped with the reason.
    $script:ServersSkip = if (-not $IsLinux) { 'the real-server tests run on Linux' }
    elseif ($env:CI -ne 'true' -and -not $HaproxyPath) { 'haproxy is not installed (apt-get install haproxy; .ci/run does)' }
    elseif ($env:CI -ne 'true' -and -not $RedisPath) { 'redis-server is not installed (apt-get install redis-server; .ci/run does)' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    if ($ServersSkip) { return }
    if (-not $HaproxyPath -or -not $RedisPath) { throw "haproxy or redis-server is not installed: .ci/run's apt-get line installs both" }
    $script:Configs = Join-Path $PSScriptRoot 'servers'
    $script:Servers = [Collections.Generic.List[Diagnostics.Process]]::new()

    function Start-RealServer {
        # One server process in the foreground, its output in $Dir; ready when $ReadyPort accepts (or $ReadyLog
        # shows its line: a connect would take Redis's only client slot), within 5 s.
        param([string] $Path, [string[]] $Arguments, [string] $Dir, [hashtable] $Environment = @{}, [int] $ReadyPort, [string] $ReadyLog)
        $start = [Diagnostics.ProcessStartInfo]::new($Path)
        foreach ($a in $Arguments) { $start.ArgumentList.Add($a) }
        foreach ($k in $Environment.Keys) { $start.Environment[$k] = [string]$Environment[$k] }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($start)
        $script:Servers.Add($process)
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while ([DateTime]::UtcNow -lt $deadline -and -not $process.HasExited) {
            if ($ReadyLog) {
                if ((Get-Content -Raw -ErrorAction Ignore $ReadyLog) -match 'Ready to accept connections') { return $process }
            }
            else {
                $c = [Net.Sockets.TcpClient]::new()
                try { $c.Connect([Net.IPAddress]::Loopback, $ReadyPort); return $process } catch { } finally { $c.Dispose() }
            }
            Start-Sleep -Milliseconds 50
        }
        $said = if ($process.HasExited) { $process.StandardError.ReadToEnd() + $process.StandardOutput.ReadToEnd() } else { 'still starting' }
        throw "$Path did not get ready within 5 s: $said"
    }

    # HAProxy: its frontends' ports in the environment (tests/servers/haproxy.cfg expands them), the relay's
    # backend a loopback echo server of the test's own.
    $script:Echo = New-TestServer -Behavior Echo -IdleCloseMs 0
    $script:Ports = @{}
    foreach ($name in 'Request', 'Client', 'Down', 'Closed', 'Relay', 'RedisTimeout', 'RedisFull') { $Ports[$name] = Get-ClosedLoopbackPort }
    $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'haproxy')
    $null = Start-RealServer -Path $HaproxyPath -Arguments '-db', '-f', (Join-Path $Configs 'haproxy.cfg') -Dir $dir -ReadyPort $Ports.Relay -Environment @{
        SP_DIR = $dir; SP_REQUEST_PORT = $Ports.Request; SP_CLIENT_PORT = $Ports.Client; SP_DOWN_PORT = $Ports.Down
        SP_CLOSED_PORT = $Ports.Closed; SP_RELAY_PORT = $Ports.Relay; SP_BACKEND_PORT = $Echo.Port
    }
    foreach ($redis in @(@{ Name = 'RedisTimeout'; Conf = 'redis-timeout.conf' }, @{ Name = 'RedisFull'; Conf = 'redis-maxclients.conf' })) {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive $redis.Name)
        $log = Join-Path $dir 'redis.log'
        $null = Start-RealServer -Path $RedisPath -Dir $dir -ReadyLog $log -Arguments (Join-Path $Configs $redis.Conf),
            '--port', $Ports[$redis.Name], '--dir', $dir, '--pidfile', (Join-Path $dir 'redis.pid'), '--logfile', $log
    }

    # The searches and holds, side by side (each its own connections and runspace).
    $get = '"GET / HTTP/1.1`r`nHost: x`r`n`r`n"'
    $runs = [ordered]@{
        # timeout http-request 1s, no request sent: 408, then the close.
        RequestTimer    = "Find-TcpIdleTimeout 127.0.0.1 $($Ports.Request) -MaxSeconds 3 -Detailed"
        # The same with a request that never completes, probed by sending it again (the case that answered None).
        PartialRequest  = "Find-TcpIdleTimeout 127.0.0.1 $($Ports.Request) -MaxSeconds 3 -ProbeWith Send -Send `"GET / HTTP/1.1``r``n`" -Detailed"
        # timeout client 2s, after an answered request: the keep-alive wait.
        ClientTimer     = "Find-TcpIdleTimeout 127.0.0.1 $($Ports.Client) -MaxSeconds 4 -Send $get -Detailed"
        # Two targets searched together: the relay (timeout client/server 2300ms) and Redis (timeout 2).
        RelayAndRedis   = "Find-TcpIdleTimeout 127.0.0.1 $($Ports.Relay),$($Ports.RedisTimeout) -MaxSeconds 4 -Detailed"
        # Redis with a command answered before the idle, probed by sending it again.
        RedisPing       = "Find-TcpIdleTimeout 127.0.0.1 $($Ports.RedisTimeout) -MaxSeconds 4 -Send `"PING``r``n`" -ProbeWith Send -Detailed"
        Watch           = "Watch-TcpConnection 127.0.0.1 $($Ports.Relay),$($Ports.RedisTimeout) -HoldSeconds 4"
    }
    $started = [ordered]@{}
    foreach ($k in $runs.Keys) { $started[$k] = Start-Bounded -Script $runs[$k] -TimeoutSeconds 30 }

    # Meanwhile the probes, which take milliseconds. Redis maxclients 1: the test holds the one client (its PING
    # answered, so Redis has counted it), and every other connection is told so and closed.
    $script:Probe = @{}
    $hold = [Net.Sockets.TcpClient]::new()
    try {
        $hold.Connect([Net.IPAddress]::Loopback, $Ports.RedisFull)
        $stream = $hold.GetStream()
        $stream.Write([Text.Encoding]::ASCII.GetBytes("PING`r`n"))
        $stream.ReadTimeout = 5000
        $buffer = [byte[]]::new(64)
        $script:HeldAnswer = [Text.Encoding]::ASCII.GetString($buffer, 0, $stream.Read($buffer, 0, 64))
        $Probe.Full = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.RedisFull -ReadMs 1000
        $Probe.FullHealthy = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.RedisFull -ReadMs 1000 -Healthy
    }
    finally { $hold.Dispose() }
    # The slot is free once Redis has seen the close: a few bounded tries.
    for ($i = 0; $i -lt 20; $i++) {
        $Probe.Pong = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.RedisFull -ReadMs 1000 -Send "PING`r`n" -Expect '^\+PONG'
        if ($Probe.Pong.Healthy) { break }
        Start-Sleep -Milliseconds 50
    }
    $Probe.PongHealthy = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.RedisFull -ReadMs 1000 -Send "PING`r`n" -Expect '^\+PONG' -Healthy
    $Probe.WrongExpect = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.RedisFull -ReadMs 1000 -Send "PING`r`n" -Expect '^\+OK' -Healthy
    $request = "GET / HTTP/1.1`r`nHost: x`r`n`r`n"
    $Probe.Down = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.Down -ReadMs 2000 -Send $request
    $Probe.DownHealthy = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.Down -ReadMs 2000 -Send $request -Healthy
    $Probe.Up = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.Client -ReadMs 2000 -Send $request
    $Probe.UpHealthy = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports.Client -ReadMs 2000 -Send $request -Healthy

    $script:Answer = @{}
    $script:Rows = @{}
    $script:Held = $null
    foreach ($k in $started.Keys) {
        $run = Receive-Bounded $started[$k]
        if (-not $run.Finished -or $run.Errors) { throw "$k ($($runs[$k])) did not finish cleanly: $($run.Errors -join '; ')" }
        $search = Split-IdleSearch $run.Output
        $Answer[$k] = $search.Answer; $Rows[$k] = $search.Rows
        if ($k -eq 'Watch') { $script:Held = @($run.Output) }
    }
}

AfterAll {
    foreach ($p in @($script:Servers | Where-Object { $_ })) {
        if (-not $p.HasExited) { $p.Kill($true); $null = $p.WaitForExit(10000) }
        $p.Dispose()
    }
    if ($script:Echo) { $Echo.Dispose() }
}

Describe 'HAProxy 2.x on loopback (tests/servers/haproxy.cfg)' -Skip:([bool]$ServersSkip) {
    # HAProxy 2.6 configuration.txt (/usr/share/doc/haproxy), "timeout http-request": "Set the maximum allowed time to
    # wait for a complete HTTP request ... When the timeout expires, an HTTP 408 response is sent to the client to
    # inform it about the problem, and the connection is closed."
    It 'timeout http-request 1s, no request: Closed after about 1 s, the 408 shown as the goodbye' {
        $a = Assert-ClosedAnswer $Answer.RequestTimer -IdleAfter Connect -Above 0.5 -Below 2 -Bracket
        $a.Goodbye | Should -Match '^HTTP/1\.1 408'
    }

    It 'timeout http-request 1s, a request that never completes probed with -ProbeWith Send: Closed with the 408, not alive' {
        $a = $Answer.PartialRequest
        $a.Count | Should -Be 1
        $a[0].Kind | Should -Be 'Closed' -Because 'bytes and then a FIN are a close said in words'
        $a[0].Goodbye | Should -Match '^HTTP/1\.1 408'
        $a[0].IdleAfter | Should -Be 'Connect' -Because "the 408 is no answer a pooled idle follows: the server's wait for a whole request ended it"
        $a[0].ObservedSeconds | Should -BeLessThan 2
        Assert-Bracket $a[0]
        # Every connection idle longer than the timer met the 408 before its probe: none is alive.
        @($Rows.PartialRequest | Where-Object { $_.IdleSeconds -ge 2 -and $_.Verdict -eq 'Alive' }) | Should -BeNullOrEmpty
    }

    # configuration.txt, "timeout http-keep-alive": "If this parameter is not set, the "http-request" timeout applies,
    # and if both are not set, "timeout client" still applies at the lower level"; "timeout client": "Set the maximum
    # inactivity time on the client side".
    It 'timeout client 2s after an answered request (-Send): Closed after about 2 s, the keep-alive wait' {
        $a = Assert-ClosedAnswer $Answer.ClientTimer -IdleAfter Answer -Above 1.5 -Below 3 -Bracket
        $a.ClientSettings | Should -Not -BeNullOrEmpty
    }

    # configuration.txt: "timeout client" / "timeout server", "Set the maximum inactivity time on the client side" /
    # "on the server side": in tcp mode, the relay's idle timeout on each side.
    It 'a tcp relay with timeout client/server 2300ms: Closed at about 2.3 s, alive at 2 s, dead at 3 s (searched with Redis)' {
        $a = Assert-ClosedAnswer @($Answer.RelayAndRedis | Where-Object Port -EQ $Ports.Relay) -Above 2 -Below 2.8 -Bracket
        $a.LongestAliveSeconds | Should -Be 2 -Because 'the FIN at 2.3 s comes after the 2 s probe: that connection was alive at 2 s'
        $a.ShortestDeadSeconds | Should -Be 3
    }

    It 'Watch-TcpConnection through the relay: Closed (FIN) after about 2.3 s idle' {
        $w = @($Held | Where-Object Port -EQ $Ports.Relay)
        $w.Count | Should -Be 1
        $w[0].Fate | Should -Be 'Closed'
        $w[0].IdleMs | Should -BeGreaterThan 2000
        $w[0].IdleMs | Should -BeLessThan 2800
    }

    # configuration.txt section 1.3.1: "503 when no server was available to handle the request".
    It 'a backend that is down: the probe reads HTTP 503 and -Healthy says False; the 200 frontend is healthy' {
        $Probe.Down.Outcome | Should -Be 'Open'
        $Probe.Down.HttpStatus | Should -Be 503
        $Probe.Down.Healthy | Should -BeFalse
        $Probe.Down.HealthNote | Should -Match '503'
        $Probe.DownHealthy | Should -BeFalse
        $Probe.Up.HttpStatus | Should -Be 200
        $Probe.Up.Healthy | Should -BeTrue
        $Probe.UpHealthy | Should -BeTrue
    }
}

Describe 'Redis 7 on loopback (tests/servers/redis-*.conf)' -Skip:([bool]$ServersSkip) {
    # redis.conf (Debian's /etc/redis/redis.conf, Redis 7.0): "Close the connection after a client is idle for N seconds
    # (0 to disable)"; timeout 2. Redis counts idle in whole seconds from its cron (clientsCron, hz 10), so the close
    # comes between 2 and about 3.1 s after the last command, by its clock; its clock (server.unixtime, cached by the
    # cron) runs up to a tick behind, so by ours the close may come a little before 2 s (1.96 s seen): 1.8 is the floor.
    It 'timeout 2, searched together with the relay: Closed between about 2 and 3.2 s, the bracket around it' {
        $null = Assert-ClosedAnswer @($Answer.RelayAndRedis | Where-Object Port -EQ $Ports.RedisTimeout) -AtLeast 1.8 -Below 3.2 -Bracket
    }

    It 'timeout 2 after an answered PING, probed with PING again: Closed, the bracket around the observation' {
        $null = Assert-ClosedAnswer $Answer.RedisPing -IdleAfter Answer -AtLeast 1.8 -Below 3.2 -Bracket
        @($Rows.RedisPing | Where-Object AnswerBytes -GT 0).Count | Should -BeGreaterThan 0 -Because 'Redis answers PING with +PONG'
    }

    It 'Watch-TcpConnection: Closed (FIN) between about 2 and 3.2 s idle' {
        $w = @($Held | Where-Object Port -EQ $Ports.RedisTimeout)
        $w.Count | Should -Be 1
        $w[0].Fate | Should -Be 'Closed'
        $w[0].IdleMs | Should -BeGreaterOrEqual 1800 -Because "Redis counts from its cached clock, up to a tick behind ours"
        $w[0].IdleMs | Should -BeLessThan 3200
    }

    # redis.conf, maxclients: "Once the limit is reached Redis will close all the new connections sending an error
    # 'max number of clients reached'"; redis-doc topics/clients.md: it "closes the connection immediately".
    It 'maxclients 1 with the one slot held: Open, the error then FIN, and -Healthy says False' {
        $HeldAnswer | Should -Match '^\+PONG' -Because 'the held client is the one Redis counted'
        $Probe.Full.Outcome | Should -Be 'Open'
        $Probe.Full.Banner | Should -Match 'max number of clients reached'
        $Probe.Full.AnswerEnd | Should -BeIn 'Closed', 'Reset'
        $Probe.Full.Healthy | Should -BeFalse
        $Probe.FullHealthy | Should -BeFalse
    }

    It 'maxclients 1 with the slot free: PING answered +PONG matches -Expect and is healthy; another -Expect is not' {
        $Probe.Pong.ExpectMatched | Should -BeTrue
        $Probe.Pong.Healthy | Should -BeTrue
        $Probe.PongHealthy | Should -BeTrue
        $Probe.WrongExpect | Should -BeFalse
    }
}
