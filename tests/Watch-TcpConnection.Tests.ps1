# Watch-TcpConnection against loopback servers of the test's own (New-TestServer, tests/TestKit.psm1). The lab
# cases (a middlebox that forgets the flow: Reset, and keepalive giving up: TimedOut) run in
# Find-TcpIdleTimeout.Tests.ps1, which shares one namespace run for both cmdlets.
# Our own side never reported as the target (issue 23): OwnSide.Tests.ps1, for both cmdlets.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Watch-TcpConnection classifies how a connection ends' -Skip:(-not $IsLinux) {
    It 'a server that <Behavior>s on accept: <Fate> over <Family>' -TestCases @(
        @{ Behavior = 'Reset'; Family = 'IPv4'; Fate = 'Reset' }
        @{ Behavior = 'Reset'; Family = 'IPv6'; Fate = 'Reset' }
        @{ Behavior = 'Close'; Family = 'IPv4'; Fate = 'Closed' }
        @{ Behavior = 'Close'; Family = 'IPv6'; Fate = 'Closed' }
        @{ Behavior = 'Silent'; Family = 'IPv4'; Fate = 'Alive' }
        @{ Behavior = 'Silent'; Family = 'IPv6'; Fate = 'Alive' }
        @{ Behavior = 'Echo'; Family = 'IPv4'; Fate = 'Alive' }
        @{ Behavior = 'Echo'; Family = 'IPv6'; Fate = 'Alive' }
    ) {
        param($Behavior, $Family, $Fate)
        $server = New-TestServer -Behavior $Behavior -Family $Family
        try {
            $target = if ($Family -eq 'IPv6') { '::1' } else { '127.0.0.1' }
            # No 'ping' to a server that closes on accept: data it has not read when it closes turns
            # its FIN into an RST (RFC 2525 2.17), and which comes first is a race under load.
            $send = if ($Behavior -eq 'Close') { @{} } else { @{ Send = 'ping' } }
            $r = @(Watch-TcpConnection -ComputerName $target -Port $server.Port -HoldSeconds 2 @send)
        }
        finally { $server.Dispose() }
        $r.Count | Should -Be 1
        $r[0].Fate | Should -Be $Fate
        $r[0].AddressFamily | Should -Be $Family
        switch ($Fate) {
            'Reset' {
                # The RST may beat the connect's completion on loopback (then connect itself says ECONNRESET).
                $r[0].Operation | Should -BeIn 'Connect', 'Receive', 'Send'
                $r[0].ErrnoName | Should -Be 'ECONNRESET'
                $r[0].Errno | Should -Be 104
                $r[0].SocketError | Should -Be 'ConnectionReset'
            }
            'Closed' {
                $r[0].Operation | Should -Be 'Receive'
                $r[0].ErrnoName | Should -BeNullOrEmpty
                $r[0].AfterMs | Should -BeLessThan 1500 -Because 'the server closed at accept, not at the end of the hold'
            }
            'Alive' {
                $r[0].Operation | Should -Be 'Hold'
                $r[0].TcpState | Should -Be 'ESTABLISHED'
                $r[0].AfterMs | Should -BeGreaterThan 1900 -Because 'a connection nobody ended is reported when the 2 s hold ends'
                $r[0].BytesSent | Should -Be 4
                if ($Behavior -eq 'Echo') { $r[0].BytesReceived | Should -Be 4 } else { $r[0].BytesReceived | Should -Be 0 }
                $r[0].RttMs | Should -Not -BeNullOrEmpty
            }
        }
    }

    It 'a server that closes after 2 s idle: Closed at about 2 s, idle all along, over <Family>' -TestCases @(
        @{ Family = 'IPv4' }
        @{ Family = 'IPv6' }
    ) {
        param($Family)
        $server = New-TestServer -Behavior IdleClose -IdleCloseMs 2000 -Family $Family
        try {
            $target = if ($Family -eq 'IPv6') { '[::1]' } else { '127.0.0.1' }
            $r = @(Watch-TcpConnection -ComputerName "${target}:$($server.Port)" -HoldSeconds 10)
        }
        finally { $server.Dispose() }
        $r.Count | Should -Be 1
        $r[0].Fate | Should -Be 'Closed'
        $r[0].Operation | Should -Be 'Receive'
        # What is reported must be when the FIN came: a window around 2000 ms (a correctness check, not a speed test).
        $r[0].AfterMs | Should -BeGreaterThan 1800
        $r[0].AfterMs | Should -BeLessThan 4000
        $r[0].IdleMs | Should -BeGreaterThan 1800 -Because 'no byte moved either way'
        $r[0].TcpState | Should -Be 'CLOSE_WAIT' -Because 'the server sent FIN; we have not closed yet when TCP_INFO is read'
    }

    It 'holds -Count connections per address and numbers them' {
        $server = New-TestServer -Behavior Silent
        try { $r = @(Watch-TcpConnection 127.0.0.1 $server.Port -Count 3 -HoldSeconds 1) } finally { $server.Dispose() }
        $r.Count | Should -Be 3
        ($r.Connection | Sort-Object) -join ',' | Should -Be '1,2,3'
        $r.Fate | Sort-Object -Unique | Should -Be 'Alive'
    }

    It 'a heartbeat keeps the connection busy: bytes go out every second and the idle time stays short' {
        $server = New-TestServer -Behavior Echo
        try { $r = Watch-TcpConnection 127.0.0.1 $server.Port -HoldSeconds 3 -Send 'x' -HeartbeatSeconds 1 } finally { $server.Dispose() }
        $r.Fate | Should -Be 'Alive'
        $r.BytesSent | Should -BeGreaterOrEqual 3
        # The last heartbeat may coincide with the end of the hold, before its echo is back.
        $r.BytesReceived | Should -BeIn ($r.BytesSent - 1), $r.BytesSent
        $r.IdleMs | Should -BeLessThan 1500
    }

    It 'a -Send larger than the server''s window, to a server that never reads, ends with the hold and says the server is not reading' {
        $server = New-TestServer -Behavior Silent
        try {
            # Bounded by the test: before the fix the first send waited for nothing but Ctrl+C.
            $run = Invoke-Bounded -Script "Watch-TcpConnection 127.0.0.1 $($server.Port) -HoldSeconds 1 -Send ('A' * 10MB)" -TimeoutSeconds 30
        }
        finally { $server.Dispose() }
        $run.Finished | Should -BeTrue -Because 'every send is bounded by the hold'
        $run.Errors | Should -BeNullOrEmpty
        $r = @($run.Output)
        $r.Count | Should -Be 1
        $r[0].Fate | Should -Be 'Alive'
        $r[0].Operation | Should -Be 'Hold'
        $r[0].BytesSent | Should -BeLessThan 10MB -Because 'the server took only what its window held'
        $r[0].Message | Should -Match 'still waited to be sent.*not reading'
    }

    It 'a closed port is Refused at connect (ECONNREFUSED)' {
        $port = Get-ClosedLoopbackPort
        $r = Watch-TcpConnection 127.0.0.1 $port -HoldSeconds 1
        $r.Fate | Should -Be 'Refused'
        $r.Operation | Should -Be 'Connect'
        $r.ErrnoName | Should -Be 'ECONNREFUSED'
        $r.AfterMs | Should -BeNullOrEmpty
    }

    It 'takes targets from the pipeline, by value and by property name' {
        $server = New-TestServer -Behavior Close
        try {
            $a = @("127.0.0.1:$($server.Port)" | Watch-TcpConnection -HoldSeconds 1)
            $b = @([pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $server.Port } | Watch-TcpConnection -HoldSeconds 1)
        }
        finally { $server.Dispose() }
        $a.Fate | Should -Be 'Closed'
        $b.Fate | Should -Be 'Closed'
        $b.Port | Should -Be $server.Port
    }

    It 'keepalive options apply: a silent server answers the probes and the connection stays Alive' {
        $server = New-TestServer -Behavior Silent
        try { $r = Watch-TcpConnection 127.0.0.1 $server.Port -HoldSeconds 3 -KeepAliveIdleSeconds 1 -KeepAliveIntervalSeconds 1 -KeepAliveCount 2 } finally { $server.Dispose() }
        $r.Fate | Should -Be 'Alive'
        $r.Probes | Should -Be 0 -Because 'every keepalive probe was answered on loopback'
    }
}

Describe 'Watch-TcpConnection bad input' {
    It '<Case> is a clear error' -TestCases @(
        @{ Case = 'an empty target'; Script = { Watch-TcpConnection -ComputerName '' -Port 80 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'a negative hold'; Script = { Watch-TcpConnection 127.0.0.1 -Port 80 -HoldSeconds -1 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'port 0'; Script = { Watch-TcpConnection 127.0.0.1 -Port 0 }; Id = 'ParameterArgumentValidationError' }
        @{ Case = 'a heartbeat without -Send'; Script = { Watch-TcpConnection 127.0.0.1 -Port 80 -HeartbeatSeconds 1 }; Id = 'HeartbeatWithoutSend' }
        @{ Case = 'a negative keepalive idle'; Script = { Watch-TcpConnection 127.0.0.1 -Port 80 -KeepAliveIdleSeconds -5 }; Id = 'ParameterArgumentValidationError' }
    ) {
        param($Case, $Script, $Id)
        Assert-BadInput $Script $Id
    }

    It 'a malformed target is a non-terminating error and the others still run' {
        $server = New-TestServer -Behavior Close
        try { $r = @(Watch-TcpConnection 'a:b:c', "127.0.0.1:$($server.Port)" -HoldSeconds 1 -ErrorVariable e -ErrorAction SilentlyContinue) } finally { $server.Dispose() }
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'InvalidTarget*'
        $r.Count | Should -Be 1
        $r[0].Fate | Should -Be 'Closed'
    }
}

Describe 'Stopping Watch-TcpConnection midway (Ctrl+C)' -Skip:(-not $IsLinux) {
    It 'stops promptly, keeps what it emitted, and leaves no socket behind' {
        $server = New-TestServer -Behavior Silent
        $closed = New-TestServer -Behavior Close
        try {
            $before = Get-SocketCount
            $stop = Stop-Midway -Script "Watch-TcpConnection 127.0.0.1 -Port $($server.Port), $($closed.Port) -Count 5 -HoldSeconds 60" -DelayMs 1500
            Assert-StoppedCleanly $stop
            # What it had: the five connections the closing server ended.
            @($stop.Output | Where-Object Fate -EQ 'Closed').Count | Should -Be 5
            # Our client sockets are gone; the silent server still holds the 5 it accepted.
            Wait-SocketCount { $before + $server.Held }
            $server.Held | Should -Be 5
            Get-SocketCount | Should -Be ($before + $server.Held)
        }
        finally { $server.Dispose(); $closed.Dispose() }
    }
}
