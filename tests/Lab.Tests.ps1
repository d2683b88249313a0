# The Linux namespace lab: each lab scenario asserts what Linux really returned, and that nothing is
# left behind: no namespace, no nft table in the host namespace, no peer process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # Every run of tests/lab/LabRuns.psd1 side by side, each in a thread of its own through its front
    # door (as the matrix runs them): the kernel timers they wait for overlap instead of adding up.
    $script:LabRuns = @{}
    if ($IsLinux) {
        $script:LabRunsNamespaces = Get-NetNamespaceIds
        $script:LabRunsPeers = Get-PeerProcessCount
        $manifest = Join-Path $RepoRoot 'SocketProbe.psd1'
        $jobs = foreach ($run in (Import-PowerShellDataFile (Join-Path $PSScriptRoot 'lab/LabRuns.psd1')).Runs) {
            $command = $run.Run   # the data file's own fixed text
            @{ Name = $run.Name; Job = Start-ThreadJob -ThrottleLimit 16 -ScriptBlock {
                    Import-Module $using:manifest
                    & ([scriptblock]::Create($using:command))
                } }
        }
        foreach ($j in $jobs) {
            $null = Wait-Job $j.Job -Timeout 120
            $script:LabRuns[$j.Name] = @(Receive-Job $j.Job -ErrorAction Continue)
            Remove-Job $j.Job -Force
        }
    }
}

Describe 'The namespace lab can run here' -Tag Lab -Skip:(-not $IsLinux) {
    It 'has unshare, ip, nft and the right to make a network namespace (CI installs them)' {
        $script:LabUnavailable | Should -BeNullOrEmpty
    }
}

Describe 'Lab scenario <Name>' -Tag Lab -Skip:(-not $IsLinux) -ForEach (Import-PowerShellDataFile (Join-Path $PSScriptRoot 'lab/LabRuns.psd1')).Runs {
    BeforeAll {
        $script:o = @($script:LabRuns[$Name])
    }

    It 'ran (not Skipped) and every step matches what Linux is documented to do' {
        $script:o.Count | Should -BeGreaterThan 0
        $script:o.Result | Should -Not -Contain 'Skipped'
        $script:o | Select-SocketCall | Where-Object { -not $_.Matches } | ForEach-Object { "step $($_.Step) $($_.Operation): observed $($_.Result) $($_.ErrnoName); expected $($_.Expected)" } |
            Should -BeNullOrEmpty
        ($script:o.Step -join ',') | Should -Be ((1..$script:o.Count) -join ',')
    }

    It 'ends with <Final>, after the kernel timer it waits for' {
        $last = @($script:o | Where-Object Actor -NE 'Kernel')[-1]
        "$($last.Operation) $($last.Result) $($last.ErrnoName)" | Should -Be $Final
        if ($MinMs) { $last.ElapsedMs | Should -BeGreaterThan $MinMs -Because 'the error comes from the kernel timer, not at once' }
    }

    It 'closes with the counters it moved, exact: measured in its own namespace' {
        $k = @($script:o | Where-Object Actor -EQ 'Kernel')
        $k.Count | Should -Be 1
        $k[0].Step | Should -Be ($script:o.Count) -Because 'the counters row is numbered after the last step'
        $k[0].Operation | Should -Be 'Counters'
        $k[0].Note | Should -Match '\(exact: the lab''s own network namespace'
        $k[0].Expected | Should -BeNullOrEmpty
        $k[0].Matches | Should -BeNullOrEmpty
    }

    It 'leaves no namespace, nft table or peer process behind (all runs done)' {
        Wait-LabGone -Before $script:LabRunsNamespaces | Should -BeNullOrEmpty
        Get-HostNftTables | Should -BeNullOrEmpty
        Get-PeerProcessCount | Should -Be $script:LabRunsPeers
    }
}

Describe 'Lab facts the docs rely on' -Tag Lab -Skip:(-not $IsLinux) {
    It 'a reboot answers the first segment with RST: ECONNRESET, then EPIPE' {
        $o = Invoke-PeerCrash -Mode Reboot
        ($o | Where-Object Step -EQ 3).Note | Should -Match 'killed by signal 9'
        ($o | Where-Object Step -EQ 6).ErrnoName | Should -Be 'ECONNRESET'
        ($o | Where-Object Step -EQ 6).Errno | Should -Be 104
    }

    It 'ICMP unreachable on an established connection is reported only when the user timeout ends it' {
        $o = Invoke-PeerCrash -Mode IcmpUnreachable -UserTimeoutMs 1500
        $recv = $o | Where-Object Step -EQ 4
        $recv.ErrnoName | Should -Be 'EHOSTUNREACH'
        $recv.ElapsedMs | Should -BeGreaterThan 1400
    }

    It 'runs on the managed peer (<PeerHost>) as on the native one: same steps, every one matching' -TestCases @(
        @{ PeerHost = 'dotnet' }, @{ PeerHost = 'pwsh' }
    ) {
        param($PeerHost)
        # Test and Run build the NativeAOT peer on Linux, so most lab runs use it; a machine where
        # it cannot be built runs the managed one, through the dotnet muxer or through PowerShell.
        $env:SOCKETPROBE_PEER_HOST = $PeerHost
        try { $rows = @(Invoke-PeerCrash -Mode Reboot) } finally { Remove-Item Env:SOCKETPROBE_PEER_HOST }
        $calls = @($rows | Where-Object { $null -ne $_.Matches })
        $calls.Count | Should -BeGreaterThan 3
        $calls | Where-Object Matches -NE $true | Should -BeNullOrEmpty
        "$($calls[-1].Operation) $($calls[-1].ErrnoName)" | Should -Be 'Send EPIPE'
    }

    It '<Name> over IPv6: <Errno> from fd00:5350::1 to the lab''s own IPv6 addresses, every call matching' -TestCases @(
        @{ Name = 'ConnectNoRoute'; Errno = 'ENETUNREACH'; Step = 1; MinMs = 0 }
        # The first ICMPv6 error comes while connect() holds the socket (a soft error); the retransmitted SYN's fails it.
        @{ Name = 'ConnectHostUnreachable'; Errno = 'EHOSTUNREACH'; Step = 2; MinMs = 900 }
        @{ Name = 'ConnectTimeout'; Errno = 'ETIMEDOUT'; Step = 2; MinMs = 2900 }
        # Established connections to a peer process on fd00:5350::2 (HostCrash and Keepalive run the same way).
        @{ Name = 'PeerReboot'; Errno = 'EPIPE'; Step = 7; MinMs = 0 }
        @{ Name = 'IcmpUnreachableEstablished'; Errno = 'EHOSTUNREACH'; Step = 4; MinMs = 2700 }
        # The lab's own server in this process; the others (HalfOpenSynRecv, MiddleboxIdleDrop, the MTU
        # black holes) run the same way over IPv6 and take 3-5 s each.
        @{ Name = 'AcceptOverflowReset'; Errno = 'ECONNRESET'; Step = 7; MinMs = 0 }
        @{ Name = 'EphemeralPortExhaustion'; Errno = 'EADDRNOTAVAIL'; Step = 7; MinMs = 0 }
        @{ Name = 'MiddleboxIdleReset'; Errno = 'EPIPE'; Step = 7; MinMs = 0 }
    ) {
        param($Name, $Errno, $Step, $MinMs)
        $o = @(Invoke-SocketScenario -Name $Name -AddressFamily IPv6)
        $o | Where-Object Result -EQ 'Skipped' | Should -BeNullOrEmpty
        $calls = @($o | Where-Object { $null -ne $_.Matches })
        $calls | Where-Object Matches -NE $true | Should -BeNullOrEmpty
        $final = @($o | Where-Object { $_.Step -eq $Step -and $null -ne $_.Matches })
        $final.Count | Should -Be 1
        $final[0].AddressFamily | Should -Be 'IPv6'
        $final[0].ErrnoName | Should -Be $Errno
        $final[0].ElapsedMs | Should -BeGreaterOrEqual $MinMs
        ($o | Where-Object Operation -EQ 'Counters').Note | Should -Match 'Ip6|Icmp6|Tcp'
    }
}

Describe 'Production causes in the lab: what Linux really did' -Tag Lab -Skip:(-not $IsLinux) {
    It 'AcceptOverflowReset: the held ACK left the server in SYN_RECV, two connections filled backlog 1, the released ACK drew RST' {
        $o = Test-TcpRefused -Scenario AcceptOverflowReset
        ($o | Where-Object Step -EQ 2).Note | Should -Match 'SYN_RECV'
        ($o | Where-Object Step -EQ 4).Note | Should -Match 'accept queue 2 of backlog 1'
        $reset = $o | Where-Object Step -EQ 7
        $reset.Errno | Should -Be 104
        $reset.ElapsedMs | Should -BeLessThan 1000 -Because 'the RST answers the client''s first segment, no timer is involved'
    }

    It 'HalfOpenSynRecv: the server''s request expired after its SYN-ACK retries (TCP_SYNCNT 1: about 3 s), then the first segment drew RST' {
        $o = Test-TcpRefused -Scenario HalfOpenSynRecv
        $expired = $o | Where-Object Step -EQ 3
        $expired.Result | Should -Be 'Success'
        $expired.ElapsedMs | Should -BeGreaterThan 2500
        $expired.Note | Should -Match 'gone from /proc/net/tcp'
        ($o | Where-Object Step -EQ 6).ErrnoName | Should -Be 'ECONNRESET'
    }

    It 'EphemeralPortExhaustion: two ports, two connections; the third connect and one after a close fail locally, TIME_WAIT holding the port' {
        $o = Test-TcpRefused -Scenario EphemeralPortExhaustion
        $ports = @($o | Where-Object { $_.Step -in 2, 3 } | ForEach-Object { [int]($_.Note -replace '^local port (\d+).*$', '$1') })
        $ports.Count | Should -Be 2
        $ports[0] | Should -Not -Be $ports[1]
        ($o | Where-Object Step -EQ 4).Note | Should -Match '^LOCAL error'
        ($o | Where-Object Step -EQ 6).Note | Should -Match "port $($ports[0]) is now TIME_WAIT"
        $held = $o | Where-Object Step -EQ 7
        $held.Errno | Should -Be 99
        $held.Note | Should -Match '^LOCAL error.*TIME_WAIT'
    }

    It 'MiddleboxIdleReset: after the idle the firewall had forgotten the flow; its forged RST reset the client while the server stayed ESTABLISHED' {
        $o = Invoke-PeerCrash -Mode MiddleboxReset -MiddleboxTimeoutSeconds 2
        ($o | Where-Object Step -EQ 2).Note | Should -Match 'knows the flow: yes'
        $idle = $o | Where-Object Step -EQ 4
        $idle.ElapsedMs | Should -BeGreaterThan 2000 -Because 'the client stays idle longer than the 2 s middlebox timeout'
        $idle.Note | Should -Match 'knows the flow: no'
        $read = $o | Where-Object Step -EQ 6
        $read.ErrnoName | Should -Be 'ECONNRESET'
        $read.Note | Should -Match "server's socket: ESTABLISHED"
    }

    It 'MiddleboxIdleDrop: the dropped write ends in ETIMEDOUT at TCP_USER_TIMEOUT, the server still ESTABLISHED' {
        $o = Invoke-PeerCrash -Mode MiddleboxDrop -UserTimeoutMs 2000
        $read = $o | Where-Object Step -EQ 6
        $read.ErrnoName | Should -Be 'ETIMEDOUT'
        $read.ElapsedMs | Should -BeGreaterThan 1900
        $read.Note | Should -Match "server's socket: ESTABLISHED"
    }

    It 'MtuBlackhole: the small write arrived, nothing of the large one did, and the read timed out' {
        $o = Invoke-PeerCrash -Mode MtuBlackhole
        ($o | Where-Object Step -EQ 5).Bytes | Should -BeGreaterThan 0
        ($o | Where-Object Step -EQ 6).Bytes | Should -Be 8192
        ($o | Where-Object Step -EQ 7).Note | Should -Match '0 bytes unread'
    }

    It 'MtuBlackholeProbing: tcp_mtu_probing=1 lowered the MSS under the path''s MTU and the whole large write arrived' {
        $o = Invoke-PeerCrash -Mode MtuBlackholeProbing
        $arrived = $o | Where-Object Step -EQ 7
        $arrived.Actor | Should -Be 'Peer'
        $arrived.Bytes | Should -Be 8192
        $m = [regex]::Match($arrived.Note, 'MSS went from (\d+) to (\d+)')
        $m.Success | Should -BeTrue
        [int]$m.Groups[2].Value | Should -BeLessThan ([int]$m.Groups[1].Value)
        [int]$m.Groups[2].Value | Should -BeLessThan (1400 - 40)
    }

    It 'rejects a middlebox timeout out of range' {
        { Invoke-PeerCrash -Mode MiddleboxReset -MiddleboxTimeoutSeconds 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SocketProbe.Commands.InvokePeerCrashCommand'
    }
}

Describe 'Stopping a lab scenario midway (Ctrl+C)' -Tag Lab -Skip:(-not $IsLinux) {
    It 'stops <Command> after <DelayMs> ms and leaves nothing behind' -TestCases @(
        @{ Command = 'Invoke-PeerCrash -Mode HostCrash -ClientAction Send'; DelayMs = 100 }
        @{ Command = 'Invoke-PeerCrash -Mode HostCrash -ClientAction Send'; DelayMs = 1500 }
        @{ Command = 'Test-TcpRefused -Scenario ConnectTimeout'; DelayMs = 800 }
        @{ Command = 'Invoke-PeerCrash -Mode MiddleboxDrop'; DelayMs = 600 }
        @{ Command = 'Test-TcpRefused -Scenario HalfOpenSynRecv'; DelayMs = 1200 }
    ) {
        param($Command, $DelayMs)
        $namespaces = Get-NetNamespaceIds
        $peers = Get-PeerProcessCount
        $stop = Stop-Midway -Script $Command -DelayMs $DelayMs
        Assert-StoppedCleanly $stop -OrCompleted
        Wait-LabGone -Before $namespaces | Should -BeNullOrEmpty
        Get-HostNftTables | Should -BeNullOrEmpty
        Get-PeerProcessCount | Should -Be $peers
    }
}

Describe 'A machine without nft' -Tag Lab -Skip:(-not $IsLinux) {
    It 'says Skipped and names the missing tool' {
        $bin = Join-Path $TestDrive 'bin'
        New-Item -ItemType Directory -Path $bin | Out-Null
        foreach ($tool in 'unshare', 'ip') { New-Item -ItemType SymbolicLink -Path (Join-Path $bin $tool) -Target (Get-Command $tool).Source | Out-Null }
        $env:SOCKETPROBE_LAB_PATH = $bin
        try { $o = @(Invoke-PeerCrash -Mode HostCrash) } finally { Remove-Item Env:SOCKETPROBE_LAB_PATH }
        $o.Count | Should -Be 1
        $o[0].Result | Should -Be 'Skipped'
        $o[0].Note | Should -Match "needs 'nft' \(nftables\)"
        $o[0].Matches | Should -BeNullOrEmpty
    }
}

Describe 'Test-TcpEndpoint probe outcomes that only the lab can produce' -Tag Lab -Skip:(-not $IsLinux) {
    BeforeAll {
        # A namespace of the test's own: pwsh runs the probe inside it (tests/lab/Probe-InLab.ps1).
        $namespaces = Get-NetNamespaceIds
        $script:lab = Invoke-LabScript -Name 'Probe-InLab.ps1' -Unshare '--map-root-user', '--net', '--mount'
        $script:exit = $lab.Exit
        $script:results = @($lab.Report)
        $script:left = Wait-LabGone -Before $namespaces
    }

    It 'ran inside its namespace' {
        $script:exit | Should -Be 0 -Because $script:lab.Why
        $script:results.Count | Should -Be 4
    }

    It '<Target> is <Outcome> (<Reason>)' -TestCases @(
        @{ Target = '127.13.0.3'; Outcome = 'TimedOut'; Reason = 'no-response'; ErrnoName = $null }
        @{ Target = '127.13.0.4'; Outcome = 'HostUnreachable'; Reason = 'host-unreach'; ErrnoName = 'EHOSTUNREACH' }
        @{ Target = '192.0.2.1'; Outcome = 'NetworkUnreachable'; Reason = 'net-unreach'; ErrnoName = 'ENETUNREACH' }
        @{ Target = 'nowhere.invalid'; Outcome = 'NameNotResolved'; Reason = $null; ErrnoName = $null }
    ) {
        param($Target, $Outcome, $Reason, $ErrnoName)
        $r = $script:results | Where-Object Target -EQ $Target
        $r | Should -Not -BeNullOrEmpty
        $r.Outcome | Should -Be $Outcome
        if ($Reason) { $r.Reason | Should -Be $Reason }
        if ($ErrnoName) { $r.ErrnoName | Should -Be $ErrnoName }
    }

    It 'left no namespace behind' {
        $script:left | Should -BeNullOrEmpty
        Get-HostNftTables | Should -BeNullOrEmpty
    }
}

Describe 'The lab proves it left the caller''s network, and a lab that says nothing is no success' -Tag Lab -Skip:(-not $IsLinux) {
    BeforeAll {
        # SOCKETPROBE_LAB_PATH names the only directory the lab takes its tools from (LabEnvironment.cs):
        # real tools linked in, fakes written as scripts.
        function New-LabToolDir {
            param([hashtable] $Fake = @{})
            $dir = Join-Path $TestDrive "tools-$([Guid]::NewGuid().ToString('N'))"
            New-Item -ItemType Directory -Path $dir | Out-Null
            foreach ($t in 'unshare', 'ip', 'nft', 'setpriv') {
                if ($Fake.ContainsKey($t)) {
                    Set-Content -Path (Join-Path $dir $t) -Value $Fake[$t]
                    & chmod +x (Join-Path $dir $t)
                }
                elseif ($real = [SocketProbe.Engine.Lab.LabEnvironment]::FindTool($t)) {
                    New-Item -ItemType SymbolicLink -Path (Join-Path $dir $t) -Target $real | Out-Null
                }
            }
            $dir
        }
        function Invoke-WithLabPath {
            param([string] $Dir, [string] $Command, [int] $TimeoutSeconds = 60)
            $env:SOCKETPROBE_LAB_PATH = $Dir
            try { Invoke-Bounded $Command -TimeoutSeconds $TimeoutSeconds } finally { Remove-Item Env:SOCKETPROBE_LAB_PATH }
        }
        function Get-HostNetworkState {
            # What the lab must never change here: every nft table of this namespace, and the ICMP rate limit.
            [pscustomobject]@{
                Tables    = (@(nft list tables 2>$null) -join "`n")
                RateLimit = (Get-Content -Raw /proc/sys/net/ipv4/icmp_ratelimit).Trim()
            }
        }
        # Does not isolate: drops unshare's options and runs the command right here. The lab check
        # (its shell names itself CheckName) passes, as it would with a real unshare.
        $script:NoIsolation = "#!/bin/sh`ncase `"`$*`" in *$([SocketProbe.Engine.Lab.LabEnvironment]::CheckName)*) exit 0;; esac`nwhile [ `$# -gt 0 ]; do case `"`$1`" in --*) shift;; *) break;; esac; done`nexec `"`$@`""
        $script:ExitsAtOnce = "#!/bin/sh`nexit 0"
    }

    It 'refuses to run where unshare did not isolate: an error, no rule, no sysctl changed in this namespace' {
        $before = Get-HostNetworkState
        $r = Invoke-WithLabPath (New-LabToolDir @{ unshare = $script:NoIsolation }) 'Invoke-PeerCrash -Mode HostCrash'
        $after = Get-HostNetworkState
        $r.Finished | Should -BeTrue
        $after.Tables | Should -Be $before.Tables
        $after.RateLimit | Should -Be $before.RateLimit
        Get-HostNftTables | Should -BeNullOrEmpty
        $r.Errors.Count | Should -Be 1
        "$($r.Errors[0])" | Should -Match 'refusing to change the network: this process runs in the caller''s own network namespace'
        @($r.Output | Where-Object Matches -EQ $true) | Should -BeNullOrEmpty
        @($r.Output | Where-Object Operation -EQ 'HostCrash') | Should -BeNullOrEmpty -Because 'no fault was applied'
    }

    It 'an unshare that exits 0 at once is an error, not a shorter success' {
        $r = Invoke-WithLabPath (New-LabToolDir @{ unshare = $script:ExitsAtOnce }) 'Test-TcpRefused -Scenario ConnectNoRoute'
        $r.Finished | Should -BeTrue
        $r.Output | Should -BeNullOrEmpty
        $r.Errors.Count | Should -Be 1
        "$($r.Errors[0])" | Should -Match 'lab ended \(exited with code 0.*\) without finishing its run: it reported no step at all'
    }

    It 'the matrix with such an unshare counts the lab scenario as failed, not as "N match, 0 differ"' {
        $r = Invoke-WithLabPath (New-LabToolDir @{ unshare = $script:ExitsAtOnce }) @'
Get-SocketErrorMatrix -Scenario ConnectNoRoute, ConnectRefused -InformationVariable info -ErrorAction SilentlyContinue | Out-Null
"$($info.MessageData | Where-Object { $_ -is [SocketProbe.Engine.Matrix.MatrixResult] })"
'@
        $r.Finished | Should -BeTrue
        $r.Output[-1] | Should -Match '^2 scenarios, 1 steps, 1 match, 0 differ, 0 skipped, 1 failed'
    }

    It 'a fault whose nft printed something else is an error, not Success' {
        $garbage = "#!/bin/sh`ncat >/dev/null`necho 'nothing to see'`nexit 0"
        $r = Invoke-WithLabPath (New-LabToolDir @{ nft = $garbage }) 'Invoke-PeerCrash -Mode HostCrash'
        $r.Finished | Should -BeTrue
        $r.Errors.Count | Should -Be 1
        "$($r.Errors[0])" | Should -Match 'nft exited 0 but echoed 0 of the 5 objects it was to add'
        @($r.Output | Where-Object Operation -EQ 'HostCrash') | Should -BeNullOrEmpty
    }

    It 'a hung nft is killed at its bound: a quick error, nothing left behind' {
        $peers = Get-PeerProcessCount
        $r = Invoke-WithLabPath (New-LabToolDir @{ nft = "#!/bin/sh`nexec sleep 300" }) 'Invoke-PeerCrash -Mode HostCrash' -TimeoutSeconds 40
        $r.Finished | Should -BeTrue -Because 'the nft run has a bound'
        "$($r.Errors[0])" | Should -Match 'nft --echo --handle -f - did not finish within 5 s and was killed'
        Get-PeerProcessCount | Should -Be $peers
    }

    It 'Get-SocketScenario with a hung unshare returns within the check''s bound and says why' {
        $r = Invoke-WithLabPath (New-LabToolDir @{ unshare = "#!/bin/sh`nexec sleep 300" }) 'Get-SocketScenario' -TimeoutSeconds 40
        $r.Finished | Should -BeTrue
        $lab = @($r.Output | Where-Object NeedsLab)
        $lab.Count | Should -BeGreaterThan 0
        $lab | ForEach-Object { $_.WhyNot | Should -Match 'creating a network namespace did not finish within 5 s' }
    }

    It 'a SOCKETPROBE_LAB_PATH that names no directory says so, not "not installed"' {
        $r = Invoke-WithLabPath (Join-Path $TestDrive 'no-such-dir') 'Invoke-PeerCrash -Mode HostCrash'
        $r.Output.Count | Should -Be 1
        $r.Output[0].Result | Should -Be 'Skipped'
        $r.Output[0].Note | Should -Match 'SOCKETPROBE_LAB_PATH \(.*no-such-dir\) names .*no-such-dir, which is not a directory'
        $r.Output[0].Note | Should -Not -Match 'not installed'
    }

    It 'a SOCKETPROBE_LAB_PATH without nft names that directory' {
        $dir = New-LabToolDir
        Remove-Item (Join-Path $dir 'nft')
        $r = Invoke-WithLabPath $dir 'Invoke-PeerCrash -Mode HostCrash'
        $r.Output[0].Note | Should -Match "needs 'nft' \(nftables\), which is not in SOCKETPROBE_LAB_PATH"
    }

    It 'takes its tools from the system directories, not from PATH' {
        $dir = New-LabToolDir @{ unshare = $script:NoIsolation }
        $path = $env:PATH
        $env:PATH = "$dir$([IO.Path]::PathSeparator)$path"
        try { [SocketProbe.Engine.Lab.LabEnvironment]::FindTool('unshare') | Should -Not -BeLike "$dir*" }
        finally { $env:PATH = $path }
    }
}

Describe 'A lab process that stops, or dies' -Tag Lab -Skip:(-not $IsLinux) {
    BeforeAll {
        function Get-LabProcessId {
            # The lab: our descendant running the peer program in lab mode (no fork: unshare execs it).
            @(Get-OwnDescendant | Where-Object { $_.CommandLine -match 'SocketProbe\.Peer(\.dll)? lab ' -and $_.CommandLine -notmatch '^\S*(unshare|setpriv) ' } |
                ForEach-Object Id)
        }
        function Wait-Until {
            param([scriptblock] $Condition, [int] $TimeoutMs = 20000)
            $deadline = [DateTime]::UtcNow.AddMilliseconds($TimeoutMs)
            while (-not (& $Condition)) {
                if ([DateTime]::UtcNow -gt $deadline) { return $false }
                Start-Sleep -Milliseconds 20
            }
            $true
        }
    }

    It 'a step whose kernel timer fired while the lab was stopped (SIGSTOP longer than its window) does not match' {
        $run = Start-Bounded -Script 'Invoke-PeerCrash -Mode HostCrash -ClientAction Send -UserTimeoutMs 1500'
        try {
            # Rows reach the caller at the end; the lab's own /proc/<pid>/net/tcp shows the moment: the
            # client's connection to 127.13.0.2 (02000D7F) with sent, unacknowledged bytes (tx_queue > 0).
            Wait-Until { @(Get-LabProcessId).Count -eq 1 } | Should -BeTrue
            $lab = @(Get-LabProcessId)
            $sent = Wait-Until {
                @(Get-Content "/proc/$($lab[0])/net/tcp" -ErrorAction Ignore | Where-Object {
                        $f = $_.Trim() -split '\s+'
                        $f.Count -gt 4 -and $f[2] -like '02000D7F:*' -and $f[4] -notlike '00000000:*'
                    }).Count -gt 0
            }
            $sent | Should -BeTrue -Because 'the client sends within the bound'
            & kill -STOP $lab[0]
            Start-Sleep -Milliseconds 5000
            & kill -CONT $lab[0]
            $run.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60)) | Should -BeTrue
            $null = $run.PowerShell.EndInvoke($run.Handle)
        }
        finally { $run.PowerShell.Dispose() }
        $receive = @($run.Output | Where-Object Step -EQ 4)
        $receive.Count | Should -Be 1
        $receive[0].ElapsedMs | Should -BeGreaterThan 4000
        $receive[0].Expected | Should -Match 'within 1350-4000 ms'
        $receive[0].Matches | Should -BeFalse
    }

    It 'a lab process killed by SIGKILL reads as killed, not as an unshare error' {
        $run = Start-Bounded -Script 'Invoke-PeerCrash -Mode HostCrash -ClientAction Idle -IdleWaitMs 5000'
        try {
            Wait-Until { @(Get-LabProcessId).Count -eq 1 } | Should -BeTrue
            $lab = @(Get-LabProcessId)
            # Its peer up: the run is under way (the idle wait holds it for 5 s).
            Wait-Until { @(Get-OwnDescendant | Where-Object { $_.ParentId -eq $lab[0] -and $_.CommandLine -match ' serve ' }).Count -gt 0 } | Should -BeTrue
            Start-Sleep -Milliseconds 300
            & kill -KILL $lab[0]
            $run.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30)) | Should -BeTrue
            $err = $null
            try { $null = $run.PowerShell.EndInvoke($run.Handle) } catch { $err = $_ }
            $text = (@($run.PowerShell.Streams.Error) + @($err) | Where-Object { $_ } | ForEach-Object { "$_" }) -join "`n"
        }
        finally { $run.PowerShell.Dispose() }
        $text | Should -Match 'lab process was killed by signal 9 \(SIGKILL\)'
        $text | Should -Not -Match 'sigprocmask'
    }
}
