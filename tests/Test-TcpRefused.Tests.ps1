BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Test-TcpRefused reproduce mode (ConnectRefused)' {
    It 'observes ECONNREFUSED on <Family> loopback, as Linux documents' -Skip:(-not $IsLinux) -TestCases @(
        @{ Family = 'IPv4' }
        @{ Family = 'IPv6' }
    ) {
        param($Family)
        $o = @(Test-TcpRefused -AddressFamily $Family | Where-Object Actor -NE 'Kernel')
        $o.Count | Should -Be 1
        $o[0].Scenario | Should -Be 'ConnectRefused'
        $o[0].Operation | Should -Be 'Connect'
        $o[0].Result | Should -Be 'Error'
        $o[0].SocketError | Should -Be 'ConnectionRefused'
        $o[0].Errno | Should -Be 111
        $o[0].ErrnoName | Should -Be 'ECONNREFUSED'
        $o[0].Message | Should -Be 'Connection refused'
        $o[0].ElapsedMs | Should -BeGreaterThan 0
        $o[0].TcpState | Should -Be 'CLOSE'
        $o[0].Platform | Should -BeLike 'Linux *'
        $o[0].Expected | Should -BeLike 'Error ECONNREFUSED (*'
        $o[0].Matches | Should -BeTrue
    }

    It 'observes WSAECONNREFUSED 10061 on Windows' -Skip:(-not $IsWindows) {
        $o = Test-TcpRefused
        $o.ErrnoName | Should -Be 'WSAECONNREFUSED'
        $o.Errno | Should -Be 10061
        $o.Matches | Should -BeTrue
    }

    It 'observes ECONNREFUSED 61 on macOS' -Skip:(-not $IsMacOS) {
        $o = Test-TcpRefused
        $o.ErrnoName | Should -Be 'ECONNREFUSED'
        $o.Errno | Should -Be 61
        $o.Matches | Should -BeTrue
    }

    It 'runs both families with -AddressFamily Any' {
        $o = @(Test-TcpRefused -AddressFamily Any | Where-Object Actor -NE 'Kernel')
        $o.Count | Should -Be 2
        ($o.AddressFamily -join ',') | Should -Be 'IPv4,IPv6'
        @($o | Where-Object Result -EQ 'Error').Count | Should -Be 2
    }

    It 'round-trips through Export-Csv and Import-Csv' {
        $csv = Join-Path $TestDrive 'refused.csv'
        $o = Test-TcpRefused | Where-Object Actor -NE 'Kernel'
        $o | Export-Csv -Path $csv -NoTypeInformation
        $back = Import-Csv -Path $csv
        $back.Scenario | Should -Be $o.Scenario
        $back.ErrnoName | Should -Be $o.ErrnoName
        [int]$back.Errno | Should -Be $o.Errno
        [double]$back.ElapsedMs | Should -Be $o.ElapsedMs
        $back.Matches | Should -Be ([string]$o.Matches)
        ($back.PSObject.Properties.Name -join ',') | Should -Be 'Scenario,AddressFamily,Step,Actor,Operation,Result,SocketError,Errno,ErrnoName,Message,Bytes,ElapsedMs,TcpState,Platform,Expected,Matches,Note,AtMs'
    }

    It 'writes the engine log lines to the verbose stream' {
        $verbose = Test-TcpRefused -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'Running ConnectRefused'
        ($verbose.Message -join "`n") | Should -Match 'was bound and closed'
    }

    It 'writes per-step lines to the debug stream when $DebugPreference is Continue' {
        $DebugPreference = 'Continue'
        $debug = Test-TcpRefused 5>&1 | Where-Object { $_ -is [Management.Automation.DebugRecord] }
        ($debug.Message -join "`n") | Should -Match 'ConnectRefused step 1: Client Connect -> Error ECONNREFUSED'
    }
}

Describe 'Test-TcpRefused -Scenario comes from the catalogue' {
    It 'completes -Scenario with the members of its family, and only those' {
        $family = @(Get-SocketScenario | Where-Object Cmdlet -EQ 'Test-TcpRefused' | ForEach-Object MemberName)
        $family | Should -Contain 'ConnectRefused'
        $line = 'Test-TcpRefused -Scenario '
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be $family
        $line = 'Test-TcpRefused -Scenario Peer'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -BeNullOrEmpty -Because 'PeerExit belongs to Invoke-PeerCrash'
    }

    It 'names its family in the error for a scenario of another family' {
        $err = $null
        try { Test-TcpRefused -Scenario PeerExit -ErrorAction Stop } catch { $err = $_ }
        "$err" | Should -Match "Unknown scenario 'PeerExit'\. Test-TcpRefused -Scenario takes: ConnectRefused, "
    }
}

Describe 'Test-TcpRefused bad input' {
    It 'rejects <Case> with a parameter binding error' -TestCases @(
        @{ Case = 'an unknown scenario'; Splat = @{ Scenario = 'NoSuchScenario' }; Pattern = 'Unknown scenario' }
        @{ Case = 'an empty scenario'; Splat = @{ Scenario = '' }; Pattern = 'empty' }
        @{ Case = 'TimeoutMs 0'; Splat = @{ TimeoutMs = 0 }; Pattern = 'TimeoutMs' }
        @{ Case = 'a negative TimeoutMs'; Splat = @{ TimeoutMs = -5 }; Pattern = 'TimeoutMs' }
        @{ Case = 'an unknown address family'; Splat = @{ AddressFamily = 'IPX' }; Pattern = 'AddressFamily' }
    ) {
        param($Case, $Splat, $Pattern)
        Assert-BindingError Test-TcpRefused $Splat $Pattern
    }
}

# ---------------------------------------------------------------------------------------------
# Probe mode. Loopback only: every listener here is the test's own; nothing is resolved but
# localhost, which the engine answers itself (RFC 6761), so no DNS query leaves the machine.
# ---------------------------------------------------------------------------------------------

Describe 'Test-TcpRefused -ComputerName: forwarded to Test-TcpEndpoint for this release' {
    It 'still probes, and warns naming Test-TcpEndpoint; its -Quiet keeps meaning refused' {
        $closed = Get-ClosedLoopbackPort
        $r = @(Test-TcpRefused -ComputerName 127.0.0.1 -Port $closed -WarningVariable warned -WarningAction SilentlyContinue)
        $r.Count | Should -Be 1
        $r[0] | Should -BeOfType ([SocketProbe.Engine.Probe.ProbeResult])
        $r[0].Outcome | Should -Be 'Refused'
        "$warned" | Should -Match 'Test-TcpEndpoint'
        Test-TcpRefused -ComputerName 127.0.0.1 -Port $closed -Quiet -WarningAction SilentlyContinue | Should -BeTrue
        Test-TcpRefused -ComputerName 127.0.0.1 -Port $closed -Healthy -WarningAction SilentlyContinue | Should -BeFalse
    }
}

Describe 'Test-TcpRefused -Scenario is a front door to the catalogue (Linux)' -Skip:(-not $IsLinux) {
    # Each scenario's steps are checked against its documented Linux expectations once, for every
    # scenario, in Scenarios.Tests.ps1 (driven by the catalogue). Here: the front door runs the
    # catalogue's scenario, in the family asked for, and its calls are the documented ones.
    It '<Scenario> over <Family> through Test-TcpRefused: the scenario''s own rows, every call Matches' -TestCases @(
        @{ Scenario = 'ResetBeforeAccept'; Family = 'IPv4' }
        @{ Scenario = 'AcceptThenReset'; Family = 'IPv6' }
    ) {
        param($Scenario, $Family)
        $o = @(Test-TcpRefused -Scenario $Scenario -AddressFamily $Family | Where-Object Actor -NE 'Kernel')
        $o.Count | Should -BeGreaterThan 0
        $o.Scenario | Sort-Object -Unique | Should -Be $Scenario
        $o.AddressFamily | Sort-Object -Unique | Should -Be $Family
        $o | ForEach-Object { $_.Expected | Should -Not -BeNullOrEmpty; $_.Matches | Should -BeTrue -Because "step $($_.Step) is documented for Linux" }
    }

    # After the handshake: what the client of a server that resets, closes or stays silent really sees.
    It 'AcceptThenSilent: the silent read is ended by our own bound, with no errno' {
        $read = Test-TcpRefused -Scenario AcceptThenSilent | Where-Object Step -EQ 4
        $read.Errno | Should -BeNullOrEmpty
        $read.ElapsedMs | Should -BeGreaterOrEqual 450
        $read.Note | Should -Match 'our own bound of 500 ms'
    }

    It 'ListenerClosedWithQueue: both queued clients were reset by the close, not by anything they did' {
        $o = @(Test-TcpRefused -Scenario ListenerClosedWithQueue)
        ($o | Where-Object Step -In 4, 6).Note | ForEach-Object { $_ | Should -Match 'the RST was pending \(POLLERR\) [\d.]+ ms after the listener''s close' }
        ($o | Where-Object Step -In 4, 6).TcpState | Sort-Object -Unique | Should -Be 'CLOSE'
    }

    It 'ResetBeforeAccept: Linux accept() succeeds where Stevens says ECONNABORTED' {
        $accept = Test-TcpRefused -Scenario ResetBeforeAccept | Where-Object Operation -EQ 'Accept'
        $accept.Actor | Should -Be 'Peer'
        $accept.Result | Should -Be 'Success'
        $accept.Expected | Should -Match 'no ECONNABORTED'
    }
}
