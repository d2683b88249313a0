BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

# Each scenario's steps against its documented Linux expectations: tests/Scenarios.Tests.ps1, from the catalogue.

Describe 'Invoke-SocketScenario details (Linux)' -Skip:(-not $IsLinux) {
    It 'SendBufferFull on <Family>: bytes accepted before EAGAIN, and the buffer sizes Linux really used' -TestCases @(
        @{ Family = 'IPv4' }
        @{ Family = 'IPv6' }
    ) {
        param($Family)
        $o = @(Invoke-SocketScenario SendBufferFull -AddressFamily $Family)
        $run = $o | Where-Object Step -EQ 1
        $run.Bytes | Should -BeGreaterThan 0
        $m = [regex]::Match($run.Note, '^(\d+) non-blocking send\(\) calls')
        $m.Success | Should -BeTrue
        [int]$m.Groups[1].Value | Should -BeGreaterThan 0
        $refused = $o | Where-Object Step -EQ 2
        $refused.Note | Should -Match "refused after $($run.Bytes) bytes accepted"
        # 4096 was asked for; Linux doubles SO_SNDBUF/SO_RCVBUF (socket(7), net/core/sock.c sk_setsockopt).
        $refused.Note | Should -Match 'client SO_SNDBUF 8192, SO_RCVBUF 8192; peer SO_RCVBUF 8192'
        $m = [regex]::Match($refused.Note, 'peer has (\d+) bytes unread')
        $m.Success | Should -BeTrue
        [long]$m.Groups[1].Value | Should -BeGreaterThan 0
        [long]$m.Groups[1].Value | Should -BeLessThan $run.Bytes
    }

    It 'ByteOrderMismatch on <Family>: the value read is the byte-swapped one' -TestCases @(
        @{ Family = 'IPv4' }
        @{ Family = 'IPv6' }
    ) {
        param($Family)
        $o = @(Invoke-SocketScenario ByteOrderMismatch -AddressFamily $Family)
        ($o | Where-Object Step -EQ 1).Bytes | Should -Be 4
        $read = $o | Where-Object Step -EQ 2
        $read.Bytes | Should -Be 4
        $m = [regex]::Match($read.Note, 'sent (\d+) \(0x([0-9A-F]{8})\) big-endian; read as little-endian: (\d+) \(0x([0-9A-F]{8})\)')
        $m.Success | Should -BeTrue
        $sent = [uint32]$m.Groups[1].Value
        $wrong = [uint32]$m.Groups[3].Value
        [uint32]('0x' + $m.Groups[4].Value) | Should -Be $wrong
        $sent | Should -Be 1000
        $wrong | Should -Be ([Buffers.Binary.BinaryPrimitives]::ReverseEndianness($sent))
        $wrong | Should -Be 3892510720
        $wrong | Should -Not -Be $sent
        $read.Note | Should -Match 'bytes received 00 00 03 E8; read as big-endian \(ntohl\): 1000'
    }

    It 'HalfClose: the client still receives after its own shutdown, then sees the peer''s FIN' {
        $o = @(Invoke-SocketScenario HalfClose)
        $got = $o | Where-Object Step -EQ 4
        $got.Bytes | Should -BeGreaterThan 0
        $got.Note | Should -Match 'still talking after your FIN'
        $got.TcpState | Should -Be 'FIN_WAIT2'
        # The client's end went to TIME_WAIT; the socket the program holds reports CLOSE.
        ($o | Where-Object Step -EQ 6).TcpState | Should -Be 'CLOSE'
    }

    It 'UdpPortUnreachable on <Family>: names the ICMP message that became the error' -TestCases @(
        @{ Family = 'IPv4'; Icmp = 'ICMP destination unreachable, code 3' }
        @{ Family = 'IPv6'; Icmp = 'ICMPv6 destination unreachable, code 4' }
    ) {
        param($Family, $Icmp)
        $o = @(Invoke-SocketScenario UdpPortUnreachable -AddressFamily $Family)
        ($o | Where-Object Step -EQ 2).Bytes | Should -BeGreaterThan 0
        ($o | Where-Object Step -EQ 3).Note | Should -BeLike "*$Icmp*"
        # The error is asynchronous, but on loopback it is there long before our own bound.
        ($o | Where-Object Step -EQ 3).ElapsedMs | Should -BeLessThan 1000
    }

    It 'releases its sockets: no file descriptors left behind' {
        $names = 'SendBufferFull', 'HalfClose', 'UdpPortUnreachable', 'ByteOrderMismatch'
        Assert-SocketsReleased { $names | ForEach-Object { Invoke-SocketScenario $_ -AddressFamily Any } } -Times 3
    }
}

# Each platform's own error numbers, observed on that platform only.
Describe 'Invoke-SocketScenario on <Platform>' -ForEach @(
    @{ Platform = 'Windows'; Here = [bool]$IsWindows; UdpName = 'WSAECONNRESET'; UdpErrno = 10054; BufferNames = @('WSAEWOULDBLOCK'); BufferErrno = 10035 }
    @{ Platform = 'macOS'; Here = [bool]$IsMacOS; UdpName = 'ECONNREFUSED'; UdpErrno = 61; BufferNames = @('EAGAIN', 'EWOULDBLOCK'); BufferErrno = 35 }
) {
    It 'UdpPortUnreachable: the next receive fails with <UdpName> <UdpErrno>' -Skip:(-not $Here) {
        $s = Invoke-SocketScenario UdpPortUnreachable | Where-Object Step -EQ 3
        $s.ErrnoName | Should -Be $UdpName
        $s.Errno | Should -Be $UdpErrno
        $s.Matches | Should -BeTrue
    }
    It 'SendBufferFull: <BufferNames> <BufferErrno>' -Skip:(-not $Here) {
        $s = Invoke-SocketScenario SendBufferFull | Where-Object Step -EQ 2
        $s.ErrnoName | Should -BeIn $BufferNames
        $s.Errno | Should -Be $BufferErrno
        $s.Matches | Should -BeTrue
    }
}

Describe 'Invoke-SocketScenario, any platform' {
    It 'gives the same shape as Test-TcpRefused for ConnectRefused' {
        $a = @(Test-TcpRefused -AddressFamily Any)
        $b = @(Invoke-SocketScenario -Name ConnectRefused -AddressFamily Any)
        $b.Count | Should -Be $a.Count
        ($b[0].PSObject.Properties.Name -join ',') | Should -Be ($a[0].PSObject.Properties.Name -join ',')
        $b[0].GetType().FullName | Should -Be 'SocketProbe.Engine.Observation'
        foreach ($i in 0..($a.Count - 1)) {
            foreach ($p in 'Scenario', 'Step', 'Actor', 'Operation', 'Result', 'SocketError', 'Errno', 'ErrnoName', 'Message', 'Platform', 'Expected', 'Matches') {
                $b[$i].$p | Should -Be $a[$i].$p -Because "property $p of observation $i"
            }
        }
    }

    It 'takes names from the pipeline by property name' {
        $o = @([pscustomobject]@{ Name = 'ByteOrderMismatch' }, [pscustomobject]@{ Name = 'HalfClose' } | Invoke-SocketScenario)
        ($o.Scenario | Select-Object -Unique) -join ',' | Should -Be 'ByteOrderMismatch,HalfClose'
    }

    It 'takes names from the pipeline by value' {
        $o = @('HalfClose', 'UdpPortUnreachable' | Invoke-SocketScenario)
        ($o.Scenario | Select-Object -Unique) -join ',' | Should -Be 'HalfClose,UdpPortUnreachable'
    }

    It 'accepts a name in any letter case' {
        (@(Invoke-SocketScenario -Name bytEordermismatch)).Scenario | Select-Object -Unique | Should -Be 'ByteOrderMismatch'
    }

    It 'runs both families with -AddressFamily Any' {
        $o = @(Invoke-SocketScenario ByteOrderMismatch -AddressFamily Any | Where-Object Actor -NE 'Kernel')
        $o.Count | Should -Be 4
    }

    It 'completes scenario names from the catalogue' {
        $line = 'Invoke-SocketScenario -Name Udp'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'UdpPortUnreachable'
    }

    It 'writes the engine log lines to the verbose stream' {
        $verbose = Invoke-SocketScenario SendBufferFull -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'Running SendBufferFull'
    }

    It 'rejects <Case> with a parameter binding error' -TestCases @(
        @{ Case = 'an unknown scenario'; Splat = @{ Name = 'NoSuchScenario' }; Pattern = 'Unknown scenario' }
        @{ Case = 'an empty name'; Splat = @{ Name = '' }; Pattern = 'empty' }
        @{ Case = 'TimeoutMs 0'; Splat = @{ Name = 'HalfClose'; TimeoutMs = 0 }; Pattern = 'TimeoutMs' }
        @{ Case = 'a negative TimeoutMs'; Splat = @{ Name = 'HalfClose'; TimeoutMs = -5 }; Pattern = 'TimeoutMs' }
        @{ Case = 'an unknown address family'; Splat = @{ Name = 'HalfClose'; AddressFamily = 'IPX' }; Pattern = 'AddressFamily' }
    ) {
        param($Case, $Splat, $Pattern)
        Assert-BindingError Invoke-SocketScenario $Splat $Pattern
    }

    It 'rejects an unknown name that arrives from the pipeline' {
        $err = $null
        try { [pscustomobject]@{ Name = 'Nope' } | Invoke-SocketScenario -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        "$err" | Should -Match 'Unknown scenario'
    }
}
