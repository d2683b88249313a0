BeforeDiscovery {
    # The test cases below are read from the catalogue at discovery.
    . (Join-Path $PSScriptRoot 'common.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Invoke-PeerCrash with a real peer process' {
    BeforeEach { $script:peersBefore = Get-PeerProcessCount }
    AfterEach {
        # Every run reaps its peer: nothing may outlive a scenario.
        Get-PeerProcessCount | Should -Be $script:peersBefore -Because 'no peer process may be left behind'
    }

    # The cases come from the catalogue: every loopback member of the Invoke-PeerCrash family, every client action it plays.
    It '-Mode <Mode> -ClientAction <Action> over <Family>: every Linux step matches what was observed' -Skip:(-not $IsLinux) -TestCases @(
        foreach ($s in Get-SocketScenario | Where-Object { $_.Cmdlet -eq 'Invoke-PeerCrash' -and -not $_.NeedsLab }) {
            foreach ($action in $s.ClientActions -split ', ') {
                foreach ($family in 'IPv4', 'IPv6') { @{ Mode = $s.MemberName; Action = $action; Family = $family } }
            }
        }
    ) {
        param($Mode, $Action, $Family)
        $o = @(Invoke-PeerCrash -Mode $Mode -ClientAction $Action -AddressFamily $Family)
        $o.Count | Should -BeGreaterOrEqual 5
        $o | Select-SocketCall | ForEach-Object { $_.Expected | Should -Not -BeNullOrEmpty -Because "step $($_.Step) is documented for Linux" }
        $o | Where-Object { -not [SocketProbe.Engine.Operations]::IsSocketCall($_.Actor, $_.Operation) } | Where-Object { $_.Expected -or $null -ne $_.Matches } |
            Should -BeNullOrEmpty -Because 'a process end is not a socket call: nothing is matched against it'
        $o | Select-SocketCall | Where-Object { -not $_.Matches } | ForEach-Object { "step $($_.Step) $($_.Operation): observed $($_.Result) $($_.ErrnoName), expected $($_.Expected)" } |
            Should -BeNullOrEmpty
        ($o.Step -join ',') | Should -Be ((1..$o.Count) -join ',')
    }

    It 'KillWithUnreadData: the client reads ECONNRESET (104) right after the SIGKILL' -Skip:(-not $IsLinux) {
        $o = Invoke-PeerCrash -Mode KillWithUnreadData -ClientAction Receive
        $kill = $o | Where-Object Actor -EQ 'Peer'
        $kill.Operation | Should -Be 'Kill'
        $kill.Result | Should -Be 'Killed'
        $kill.Note | Should -Match 'killed by signal 9 \(SIGKILL\), wait status 0x0009'
        $recv = $o | Where-Object { $_.Step -eq $kill.Step + 1 }
        $recv.Operation | Should -Be 'Receive'
        $recv.ErrnoName | Should -Be 'ECONNRESET'
        $recv.Errno | Should -Be 104
        $recv.SocketError | Should -Be 'ConnectionReset'
        $recv.Message | Should -Be 'Connection reset by peer'
        $recv.TcpState | Should -Be 'CLOSE'
    }

    It 'Exit: EOF, one accepted send, then EPIPE (the RST arrived in CLOSE_WAIT)' -Skip:(-not $IsLinux) {
        $o = Invoke-PeerCrash -Mode Exit -ClientAction Receive
        ($o | Where-Object Actor -EQ 'Peer').Note | Should -Match 'exited with code 0'
        $client = @($o | Where-Object { $_.Actor -eq 'Client' -and $_.Step -gt 2 })
        $client[0].Result | Should -Be 'EndOfStream'
        $client[0].TcpState | Should -Be 'CLOSE_WAIT'
        $client[1].Result | Should -Be 'Success'
        $client[2].ErrnoName | Should -Be 'EPIPE'
        $client[2].SocketError | Should -Be 'Shutdown' -Because '.NET maps EPIPE to SocketError.Shutdown'
    }

    It 'Shutdown: the SIGTERM is seen in the real wait status' -Skip:(-not $IsLinux) {
        $peer = Invoke-PeerCrash -Mode Shutdown | Where-Object Actor -EQ 'Peer'
        $peer.Note | Should -Match 'kill\(peer, SIGTERM\)'
        $peer.Note | Should -Match 'signal 15 \(SIGTERM\)'
    }

    It 'runs the peer through PowerShell when no dotnet muxer is used' -Skip:(-not $IsLinux) {
        $env:SOCKETPROBE_PEER_HOST = 'pwsh'
        try { $o = @(Invoke-PeerCrash -Mode Abort -ClientAction Send) } finally { Remove-Item Env:SOCKETPROBE_PEER_HOST }
        ($o | Where-Object Step -EQ 3).ErrnoName | Should -Be 'ECONNRESET'
    }

    It 'stops after <DelayMs> ms (as Ctrl+C does) and leaves no peer process behind' -Skip:(-not $IsLinux) -TestCases @(
        @{ DelayMs = 150 }, @{ DelayMs = 400 }, @{ DelayMs = 1000 }
    ) {
        param($DelayMs)
        # Back-to-back runs: most of the time a peer process is alive when the stop lands. Enough
        # of them to outlast the longest delay with the NativeAOT peer (~15 ms a run).
        $stop = Stop-Midway -Script '1..400 | ForEach-Object { Invoke-PeerCrash -Mode KillWithUnreadData }' -DelayMs $DelayMs
        Assert-StoppedCleanly $stop
    }
}

Describe 'Invoke-PeerCrash bad input' {
    It 'rejects <Case>' -TestCases @(
        @{ Case = 'an unknown mode'; Splat = @{ Mode = 'Explode' }; Id = 'ParameterArgumentValidationError*' }
        @{ Case = 'an empty mode'; Splat = @{ Mode = '' }; Id = 'ParameterArgumentValidationError*' }
        @{ Case = 'a client action the mode cannot play'; Splat = @{ Mode = 'Exit'; ClientAction = 'Keepalive' }; Id = 'ClientActionNotSupported*' }
        @{ Case = 'TimeoutMs 0'; Splat = @{ TimeoutMs = 0 }; Id = 'ParameterArgumentValidationError*' }
    ) {
        param($Case, $Splat, $Id)
        $err = $null
        try { Invoke-PeerCrash @Splat -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike $Id
        $err.CategoryInfo.Category | Should -BeIn 'InvalidArgument', 'InvalidData'
    }
}

Describe 'Invoke-PeerCrash -Mode comes from the catalogue' {
    BeforeAll {
        $script:modes = @(Get-SocketScenario | Where-Object Cmdlet -EQ 'Invoke-PeerCrash' | ForEach-Object MemberName | Select-Object -Unique)
    }

    It 'keeps every mode it has always had' {
        foreach ($m in 'Exit', 'Kill', 'KillWithUnreadData', 'Abort', 'Shutdown', 'HostCrash', 'Reboot', 'IcmpUnreachable') { $modes | Should -Contain $m }
    }

    It 'completes -Mode with every member of its family, and only those' {
        $line = 'Invoke-PeerCrash -Mode '
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be $modes
        $line = 'Invoke-PeerCrash -Mode Kil'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'Kill', 'KillWithUnreadData'
        $line = 'SocketProbe\Invoke-PeerCrash Abo'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'Abort'
    }

    It 'names every mode in the error for an unknown one' {
        $err = $null
        try { Invoke-PeerCrash -Mode Explode -ErrorAction Stop } catch { $err = $_ }
        "$err" | Should -BeLike "*Unknown mode 'Explode'. Invoke-PeerCrash -Mode takes: $($modes -join ', ').*"
        "$err" | Should -Not -Match '   at '
    }

    It 'takes a mode in any case, and HostCrash -ClientAction Keepalive picks its own scenario' {
        $info = Get-SocketScenario PeerHostCrashKeepalive
        $info.FrontDoor | Should -Be 'Invoke-PeerCrash -Mode HostCrash -ClientAction Keepalive'
        (Get-SocketScenario PeerExit).FrontDoor | Should -Be 'Invoke-PeerCrash -Mode Exit'
        (@(Invoke-PeerCrash -Mode exit -ClientAction Send)[0]).Scenario | Should -Be 'PeerExit'
    }

    It 'documents every mode in docs/Invoke-PeerCrash.md' {
        $page = Get-Content (Join-Path $RepoRoot 'docs/Invoke-PeerCrash.md') -Raw
        $accepted = [regex]::Match($page, '(?ms)^### -Mode.*?^Accepted values: (.*?)$').Groups[1].Value.Trim()
        ($accepted -split ',\s*') | Should -Be $modes
    }
}

Describe 'Invoke-PeerCrash -Mode HostCrash -ClientAction Keepalive: the keepalive clock starts with the read' -Tag Lab -Skip:(-not $IsLinux -or $null -ne $LabUnavailable) {
    It 'ends within idle + count x interval of the read, however long the fault took to apply' {
        # An nft that takes a second (as under several matrices at once) between the handshake and the
        # read: with SO_KEEPALIVE on from the connect, the kernel's idle counted from the handshake and
        # the read ended a second early, outside its window, though the kernel kept its timers.
        $tools = Join-Path $TestDrive 'slow-nft'
        New-Item -ItemType Directory -Path $tools | Out-Null
        foreach ($t in 'unshare', 'ip', 'setpriv') {
            if ($real = [SocketProbe.Engine.Lab.LabEnvironment]::FindTool($t)) { New-Item -ItemType SymbolicLink -Path (Join-Path $tools $t) -Target $real | Out-Null }
        }
        Set-Content -Path (Join-Path $tools 'nft') -Value "#!/bin/sh`nsleep 1`nexec '$([SocketProbe.Engine.Lab.LabEnvironment]::FindTool('nft'))' `"`$@`""
        & chmod +x (Join-Path $tools 'nft')
        $env:SOCKETPROBE_LAB_PATH = $tools
        try { $o = @(Invoke-PeerCrash -Mode HostCrash -ClientAction Keepalive) } finally { Remove-Item Env:SOCKETPROBE_LAB_PATH }
        $read = $o | Where-Object Step -EQ 3
        "$($read.Result) $($read.ErrnoName)" | Should -Be 'Error ETIMEDOUT'
        $read.Matches | Should -BeTrue -Because "the read must end when the kernel's keepalive gives up counted from its start: $($read.Expected); took $($read.ElapsedMs) ms"
    }
}
