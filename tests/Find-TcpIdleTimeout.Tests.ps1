# Find-TcpIdleTimeout: a server's own idle close on loopback (servers of the test's own), and in a
# namespace of the test's own a stateful middlebox that forgets idle flows after 3 s and then
# forges an RST (Reset) or drops (Silent): tests/lab/IdleTimeout-InLab.ps1, which also watches one
# connection through the same box with Watch-TcpConnection. No test asserts speed.
# Our own side never reported as the target (issue 23): OwnSide.Tests.ps1, for both cmdlets.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Find-TcpIdleTimeout on loopback' -Skip:(-not $IsLinux) {
    It 'a server that closes after 3 s idle is found as Closed, within 1 s, over <Family> (probe <ProbeWith>)' -TestCases @(
        @{ Family = 'IPv4'; ProbeWith = 'KeepAlive' }
        @{ Family = 'IPv6'; ProbeWith = 'KeepAlive' }
        @{ Family = 'IPv4'; ProbeWith = 'Send' }
    ) {
        param($Family, $ProbeWith)
        $server = New-TestServer -Behavior IdleClose -IdleCloseMs 3000 -Family $Family
        try {
            $target = if ($Family -eq 'IPv6') { '::1' } else { '127.0.0.1' }
            $extra = if ($ProbeWith -eq 'Send') { @{ ProbeWith = 'Send'; Send = "`n" } } else { @{} }
            $all = @(Find-TcpIdleTimeout -ComputerName $target -Port $server.Port -MaxSeconds 8 -Detailed @extra)
        }
        finally { $server.Dispose() }
        $search = Split-IdleSearch $all
        $r = $search.Answer; $rows = $search.Rows
        $r.Count | Should -Be 1
        $r[0].Kind | Should -Be 'Closed'
        $r[0].AddressFamily | Should -Be $Family
        $r[0].ProbeWith | Should -Be $ProbeWith
        $r[0].LongestAliveSeconds | Should -BeIn 2, 3
        $r[0].ShortestDeadSeconds | Should -BeIn 3, 4
        $r[0].ObservedSeconds | Should -BeGreaterThan 2.5 -Because 'the FIN came when the server''s 3 s idle timer ran out'
        $r[0].ObservedSeconds | Should -BeLessThan 4.5
        $r[0].RecommendedIdleSeconds | Should -BeLessThan $r[0].LongestAliveSeconds
        $r[0].Recommendation | Should -Match 'server closes'
        $r[0].Tried | Should -BeLessOrEqual 8
        $rows.Count | Should -Be $r[0].Tried
        ($rows | Where-Object IdleSeconds -EQ $r[0].ShortestDeadSeconds).Verdict | Should -Be 'Closed'
        ($rows | Where-Object IdleSeconds -EQ 1).Verdict | Should -Be 'Alive'
    }

    It 'a server that sends a byte every 200 ms on its own is an answer, found within the search''s bound: Busy (probe <ProbeWith>)' -TestCases @(
        @{ ProbeWith = 'KeepAlive' }
        @{ ProbeWith = 'Send' }
    ) {
        param($ProbeWith)
        $server = New-TestServer -Behavior Chatty -EveryMs 200
        try {
            $extra = if ($ProbeWith -eq 'Send') { "-ProbeWith Send -Send x" } else { '' }
            # Bounded by the test: before the fix each byte restarted the wait, up to 1,000 times.
            $run = Invoke-Bounded -Script "Find-TcpIdleTimeout 127.0.0.1 $($server.Port) -MaxSeconds 1 -Detailed $extra" -TimeoutSeconds 30
        }
        finally { $server.Dispose() }
        $run.Finished | Should -BeTrue -Because 'a server that talks on its own is an answer'
        $run.Errors | Should -BeNullOrEmpty
        $search = Split-IdleSearch $run.Output
        $answer = $search.Answer; $rows = $search.Rows
        $answer.Count | Should -Be 1
        $answer[0].Kind | Should -Be 'Busy'
        $answer[0].ShortestDeadSeconds | Should -BeNullOrEmpty -Because 'nothing forgot the connection'
        $answer[0].Recommendation | Should -Match 'sends on its own'
        $rows.Count | Should -Be 1
        $rows[0].Verdict | Should -Be 'Busy'
        $rows[0].Message | Should -Match 'never idle for 1 s'
    }

    It 'a -Send probe larger than the window of a server that never reads is the server not reading, never the path' {
        $server = New-TestServer -Behavior Silent
        try {
            $run = Invoke-Bounded -Script "Find-TcpIdleTimeout 127.0.0.1 $($server.Port) -MaxSeconds 1 -ProbeWith Send -Send ('A' * 10MB) -Detailed" -TimeoutSeconds 30
        }
        finally { $server.Dispose() }
        $run.Finished | Should -BeTrue
        $run.Errors | Should -BeNullOrEmpty
        $search = Split-IdleSearch $run.Output
        $answer = $search.Answer; $rows = $search.Rows
        $answer.Count | Should -Be 1
        $answer[0].Kind | Should -Not -Be 'Silent' -Because 'the server acknowledged every byte it took: the path did not forget the connection'
        $answer[0].Kind | Should -Be 'None'
        $answer[0].Recommendation | Should -Not -Match 'path forgets'
        $answer[0].Message | Should -Match 'did not read'
        $rows[0].Verdict | Should -Be 'Alive'
        $rows[0].Message | Should -Match 'did not read'
    }

    It '<Title>' -ForEach @(
        @{ Title = 'a server that sends a banner once and then stays silent is idle after it: Kind None, not Busy'
            Behavior = 'Banner'; Kind = 'None'; LongestAlive = 2; Advice = $null; NotAdvice = $null }
        @{ Title = 'a server that closes every connection at once has no idle timeout: EndedAtConnect, not "keep connections busier"'
            Behavior = 'Close'; Kind = 'EndedAtConnect'; LongestAlive = $null; Advice = 'right after connect'; NotAdvice = 'keep connections busier' }
    ) {
        $server = New-TestServer -Behavior $Behavior
        try { $r = Find-TcpIdleTimeout 127.0.0.1 $server.Port -MaxSeconds 2 } finally { $server.Dispose() }
        $r.Kind | Should -Be $Kind
        $r.LongestAliveSeconds | Should -Be $LongestAlive
        if ($NotAdvice) { $r.Recommendation | Should -Not -Match $NotAdvice }
        if ($Advice) { $r.Recommendation | Should -Match $Advice }
    }

    It 'a healthy server: Kind None, every connection alive up to -MaxSeconds' {
        $server = New-TestServer -Behavior Silent
        try { $r = Find-TcpIdleTimeout 127.0.0.1 $server.Port -MaxSeconds 2 } finally { $server.Dispose() }
        $r.Kind | Should -Be 'None'
        $r.LongestAliveSeconds | Should -Be 2
        $r.ShortestDeadSeconds | Should -BeNullOrEmpty
        $r.RecommendedIdleSeconds | Should -BeNullOrEmpty
        $r.Tried | Should -Be 2
        $r.SynAckTtl | Should -BeNullOrEmpty -Because 'without -Capture nothing is captured'
        $r.ResetFrom | Should -BeNullOrEmpty
    }

    It 'a closed port: Kind NotConnected, with the reason' {
        $port = Get-ClosedLoopbackPort
        $r = Find-TcpIdleTimeout 127.0.0.1 $port -MaxSeconds 2
        $r.Kind | Should -Be 'NotConnected'
        $r.Message | Should -Match 'ECONNREFUSED'
    }

    It 'one answer per address of localhost' {
        $v4 = New-TestServer -Behavior Silent -Family IPv4
        $v6 = New-TestServer -Behavior Silent -Family IPv6
        try {
            # Two servers on two ports: the IPv4 one is named by port, so the IPv6 answer there is NotConnected or None.
            $r = @(Find-TcpIdleTimeout -ComputerName localhost -Port $v4.Port -MaxSeconds 1)
        }
        finally { $v4.Dispose(); $v6.Dispose() }
        ($r | Where-Object AddressFamily -EQ 'IPv4').Kind | Should -Be 'None'
        $r.Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'Find-TcpIdleTimeout bad input' {
    It '<Case> is a clear error' -TestCases @(
        @{ Case = '-MaxSeconds below -ResolutionSeconds'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -MaxSeconds 5 -ResolutionSeconds 10 }; Id = 'MaxBelowResolution' }
        @{ Case = '-ReadMs without -Send'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -ReadMs 500 }; Id = 'ReadMsWithoutSend' }
        @{ Case = 'an empty -Send'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -Send '' }; Id = 'ParameterArgumentValidationError' }
        @{ Case = '-ReadMs 0'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -Send 'x' -ReadMs 0 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = '-ProbeWith Send without -Send'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -ProbeWith Send }; Id = 'SendProbeWithoutSend' }
        @{ Case = 'an empty target'; Script = { Find-TcpIdleTimeout -ComputerName ' ' -Port 80 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'a negative -MaxSeconds'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -MaxSeconds -1 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'a negative -ResolutionSeconds'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -ResolutionSeconds -1 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'a -MaxSeconds above TCP_KEEPIDLE''s ceiling'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -MaxSeconds 40000 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = '-ThrottleLimit 0'; Script = { Find-TcpIdleTimeout 127.0.0.1 -Port 80 -ThrottleLimit 0 }; Id = 'ParameterArgumentValidationError' }
    ) {
        param($Case, $Script, $Id)
        Assert-BadInput $Script $Id
    }

    It 'a target without a port is a non-terminating error' {
        $r = @(Find-TcpIdleTimeout 127.0.0.1 -ErrorVariable e -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 0
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NoPort*'
    }
}

Describe 'Stopping Find-TcpIdleTimeout midway on loopback (Ctrl+C)' -Skip:(-not $IsLinux) {
    It 'stops promptly and leaves no socket behind' {
        $server = New-TestServer -Behavior Silent
        try {
            $before = Get-SocketCount
            $stop = Stop-Midway -Script "Find-TcpIdleTimeout 127.0.0.1 -Port $($server.Port) -MaxSeconds 30" -DelayMs 1500
            Assert-StoppedCleanly $stop
            $server.Held | Should -BeGreaterThan 0 -Because 'the search had connections open when it was stopped'
            Wait-SocketCount { $before + $server.Held }
            Get-SocketCount | Should -Be ($before + $server.Held)
        }
        finally { $server.Dispose() }
    }
}

Describe 'Find-TcpIdleTimeout behind a lab middlebox that forgets idle flows after 3 s' -Tag Lab -Skip:(-not $IsLinux -or [bool]$script:LabUnavailable) {
    BeforeAll {
        $script:namespaces = Get-NetNamespaceIds
        $script:peers = Get-PeerProcessCount
        # The three boxes side by side: each is its own set of namespaces, so they cannot meet.
        $started = foreach ($mode in 'Reset', 'Drop', 'Stop') { @{ Mode = $mode; Lab = Start-LabScript -Name 'IdleTimeout-InLab.ps1' -Arguments $mode } }
        $script:labs = @{}
        foreach ($s in $started) { $script:labs[$s.Mode] = Wait-LabScript $s.Lab }
    }

    It 'the lab ran inside its namespace (<Mode>), with the 3 s conntrack timeout, and left its rules as it set them' -TestCases @(
        @{ Mode = 'Reset' }, @{ Mode = 'Drop' }, @{ Mode = 'Stop' }
    ) {
        param($Mode)
        $lab = $script:labs[$Mode]
        $lab.Exit | Should -Be 0 -Because $lab.Why
        $lab.Report.Timeout | Should -Be '3'
        $lab.Report.RulesUnchanged | Should -BeTrue
    }

    It 'finds the 3 s timeout within 1 s as <Kind> (nft <Mode>)' -TestCases @(
        @{ Mode = 'Reset'; Kind = 'Reset'; Verdict = 'Reset'; ErrnoName = 'ECONNRESET' }
        @{ Mode = 'Drop'; Kind = 'Silent'; Verdict = 'Silent'; ErrnoName = 'ETIMEDOUT' }
    ) {
        param($Mode, $Kind, $Verdict, $ErrnoName)
        $a = $script:labs[$Mode].Report.Answer
        $a.Kind | Should -Be $Kind
        $a.ShortestDeadSeconds | Should -BeIn 2, 3, 4
        $a.LongestAliveSeconds | Should -BeIn 2, 3
        $a.LongestAliveSeconds | Should -BeLessThan $a.ShortestDeadSeconds
        $a.RecommendedIdleSeconds | Should -BeLessThan $a.LongestAliveSeconds
        $a.Recommendation | Should -Match 'keepalive'
        $dead = $script:labs[$Mode].Report.Rows | Where-Object IdleSeconds -EQ $a.ShortestDeadSeconds
        $dead.Verdict | Should -Be $Verdict
        $dead.ErrnoName | Should -Be $ErrnoName
        $dead.Operation | Should -Be 'Receive'
        ($script:labs[$Mode].Report.Rows | Where-Object IdleSeconds -EQ 1).Verdict | Should -Be 'Alive'
    }

    It '-Capture: the box''s forged RST (TTL 64) against the server''s SYN-ACK (TTL 63, one routed hop away) is Path' {
        $a = $script:labs['Reset'].Report.Answer
        $rows = @($script:labs['Reset'].Report.Rows)
        $dead = $rows | Where-Object IdleSeconds -EQ $a.ShortestDeadSeconds
        $dead.SynAckTtl | Should -Be 63 -Because 'the router forwarded the server''s SYN-ACK: 64 - 1'
        $dead.ResetTtl | Should -Be 64 -Because 'the router made the forged RST itself: nobody forwarded it'
        $dead.ResetFrom | Should -Be 'Path'
        $a.SynAckTtl | Should -Be 63
        $a.ResetTtl | Should -Be 64
        $a.ResetFrom | Should -Be 'Path'
        $a.Message | Should -Match 'forged'
        ($rows | Where-Object IdleSeconds -EQ 1).SynAckTtl | Should -Be 63
        ($rows | Where-Object IdleSeconds -EQ 1).ResetFrom | Should -BeNullOrEmpty -Because 'the 1 s connection answered its probe and was closed by us'
        @($script:labs['Drop'].Report.Rows | Where-Object { $null -ne $_.SynAckTtl }).Count | Should -Be 0 -Because 'the Drop run has no -Capture'
    }

    It 'Watch-TcpConnection with keepalive after 5 s idle through the same box: <Fate> (<ErrnoName>)' -TestCases @(
        @{ Mode = 'Reset'; Fate = 'Reset'; ErrnoName = 'ECONNRESET'; MinMs = 4500 }
        @{ Mode = 'Drop'; Fate = 'TimedOut'; ErrnoName = 'ETIMEDOUT'; MinMs = 6500 }
    ) {
        param($Mode, $Fate, $ErrnoName, $MinMs)
        $w = $script:labs[$Mode].Report.Watch
        $w.Fate | Should -Be $Fate
        $w.ErrnoName | Should -Be $ErrnoName
        $w.Operation | Should -Be 'Receive'
        $w.AfterMs | Should -BeGreaterThan $MinMs -Because 'the keepalive probe goes out after 5 s idle (then 2 probes 1 s apart when dropped)'
        $w.AfterMs | Should -BeLessThan 15000
        $w.TcpState | Should -Be 'CLOSE'
    }

    It 'stopped midway, it leaves no client socket and no error' {
        $r = $script:labs['Stop'].Report
        $r.State | Should -Be 'Stopped'
        $r.Errors | Should -BeNullOrEmpty
        $r.StopMs | Should -BeLessThan 5000
        $r.SocketsDuring | Should -BeGreaterThan $r.SocketsBefore
        $r.SocketsAfter | Should -Be $r.SocketsBefore -Because 'the server is a process of its own behind the router: none of ours may remain'
    }

    It 'leaves no namespace, nft table or process behind' {
        Wait-LabGone -Before $script:namespaces | Should -BeNullOrEmpty
        Get-HostNftTables | Should -BeNullOrEmpty
        Get-PeerProcessCount | Should -Be $script:peers
    }
}
