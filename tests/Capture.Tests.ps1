BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    function Select-Wire { process { if ($_.Actor -eq 'Wire' -and $_.Operation -ne 'Capture') { $_ } } }

    # May this process capture on lo (root or CAP_NET_RAW)? The engine answers by opening a ring.
    $script:CannotCapture = if (-not $IsLinux) { 'capture runs on Linux' } else { [SocketProbe.Engine.Wire.WireCapture]::WhyUnavailable() }

    function Get-WireKey {
        # "SRC > DST FLAGS LENGTH" of a Wire row, to compare with tcpdump's lines.
        param($Row)
        if ($Row.Note -match '^(\S+) > (\S+): ') { "$($Matches[1]) > $($Matches[2]) $($Row.Operation) $($Row.Bytes)" }
    }

    function Invoke-Pwsh {
        # A child pwsh (the one running these tests) with a command; its output as JSON objects.
        param([string[]] $Prefix = @(), [string] $Command)
        $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$(Join-Path $RepoRoot 'SocketProbe.psd1')'; $Command | ConvertTo-Json -Depth 2"
        $all = @($Prefix) + @(Get-ChildPwsh) + @('-NoProfile', '-NonInteractive', '-Command', $script)
        $json = & $all[0] $all[1..($all.Count - 1)]
        if ($LASTEXITCODE) { throw "child pwsh failed ($LASTEXITCODE): $json" }
        @($json | Out-String | ConvertFrom-Json)
    }
}

Describe '-Capture on loopback scenarios' -Skip:(-not $IsLinux) {
    It 'ConnectRefused: the client''s S, then R. from the peer, between the connect''s start and the next row' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        $o = @(Test-TcpRefused -Capture)
        $wire = @($o | Select-Wire)
        ($wire.Operation -join ' ') | Should -Be 'S R.'
        $wire[0].Note | Should -Match '^127\.0\.0\.1:\d+ > 127\.0\.0\.1:\d+: seq 0, win \d+, ttl 64, from client$'
        $wire[1].Note | Should -Match '^127\.0\.0\.1:\d+ > 127\.0\.0\.1:\d+: seq 0, ack 1, win 0, ttl 64, from peer'
        $connect = $o | Where-Object Operation -EQ 'Connect'
        $connect.ErrnoName | Should -Be 'ECONNREFUSED'
        $wire | ForEach-Object { $_.AtMs | Should -BeGreaterOrEqual $connect.AtMs }
        $wire | ForEach-Object { $_.Expected | Should -BeNullOrEmpty; $_.Matches | Should -BeNullOrEmpty; $_.Result | Should -Be 'Seen' }
        (@($o.AtMs) -join ',') | Should -Be ((@($o.AtMs) | Sort-Object) -join ',') -Because 'rows come out in time order'
    }

    It 'ConnectRefused over IPv6: addresses in brackets, hop limit' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        $wire = @(Test-TcpRefused -Capture -AddressFamily IPv6 | Select-Wire)
        ($wire.Operation -join ' ') | Should -Be 'S R.'
        $wire[1].Note | Should -Match '^\[::1\]:\d+ > \[::1\]:\d+: seq 0, ack 1, win 0, hlim 64, from peer'
    }

    It 'PeerAbort: an R from the peer after its abortive close, before the client''s ECONNRESET' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        $o = @(Invoke-PeerCrash -Mode Abort -ClientAction Receive -Capture)
        $abort = $o | Where-Object { $_.Actor -eq 'Peer' } | Select-Object -First 1
        $reset = $o | Select-Wire | Where-Object { $_.Operation -like 'R*' -and $_.Note -match 'from peer' } | Select-Object -First 1
        $reset | Should -Not -BeNullOrEmpty
        $reset.AtMs | Should -BeGreaterThan $abort.AtMs
        $receive = $o | Where-Object { $_.Actor -eq 'Client' -and $_.Operation -eq 'Receive' } | Select-Object -First 1
        $receive.ErrnoName | Should -Be 'ECONNRESET'
        $reset.AtMs | Should -BeLessThan $receive.AtMs
    }

    It 'WriteAfterFin: the peer''s F., then the client''s data, then the peer''s R' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        $o = @(Test-WriteAfterRst -Variant Fin -Capture)
        $wire = @($o | Select-Wire)
        $fin = [array]::FindIndex([object[]]$wire, [Predicate[object]] { param($w) $w.Operation -eq 'F.' -and $w.Note -match 'from peer' })
        $fin | Should -BeGreaterOrEqual 0
        $after = @($wire[($fin + 1)..($wire.Count - 1)])
        $data = [array]::FindIndex([object[]]$after, [Predicate[object]] { param($w) $w.Operation -eq 'P.' -and $w.Note -match 'from client' })
        $data | Should -BeGreaterOrEqual 0
        $after[$data].Bytes | Should -BeGreaterThan 0
        $rest = @($after[($data + 1)..($after.Count - 1)])
        ($rest | Where-Object { $_.Operation -eq 'R' -and $_.Note -match 'from peer' }) | Should -Not -BeNullOrEmpty
        $epipe = $o | Where-Object ErrnoName -EQ 'EPIPE' | Select-Object -First 1
        ($rest | Where-Object Operation -EQ 'R' | Select-Object -First 1).AtMs | Should -BeLessThan $epipe.AtMs
    }

    It 'KillWithUnreadData: the peer''s RST lies between the kill and the client''s ECONNRESET' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        $o = @(Invoke-PeerCrash -Mode KillWithUnreadData -Capture)
        $kill = [array]::FindIndex([object[]]$o, [Predicate[object]] { param($r) $r.Actor -eq 'Peer' -and $r.Operation -eq 'Kill' })
        $reset = [array]::FindIndex([object[]]$o, [Predicate[object]] { param($r) $r.Actor -eq 'Wire' -and $r.Operation -like 'R*' -and $r.Note -match 'from peer' })
        $econnreset = [array]::FindIndex([object[]]$o, [Predicate[object]] { param($r) $r.ErrnoName -eq 'ECONNRESET' })
        $kill | Should -BeGreaterOrEqual 0
        $reset | Should -BeGreaterThan $kill
        $econnreset | Should -BeGreaterThan $reset
    }

    It 'keeps only the run''s own flows: another connection on lo meanwhile is not in it' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        $listener = New-LoopbackListener
        try {
            $port = $listener.LocalEndpoint.Port
            $job = Start-ThreadJob { param($p) 1..20 | ForEach-Object { $c = [Net.Sockets.TcpClient]::new('127.0.0.1', $p); $c.Dispose(); Start-Sleep -Milliseconds 10 } } -ArgumentList $port
            $wire = @(Test-WriteAfterRst -Variant Reset -Capture | Select-Wire)
            $job | Wait-Job -Timeout 10 | Remove-Job -Force
        } finally { $listener.Stop() }
        $wire.Count | Should -BeGreaterThan 0
        $wire | Where-Object Note -Match ":$port\b" | Should -BeNullOrEmpty
    }

    It 'without -Capture: no Wire row' {
        @(Invoke-PeerCrash -Mode Exit | Where-Object Actor -EQ 'Wire').Count | Should -Be 0
    }
}

Describe '-Capture agrees with tcpdump' -Skip:(-not $IsLinux) {
    It '<Name>: every segment tcpdump -i lo saw on the run''s ports is a Wire row, and every Wire row is in tcpdump' -TestCases @(
        @{ Name = 'WriteAfterFin' }
        @{ Name = 'PeerExit' }
    ) {
        param($Name)
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        $tcpdump = Get-Command tcpdump -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if (-not $tcpdump) { Set-ItResult -Skipped -Because 'tcpdump is not installed'; return }
        $out = Join-Path $TestDrive "$Name.txt"
        $info = [Diagnostics.ProcessStartInfo]::new($tcpdump.Source)
        foreach ($a in '-i', 'lo', '-n', '-l', '--immediate-mode', 'tcp') { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true; $info.RedirectStandardError = $true; $info.UseShellExecute = $false
        $dump = [Diagnostics.Process]::Start($info)
        try {
            $reading = $dump.StandardOutput.ReadToEndAsync()
            # tcpdump says "listening on lo" once its filter is in place.
            $started = $dump.StandardError.ReadLineAsync()
            $started.Wait(10000) | Should -BeTrue -Because 'tcpdump starts within 10 s'
            $wire = @(Invoke-SocketScenario -Name $Name -Capture | Select-Wire)
            Start-Sleep -Milliseconds 200
        } finally {
            if (-not $dump.HasExited) { kill -INT $dump.Id; $dump.WaitForExit(5000) | Out-Null }
            if (-not $dump.HasExited) { $dump.Kill() }
        }
        $reading.Wait(5000) | Out-Null
        $ports = @($wire | ForEach-Object { if ($_.Note -match '^\S+:(\d+) > \S+:(\d+):') { [int]$Matches[1]; [int]$Matches[2] } } | Sort-Object -Unique)
        $ports.Count | Should -BeGreaterThan 1
        # "IP 127.0.0.1.5000 > 127.0.0.1.6000: Flags [P.], seq 1:65, ack 1, win 512, options [...], length 64"
        $seen = @($reading.Result -split "`n" | ForEach-Object {
                if ($_ -match 'IP6? (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[([^\]]+)\].*length (\d+)') {
                    $sp = [int]$Matches[2]; $dp = [int]$Matches[4]
                    if ($ports -contains $sp -and $ports -contains $dp) { "$($Matches[1]):$sp > $($Matches[3]):$dp $($Matches[5]) $($Matches[6])" }
                }
            })
        $captured = @($wire | ForEach-Object { Get-WireKey $_ })
        $seen.Count | Should -BeGreaterThan 2
        Compare-Object ($captured | Sort-Object) ($seen | Sort-Object) | ForEach-Object { "$($_.SideIndicator) $($_.InputObject)" } |
            Should -BeNullOrEmpty -Because '<= only in -Capture, => only in tcpdump'
    }
}

Describe '-Capture in the lab' -Tag Lab -Skip:(-not $IsLinux) {
    BeforeAll { $script:NoLab = [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable() }

    It 'ConnectTimeout: the SYN and its retransmissions, all unanswered, captured inside the lab namespace' {
        if ($script:NoLab) { Set-ItResult -Skipped -Because $script:NoLab; return }
        $o = @(Test-TcpRefused -Scenario ConnectTimeout -Capture)
        $syns = @($o | Select-Wire | Where-Object Operation -EQ 'S')
        $syns.Count | Should -BeGreaterOrEqual 2 -Because 'SynRetries 1: the SYN and one retransmission'
        $syns | ForEach-Object { $_.Note | Should -Match '^127\.0\.0\.1:\d+ > 127\.13\.0\.2:\d+: seq 0, .*from client$' }
        @($o | Select-Wire | Where-Object Note -Match 'from peer').Count | Should -Be 0 -Because 'the silent host answers nothing'
        ($o | Where-Object Operation -EQ 'Connect').ErrnoName | Should -Be 'ETIMEDOUT'
    }

    It 'PeerHostCrash -ClientAction Send: the data retransmitted with the same sequence numbers' {
        if ($script:NoLab) { Set-ItResult -Skipped -Because $script:NoLab; return }
        $o = @(Invoke-PeerCrash -Mode HostCrash -ClientAction Send -Capture)
        $crash = $o | Where-Object Operation -EQ 'HostCrash'
        $data = @($o | Select-Wire | Where-Object { $_.Operation -eq 'P.' -and $_.AtMs -gt $crash.AtMs })
        $data.Count | Should -BeGreaterOrEqual 3
        @($data | ForEach-Object { ($_.Note -split ', ')[0] } | Sort-Object -Unique).Count | Should -Be 1 -Because 'a retransmission repeats the same bytes'
    }

    It 'who sent the RST through a real router: the peer''s own (as many hops away as its SYN-ACK) is Peer, the firewall''s is Path' {
        if ($script:NoLab) { Set-ItResult -Skipped -Because $script:NoLab; return }
        $namespaces = Get-NetNamespaceIds
        $lab = Invoke-LabScript -Name 'Wire-InLab.ps1'
        $lab.Exit | Should -Be 0 -Because $lab.Why
        Wait-LabGone -Before $namespaces | Should -BeNullOrEmpty
        $r = @($lab.Report | Where-Object Sequence -EQ 2)
        $r.Count | Should -Be 3
        $open = $r | Where-Object Role -EQ 'Open'
        $open.Outcome | Should -Be 'Open'
        $open.SynAckTtl | Should -Be 63 -Because 'the router forwarded the peer''s SYN-ACK: one hop, 64 - 1'
        $peer = $r | Where-Object Role -EQ 'PeerReset'
        $peer.Outcome | Should -Be 'Refused'
        $peer.ResetTtl | Should -Be 63
        $peer.ResetFrom | Should -Be 'Peer'
        $forged = $r | Where-Object Role -EQ 'FirewallReset'
        $forged.Outcome | Should -Be 'Refused'
        $forged.ResetTtl | Should -Be 64 -Because 'the router made this RST itself: nobody forwarded it'
        $forged.ResetFrom | Should -Be 'Path'
    }
}

Describe '-Capture on the prober (loopback)' -Skip:(-not $IsLinux) {
    It 'an open port''s SynAckTtl, a closed port''s ResetTtl and ResetFrom Peer' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        $listener = New-LoopbackListener
        try {
            $closed = Get-ClosedLoopbackPort
            $r = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $listener.LocalEndpoint.Port, $closed -ThrottleLimit 1 -Count 2 -IntervalMs 0 -Capture)
        } finally { $listener.Stop() }
        $r.Count | Should -Be 4
        ($r | Where-Object { $_.Outcome -eq 'Open' }) | ForEach-Object { $_.SynAckTtl | Should -Be 64; $_.ResetFrom | Should -BeNullOrEmpty }
        $refused = @($r | Where-Object { $_.Outcome -eq 'Refused' })
        $refused | ForEach-Object { $_.ResetTtl | Should -Be 64; $_.SynAckTtl | Should -BeNullOrEmpty }
        ($refused | Where-Object Sequence -EQ 2).ResetFrom | Should -Be 'Peer'
    }

    It 'without -Capture: the wire fields stay empty' {
        $r = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port (Get-ClosedLoopbackPort)
        $r.ResetTtl | Should -BeNullOrEmpty
        $r.ResetFrom | Should -BeNullOrEmpty
    }
}

Describe '-Capture without the right to capture' -Skip:(-not $IsLinux) {
    It 'one Skipped Wire row with the reason; every other row as without -Capture' {
        $setpriv = Get-Command setpriv -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if (-not $setpriv) { Set-ItResult -Skipped -Because 'setpriv (util-linux) is not installed'; return }
        # Root without any capability (no CAP_NET_RAW): socket(AF_PACKET) is refused.
        $prefix = @($setpriv.Source, '--inh-caps=-all', '--bounding-set=-all', '--')
        $with = Invoke-Pwsh -Prefix $prefix -Command 'Invoke-PeerCrash -Mode Exit -Capture | Select-Object Step, Actor, Operation, Result, ErrnoName, Note'
        $without = Invoke-Pwsh -Prefix $prefix -Command 'Invoke-PeerCrash -Mode Exit | Select-Object Step, Actor, Operation, Result, ErrnoName, Note'
        $skipped = @($with | Where-Object Actor -EQ 'Wire')
        $skipped.Count | Should -Be 1
        $skipped[0].Result | Should -Be 'Skipped'
        $skipped[0].Operation | Should -Be 'Capture'
        $skipped[0].Note | Should -Match 'CAP_NET_RAW'
        $rest = @($with | Where-Object Actor -NE 'Wire' | ForEach-Object { "$($_.Step) $($_.Actor) $($_.Operation) $($_.Result) $($_.ErrnoName)" })
        $rest.Count | Should -BeGreaterOrEqual 5
        ($rest -join '; ') | Should -Be ((@($without | ForEach-Object { "$($_.Step) $($_.Actor) $($_.Operation) $($_.Result) $($_.ErrnoName)" })) -join '; ')
    }
}

Describe '-Capture on Watch-TcpConnection (loopback)' -Skip:(-not $IsLinux) {
    It 'a connection the server resets: the RST''s TTL is the SYN-ACK''s, ResetFrom Peer' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        # The server resets (SO_LINGER 0) 300 ms after accepting.
        $server = New-TestServer -Behavior IdleReset -IdleCloseMs 300
        try { $r = @(Watch-TcpConnection -ComputerName 127.0.0.1 -Port $server.Port -HoldSeconds 5 -Capture) }
        finally { $server.Dispose() }
        $r.Count | Should -Be 1
        "$($r[0].Fate)" | Should -Be 'Reset'
        $r[0].SynAckTtl | Should -Be 64
        $r[0].ResetTtl | Should -Be 64
        $r[0].ResetFrom | Should -Be 'Peer'
    }
}

Describe '-Capture on Find-TcpIdleTimeout (loopback)' -Skip:(-not $IsLinux) {
    It 'a server that resets idle connections: every connection''s RST has its SYN-ACK''s TTL, ResetFrom Peer, on the rows and the answer' {
        if ($script:CannotCapture) { Set-ItResult -Skipped -Because $script:CannotCapture; return }
        # RST 1.8 s after accept: the 1 s connection was alive at its probe, the 2 s one is reset before its own.
        $server = New-TestServer -Behavior IdleReset -IdleCloseMs 1800
        try { $all = @(Find-TcpIdleTimeout -ComputerName 127.0.0.1 -Port $server.Port -MaxSeconds 2 -Detailed -Capture) }
        finally { $server.Dispose() }
        $answer = @($all | Where-Object { $_ -is [SocketProbe.Engine.Watch.IdleTimeoutResult] })
        $rows = @($all | Where-Object { $_ -is [SocketProbe.Engine.Watch.IdleConnectionResult] })
        $answer.Count | Should -Be 1
        "$($answer[0].Kind)" | Should -Be 'Reset'
        $rows.Count | Should -Be 2
        @($rows.LocalPort | Sort-Object -Unique).Count | Should -Be 2 -Because 'each connection names its own flow'
        foreach ($row in $rows) {
            $row.LocalAddress | Should -Be '127.0.0.1'
            $row.LocalPort | Should -Not -Be $server.Port
            $row.ErrnoName | Should -Be 'ECONNRESET'
            $row.SynAckTtl | Should -Be 64
            $row.ResetTtl | Should -Be $row.SynAckTtl
            $row.ResetFrom | Should -Be 'Peer'
            $row.IcmpFrom | Should -BeNullOrEmpty
        }
        $dead = $rows | Where-Object IdleSeconds -EQ $answer[0].ShortestDeadSeconds
        "$($dead.Verdict)" | Should -Be 'Reset'
        $answer[0].SynAckTtl | Should -Be $dead.SynAckTtl
        $answer[0].ResetTtl | Should -Be $dead.ResetTtl
        $answer[0].ResetFrom | Should -Be 'Peer'
        $answer[0].Message | Should -Match 'as many hops away as the server''s SYN-ACK'
        # The server's own reset: keepalive would not help, so the advice is the Closed one's.
        $answer[0].Recommendation | Should -Match 'server''s own idle timeout, which keepalive probes do not reset'
    }

    It 'without the right to capture: a warning, no TTLs, and the same answer' {
        $setpriv = Get-Command setpriv -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if (-not $setpriv) { Set-ItResult -Skipped -Because 'setpriv (util-linux) is not installed'; return }
        $prefix = @($setpriv.Source, '--inh-caps=-all', '--bounding-set=-all', '--')
        $server = New-TestServer -Behavior IdleReset -IdleCloseMs 1800
        try {
            $out = Invoke-Pwsh -Prefix $prefix -Command (
                "`$r = @(Find-TcpIdleTimeout -ComputerName 127.0.0.1 -Port $($server.Port) -MaxSeconds 2 -Detailed -Capture -WarningVariable w -WarningAction SilentlyContinue); " +
                '[pscustomobject]@{ Warning = @($w | ForEach-Object { "$_" }); Results = @($r | Select-Object @{ n = "What"; e = { if ($_ -is [SocketProbe.Engine.Watch.IdleTimeoutResult]) { "Answer $($_.Kind)" } else { "$($_.IdleSeconds) $($_.Verdict)" } } }, LocalPort, SynAckTtl, ResetTtl, ResetFrom, IcmpFrom) }')
        }
        finally { $server.Dispose() }
        $out.Count | Should -Be 1
        @($out[0].Warning).Count | Should -Be 1
        $out[0].Warning[0] | Should -Match '^-Capture: nothing captured: .*CAP_NET_RAW'
        $results = @($out[0].Results)
        ($results.What -join '; ') | Should -Be '1 Alive; 2 Reset; Answer Reset' -Because 'the search runs as without -Capture'
        foreach ($r in $results) {
            $r.SynAckTtl | Should -BeNullOrEmpty
            $r.ResetTtl | Should -BeNullOrEmpty
            $r.ResetFrom | Should -BeNullOrEmpty
            $r.IcmpFrom | Should -BeNullOrEmpty
        }
        $results[0].LocalPort | Should -BeGreaterThan 0 -Because 'the local endpoint is the socket''s, not the capture''s'
    }
}
