BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # Probe-mode helpers. Loopback only: every listener is the test's own.
    function Get-ClosedDualStackPort {
        # A port free on 127.0.0.1 and on ::1 a moment ago: bind both, read it, close both.
        for ($i = 0; $i -lt 50; $i++) {
            $v4 = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $v4.Start()
            $port = $v4.LocalEndpoint.Port
            $v6 = [Net.Sockets.TcpListener]::new([Net.IPAddress]::IPv6Loopback, $port)
            try { $v6.Start(); return $port } catch { } finally { $v6.Stop(); $v4.Stop() }
        }
        throw 'no port free on both loopbacks after 50 tries'
    }

    function New-DualStackListener {
        # The test's own listeners on one port of 127.0.0.1 and ::1; the caller stops both.
        for ($i = 0; $i -lt 50; $i++) {
            $v4 = New-LoopbackListener -Family IPv4
            $v6 = [Net.Sockets.TcpListener]::new([Net.IPAddress]::IPv6Loopback, $v4.LocalEndpoint.Port)
            try { $v6.Start(512); return @($v4, $v6) } catch { $v4.Stop() }
        }
        throw 'no port free on both loopbacks after 50 tries'
    }

    function New-SilentPort {
        # A loopback port whose SYNs get no answer, for real: a listener with backlog 0 and one
        # connection queued that it never accepts. Linux drops SYNs while the accept queue is
        # full (tcp_conn_request: sk_acceptq_is_full -> drop). Returns listener, filler, port.
        $listener = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $listener.Bind([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
        $listener.Listen(0)
        $filler = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $filler.Connect([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, $listener.LocalEndPoint.Port))
        [pscustomobject]@{ Listener = $listener; Filler = $filler; Port = $listener.LocalEndPoint.Port }
    }
}


Describe 'Test-TcpEndpoint probe mode' {
    BeforeAll {
        $script:Listeners = New-DualStackListener
        $script:Open = $script:Listeners[0].LocalEndpoint.Port
        $script:Closed = Get-ClosedDualStackPort
    }
    AfterAll {
        $script:Listeners | ForEach-Object { $_.Stop() }
    }

    It 'tells Refused and Open for both 127.0.0.1 and ::1 of localhost, with times' {
        $r = @(Test-TcpEndpoint -ComputerName localhost -Port $Closed, $Open)
        $r.Count | Should -Be 4
        # Stable order: ports as given, then addresses in resolver order.
        ($r | ForEach-Object { "$($_.Address) $($_.Port) $($_.Outcome)" }) | Should -Be @(
            "127.0.0.1 $Closed Refused", "::1 $Closed Refused", "127.0.0.1 $Open Open", "::1 $Open Open")
        $r | ForEach-Object {
            $_ | Should -BeOfType ([SocketProbe.Engine.Probe.ProbeResult])
            $_.Target | Should -Be 'localhost'
            $_.Sequence | Should -Be 1
            $_.ConnectMs | Should -BeGreaterThan 0
            $_.DnsMs | Should -Be 0
            $_.Timestamp | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
            $_.LocalAddress | Should -Be $_.Address
            $_.LocalPort | Should -BeGreaterThan 0
        }
        $r[0].Reason | Should -Be 'conn-refused'
        $r[0].SocketError | Should -Be 'ConnectionRefused'
        $r[1].AddressFamily | Should -Be 'IPv6'
        $r[2].Reason | Should -Be 'syn-ack'
        $r[2].SocketError | Should -BeNullOrEmpty
    }

    It 'gives ECONNREFUSED 111 on Linux' -Skip:(-not $IsLinux) {
        $r = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Closed
        $r.Errno | Should -Be 111
        $r.ErrnoName | Should -Be 'ECONNREFUSED'
        $r.Message | Should -Be 'Connection refused'
    }

    It 'probes many ports in one call, in the order given' {
        $more = 1..4 | ForEach-Object { New-LoopbackListener }
        try {
            $openPorts = @($more | ForEach-Object { $_.LocalEndpoint.Port })
            $closedPorts = @(1..6 | ForEach-Object { Get-ClosedLoopbackPort })
            $ports = @($closedPorts[0..2]) + $openPorts + @($closedPorts[3..5])
            $r = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $ports)
            $r.Port | Should -Be $ports
            ($r | Where-Object Outcome -EQ 'Open').Port | Should -Be $openPorts
            @($r | Where-Object Outcome -EQ 'Refused').Count | Should -Be 6
        }
        finally { $more | ForEach-Object { $_.Stop() } }
    }

    It 'takes targets from a CSV through the pipeline, by property name' {
        $csv = Join-Path $TestDrive 'targets.csv'
        @(
            [pscustomobject]@{ ComputerName = 'localhost'; Port = $Closed }
            [pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $Open }
            [pscustomobject]@{ ComputerName = "[::1]:$Open"; Port = $Closed } # the port in the name wins
        ) | Export-Csv -Path $csv -NoTypeInformation
        $r = @(Import-Csv -Path $csv | Test-TcpEndpoint)
        ($r | ForEach-Object { "$($_.Target) $($_.Address) $($_.Port) $($_.Outcome)" }) | Should -Be @(
            "localhost 127.0.0.1 $Closed Refused", "localhost ::1 $Closed Refused",
            "127.0.0.1 127.0.0.1 $Open Open", "::1 ::1 $Open Open")
    }

    It 'reads an empty Port cell as no port, and "a,b" as two ports' {
        $csv = Join-Path $TestDrive 'cells.csv'
        "ComputerName,Port`n[::1]:$Open,`n127.0.0.1,`"$Closed,$Open`"" | Set-Content -Path $csv
        $r = @(Import-Csv -Path $csv | Test-TcpEndpoint)
        ($r | ForEach-Object { "$($_.Address) $($_.Port) $($_.Outcome)" }) | Should -Be @(
            "::1 $Open Open", "127.0.0.1 $Closed Refused", "127.0.0.1 $Open Open")
    }

    It 'binds a TargetName column through the alias' {
        $r = @([pscustomobject]@{ TargetName = '127.0.0.1'; Port = $Open } | Test-TcpEndpoint)
        $r.Outcome | Should -Be 'Open'
    }

    It 'takes plain strings from the pipeline by value' {
        $r = @('127.0.0.1', '::1' | Test-TcpEndpoint -Port $Closed)
        # ForEach-Object, not $r.Address: an array's own Address() method shadows member enumeration.
        $r | ForEach-Object Address | Should -Be '127.0.0.1', '::1'
        $r.Outcome | Should -Be 'Refused', 'Refused'
    }

    It 'accepts the <Form> form' -TestCases @(
        @{ Form = 'host:port'; Text = 'localhost:{0}'; Addresses = '127.0.0.1', '::1' }
        @{ Form = 'IPv4:port'; Text = '127.0.0.1:{0}'; Addresses = @('127.0.0.1') }
        @{ Form = '[IPv6]:port'; Text = '[::1]:{0}'; Addresses = @('::1') }
        @{ Form = 'bare IPv6 with -Port'; Text = '::1'; Addresses = @('::1') }
        @{ Form = '[IPv6] with -Port'; Text = '[::1]'; Addresses = @('::1') }
    ) {
        param($Form, $Text, $Addresses)
        $r = @(Test-TcpEndpoint -ComputerName ($Text -f $Open) -Port $Open)
        $r | ForEach-Object Address | Should -Be $Addresses
        $r.Outcome | Should -Not -Contain 'Refused'
        $r.Port | Sort-Object -Unique | Should -Be $Open
    }

    It 'uses the port in the name over -Port for that target, and -Port for the others' {
        $r = @(Test-TcpEndpoint -ComputerName "127.0.0.1:$Open", '::1' -Port $Closed)
        ($r | ForEach-Object { "$($_.Address) $($_.Port) $($_.Outcome)" }) | Should -Be @("127.0.0.1 $Open Open", "::1 $Closed Refused")
    }

    It 'keeps only the <Family> address of localhost with -AddressFamily <Family>' -TestCases @(
        @{ Family = 'IPv4'; Address = '127.0.0.1' }
        @{ Family = 'IPv6'; Address = '::1' }
    ) {
        param($Family, $Address)
        $r = @(Test-TcpEndpoint -ComputerName localhost -Port $Open -AddressFamily $Family)
        $r.Count | Should -Be 1
        $r[0].Address | Should -Be $Address
        $r[0].AddressFamily | Should -Be $Family
        $r[0].Outcome | Should -Be 'Open'
    }

    It 'runs -Count rounds, numbered by Sequence, -IntervalMs apart' {
        $r = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Closed -Count 3 -IntervalMs 300)
        $r.Sequence | Should -Be 1, 2, 3
        # The interval runs between round starts; Timestamp is each attempt's start, which comes after its
        # round's lookup (14 ms late once on a busy machine): two thirds of the interval is the floor.
        $t = $r | ForEach-Object { [DateTimeOffset]$_.Timestamp }
        ($t[1] - $t[0]).TotalMilliseconds | Should -BeGreaterOrEqual 200
        ($t[2] - $t[1]).TotalMilliseconds | Should -BeGreaterOrEqual 200
    }

    It 'gives -Summary statistics per target:port:address' {
        $s = @(Test-TcpEndpoint -ComputerName localhost -Port $Closed, $Open -Count 4 -IntervalMs 0 -Summary)
        $s.Count | Should -Be 4
        $s[0] | Should -BeOfType ([SocketProbe.Engine.Probe.ProbeSummary])
        ($s | ForEach-Object { "$($_.Port) $($_.Address) $($_.AddressFamily)" }) | Should -Be @(
            "$Closed 127.0.0.1 IPv4", "$Closed ::1 IPv6", "$Open 127.0.0.1 IPv4", "$Open ::1 IPv6")
        foreach ($closedRow in $s[0..1]) {
            $closedRow.Sent | Should -Be 4
            $closedRow.Refused | Should -Be 4
            $closedRow.Open | Should -Be 0
            $closedRow.LossPercent | Should -Be 100
            $closedRow.LongestOutage | Should -Be 4
            $closedRow.OutageStart | Should -BeLessOrEqual $closedRow.OutageEnd
        }
        foreach ($openRow in $s[2..3]) {
            $openRow.Open | Should -Be 4
            $openRow.LossPercent | Should -Be 0
            $openRow.LongestOutage | Should -Be 0
        }
        foreach ($row in $s) {
            $row.Answered | Should -Be 4
            $row.MinMs | Should -BeGreaterThan 0
            $row.MinMs | Should -BeLessOrEqual $row.P50Ms
            $row.P50Ms | Should -BeLessOrEqual $row.P95Ms
            $row.P95Ms | Should -BeLessOrEqual $row.MaxMs
            $row.AvgMs | Should -BeGreaterOrEqual $row.MinMs
            $row.AvgMs | Should -BeLessOrEqual $row.MaxMs
        }
    }

    It 'computes the -Summary figures from the attempts' {
        # The statistics function -Summary uses, applied to attempts we also check by hand.
        $attempts = @(Test-TcpEndpoint -ComputerName localhost -Port $Closed -Count 5 -IntervalMs 0)
        $attempts = @($attempts | Where-Object Address -EQ '127.0.0.1')
        $summary = [SocketProbe.Engine.Probe.ProbeStatistics]::Summarize([SocketProbe.Engine.Probe.ProbeResult[]]$attempts)[0]
        $times = @($attempts.ConnectMs | Sort-Object)
        $summary.Sent | Should -Be $attempts.Count
        $summary.Refused | Should -Be @($attempts | Where-Object Outcome -EQ 'Refused').Count
        # Rounded to a microsecond (3 decimals of ms), as a person reads them.
        $summary.MinMs | Should -Be ([math]::Round($times[0], 3))
        $summary.MaxMs | Should -Be ([math]::Round($times[-1], 3))
        $summary.AvgMs | Should -Be ([math]::Round(($times | Measure-Object -Average).Average, 3))
        $summary.P50Ms | Should -Be ([math]::Round($times[[math]::Ceiling(0.50 * $times.Count) - 1], 3))
        $summary.P95Ms | Should -Be ([math]::Round($times[[math]::Ceiling(0.95 * $times.Count) - 1], 3))
        $summary.OutageStart | Should -Be ($attempts.Timestamp | Sort-Object)[0]
    }

    It 'gives one bool per target:port with -Quiet, true = healthy (as Test-Connection -Quiet means reachable)' {
        $q = @(Test-TcpEndpoint -ComputerName localhost, 127.0.0.1 -Port $Closed, $Open -Quiet)
        $q | Should -Be $false, $true, $false, $true
        $q[0] | Should -BeOfType ([bool])
    }

    It 'says false with -Quiet when one address answers and the other refuses' {
        $v4only = New-LoopbackListener -Family IPv4
        try {
            $port = $v4only.LocalEndpoint.Port
            $ipv6Answers = Test-TcpEndpoint -ComputerName '::1' -Port $port -Quiet
            if ($ipv6Answers) { Set-ItResult -Skipped -Because "something else listens on [::1]:$port" }
            Test-TcpEndpoint -ComputerName localhost -Port $port -Quiet | Should -BeFalse
        }
        finally { $v4only.Stop() }
    }

    It 'works in an if statement, the way scripts use it' {
        $verdict = if (Test-TcpEndpoint -ComputerName localhost -Port $Open -Quiet) { 'healthy' } else { 'down' }
        $verdict | Should -Be 'healthy'
    }

    It 'reports TimedOut (no-response, no errno) when SYNs get no answer' -Skip:(-not $IsLinux) {
        $silent = New-SilentPort
        try {
            $r = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $silent.Port -TimeoutMs 300
            $r.Outcome | Should -Be 'TimedOut'
            $r.Reason | Should -Be 'no-response'
            $r.Errno | Should -BeNullOrEmpty
            $r.SocketError | Should -BeNullOrEmpty
            $r.ConnectMs | Should -BeGreaterOrEqual 290
            $r.Message | Should -Match '300 ms'
        }
        finally { $silent.Filler.Dispose(); $silent.Listener.Dispose() }
    }

    It 'streams -Continuous results and, once stopped, leaves no socket open' -Skip:(-not $IsLinux) {
        $silent = New-SilentPort
        $ps = [powershell]::Create()
        try {
            $before = Get-SocketCount
            # One script, not a batch of statements: stopping a batch (AddStatement) and disposing it
            # can crash the host (PowerShell's BatchInvocationWorkItem touches the closed runspace).
            $null = $ps.AddScript("Import-Module '$(Join-Path $RepoRoot 'SocketProbe.psd1')'; " +
                "Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Open, $($silent.Port) -Continuous -IntervalMs 0 -TimeoutMs 400")
            $output = [Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]$null, $output)
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while ($output.Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $output.Count | Should -BeGreaterOrEqual 3 -Because 'rounds stream out while the run goes on'
            # Stop while an attempt is in flight (a socket of ours is open), however long that takes to see (bounded).
            while ((Get-SocketCount) -le $before -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 5 }
            (Get-SocketCount) | Should -BeGreaterThan $before
            $ps.Stop()
            $async.IsCompleted | Should -BeTrue -Because 'Stop() returns once the run has ended'
            Get-SocketCount | Should -Be $before
            $output | Where-Object Port -EQ $silent.Port | ForEach-Object { $_.Outcome | Should -Be 'TimedOut' }
            $output | Where-Object Port -EQ $Open | ForEach-Object { $_.Outcome | Should -Be 'Open' }
        }
        finally { $ps.Dispose(); $silent.Filler.Dispose(); $silent.Listener.Dispose() }
    }

    It 'returns 1,000 Refused results for 1,000 closed loopback ports with -ThrottleLimit 200' {
        # Ports below the ephemeral range (no bind(0) lands there), minus any that something listens on.
        $busy = @(Get-ListeningPort)
        $ports = @(20000..21100 | Where-Object { $_ -notin $busy } | Select-Object -First 1000)
        $ports.Count | Should -Be 1000
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $r = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $ports -ThrottleLimit 200 -TimeoutMs 5000)
        $clock.Stop()
        Write-Host "    1,000 closed ports: $([math]::Round($clock.Elapsed.TotalMilliseconds)) ms"
        $r.Count | Should -Be 1000
        @($r | Where-Object Outcome -EQ 'Refused').Count | Should -Be 1000
        $r.Port | Should -Be $ports
    }

    It 'round-trips through Export-Csv and Import-Csv' {
        $csv = Join-Path $TestDrive 'probe.csv'
        $r = @(Test-TcpEndpoint -ComputerName localhost -Port $Closed)
        $r | Export-Csv -Path $csv -NoTypeInformation
        $back = @(Import-Csv -Path $csv)
        $back.Count | Should -Be 2
        ($back[0].PSObject.Properties.Name -join ',') | Should -Be 'Target,Address,AddressFamily,Port,Sequence,Timestamp,Outcome,Reason,SocketError,Errno,ErrnoName,Message,DnsMs,ConnectMs,LocalAddress,LocalPort,AfterConnect,FirstByteMs,BytesRead,Banner,AnswerEnd,HttpStatus,ExpectMatched,Healthy,HealthNote,SynAckTtl,ResetTtl,ResetFrom,IcmpFrom,ResetSentByThisHost,ResetKernelReason'
        $back.Outcome | Should -Be 'Refused', 'Refused'
        [double]$back[0].ConnectMs | Should -Be $r[0].ConnectMs
    }

    It 'writes how the name was resolved to the verbose stream' {
        $verbose = Test-TcpEndpoint -ComputerName localhost -Port $Closed -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'localhost -> 127\.0\.0\.1, ::1 \(RFC 6761'
    }

    It 'has a default table view for <Kind>' -TestCases @(
        @{ Kind = 'attempts'; Splat = @{}; Header = 'Outcome'; Word = 'ECONNREFUSED' }
        @{ Kind = 'summaries'; Splat = @{ Summary = $true }; Header = 'Loss%'; Word = '100.0' }
    ) {
        param($Kind, $Splat, $Header, $Word)
        $text = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Closed @Splat | Format-Table | Out-String -Width 200
        $text | Should -Match ([regex]::Escape($Header))
        $text | Should -Match ([regex]::Escape($Word))
    }

    It 'declares an output type for each parameter set' {
        $types = (Get-Command Test-TcpEndpoint).OutputType.Name
        $types | Should -Contain 'SocketProbe.Engine.Probe.ProbeResult'
        $types | Should -Contain 'SocketProbe.Engine.Probe.ProbeSummary'
        $types | Should -Contain 'System.Boolean'
    }
}

# ---------------------------------------------------------------------------------------------
# Issue 13: the probe never reports what did not happen. Conditions of our own side (a one-port
# ephemeral range, IPv6 switched off) are set only inside a network namespace of the test's own;
# the fd limit only in a child pwsh of the test's own (on its own pid).
# ---------------------------------------------------------------------------------------------

Describe 'Test-TcpEndpoint never reports what did not happen' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:NoNamespace = Get-NoNamespaceReason
        $script:Own = $null
        if (-not $NoNamespace) {
            $namespaces = Get-NetNamespaceIds
            $script:OwnLab = Invoke-LabScript -Name 'Probe-OwnSide.ps1'
            $script:OwnExit = $OwnLab.Exit
            $script:Own = $OwnLab.Report
            $script:OwnLeft = Wait-LabGone -Before $namespaces
        }
    }

    It 'ran its namespace script and left no namespace behind' {
        if ($NoNamespace) { Set-ItResult -Skipped -Because $NoNamespace; return }
        $OwnExit | Should -Be 0 -Because $OwnLab.Why
        $Own | Should -Not -BeNullOrEmpty
        $OwnLeft | Should -BeNullOrEmpty
    }

    It 'never says Open for a TCP self-connect (one-port ephemeral range, nothing listening)' {
        if ($NoNamespace) { Set-ItResult -Skipped -Because $NoNamespace; return }
        $Own.SelfConnect.Count | Should -Be 3
        foreach ($r in $Own.SelfConnect) {
            $r.Outcome | Should -Not -Be 'Open'
            $r.Outcome | Should -Be 'LocalError'
            $r.Reason | Should -BeIn 'self-connect', 'local-limit'
            $r.Message | Should -Match 'says nothing about the target'
        }
        # At least one try really was a self-connect (the kernel's choice), and the row says so.
        ($Own.SelfConnect.Message -join ' ') | Should -Match 'self-connect|connected the socket to itself'
        $Own.SelfConnectQuiet | Should -BeFalse -Because 'nothing was seen answering: a local failure is no verdict'
    }

    It 'reports an exhausted ephemeral range as our own EADDRNOTAVAIL, not as loss of a healthy listener' {
        if ($NoNamespace) { Set-ItResult -Skipped -Because $NoNamespace; return }
        $r = $Own.Exhausted[0]
        $r.Outcome | Should -Be 'LocalError'
        $r.Reason | Should -Be 'local-limit'
        $r.ErrnoName | Should -Be 'EADDRNOTAVAIL'
        $r.Errno | Should -Be 99
        $Own.ExhaustedWarning | Should -Match 'EADDRNOTAVAIL x1'
        $Own.ExhaustedSummary.LocalError | Should -Be 2
        $Own.ExhaustedSummary.Error | Should -Be 0
        $Own.ExhaustedSummary.LossPercent | Should -BeNullOrEmpty -Because 'no attempt reached the target: no loss figure at all'
        $Own.ExhaustedSummary.LongestOutage | Should -Be 0
    }

    It 'answers localhost with 127.0.0.1 only when IPv6 is switched off' {
        if ($NoNamespace) { Set-ItResult -Skipped -Because $NoNamespace; return }
        $Own.IPv6Configured | Should -BeFalse -Because 'disable_ipv6 removed ::1 in the namespace'
        $Own.NoIPv6.Count | Should -Be 1
        $Own.NoIPv6[0].Address | Should -Be '127.0.0.1'
        $Own.NoIPv6[0].Outcome | Should -Be 'Open'
        $Own.NoIPv6Summary.LossPercent | Should -Be 0
    }

    It 'gives no Error ENFILE row under a low fd limit: 1,000 closed ports all Refused, and a limit that never clears is EMFILE, LocalError' {
        $busy = @(Get-ListeningPort)
        $ports = @(20000..21100 | Where-Object { $_ -notin $busy } | Select-Object -First 1000)
        $lab = Invoke-LabScript -Name 'Probe-FdStarved.ps1' -Arguments ($ports -join ',') -Unshare @()
        $lab.Exit | Should -Be 0 -Because $lab.Why
        $fd = $lab.Report
        $fd.Tight.Count | Should -Be 1
        $fd.Tight[0].Key | Should -Be 'Refused, ECONNREFUSED, 111'
        $fd.Tight[0].Count | Should -Be 1000
        $fd.Hogs | Should -BeGreaterThan 0
        $fd.None[0].Key | Should -Be 'LocalError, EMFILE, 24' -Because '.NET says ENFILE (23); the OS says EMFILE'
        $fd.None[0].Count | Should -Be 5
        $fd.NoneMessage | Should -Match 'EMFILE.*says nothing about the target'
        $fd.NoneWarning | Should -Match 'EMFILE x5'
        $fd.NoneQuiet | Should -BeFalse
        $fd.NoneSummary.LocalError | Should -Be 1
        $fd.NoneSummary.Refused + $fd.NoneSummary.Error | Should -Be 0
        $fd.NoneSummary.LossPercent | Should -BeNullOrEmpty
    }

    It 'counts a call the kernel refused before sending (<Case>) as LocalError, never as loss of the target' -TestCases @(
        @{ Case = '-SourcePort 80 without privilege: EACCES'; Key = 'SourcePort'; Errno = 'EACCES' }
        @{ Case = 'fe80::1 without a scope id: EINVAL'; Key = 'NoScope'; Errno = 'EINVAL' }
    ) {
        param($Case, $Key, $Errno)
        if ($NoNamespace) { Set-ItResult -Skipped -Because $NoNamespace; return }
        # No capability at all, inside a namespace of the test's own whose loopback is down.
        if (-not $script:NoPrivilege) {
            $script:NoPrivilege = Invoke-LabScript -Name Probe-NoPrivilege.ps1 -Prefix setpriv, '--securebits', '+noroot,+noroot_locked,+no_setuid_fixup,+no_setuid_fixup_locked', '--bounding-set', '-all', '--inh-caps', '-all'
        }
        $NoPrivilege.Exit | Should -Be 0 -Because $NoPrivilege.Why
        $NoPrivilege.Report.CapEff | Should -Be '0000000000000000'
        $r = @($NoPrivilege.Report.$Key)
        $r.Count | Should -Be 1
        $r[0].ErrnoName | Should -Be $Errno
        $r[0].Outcome | Should -Be 'LocalError'
        $r[0].Reason | Should -Be 'local-error'
        $r[0].Message | Should -Match 'says nothing about the target'
        $s = $NoPrivilege.Report."${Key}Summary"
        $s.Sent | Should -Be 3
        $s.LocalError | Should -Be 3
        $s.Error | Should -Be 0
        $s.LossPercent | Should -BeNullOrEmpty -Because 'nothing was sent: no loss figure at all'
        $s.LongestOutage | Should -Be 0
    }

    It 'probes ::ffff:127.0.0.1 as the IPv4 address it maps' {
        $l = New-LoopbackListener -Family IPv4
        try {
            $r = Test-TcpEndpoint -ComputerName '::ffff:127.0.0.1' -Port $l.LocalEndpoint.Port
            $r.Outcome | Should -Be 'Open'
            $r.Target | Should -Be '::ffff:127.0.0.1'
            $r.Address | Should -Be '127.0.0.1'
            $r.AddressFamily | Should -Be 'IPv4'
            (Test-TcpEndpoint -ComputerName "[::ffff:127.0.0.1]:$($l.LocalEndpoint.Port)").Outcome | Should -Be 'Open'
        }
        finally { $l.Stop() }
    }

    It 'refuses a piped <Case> with an error record instead of coercing it' -TestCases @(
        @{ Case = 'number'; Value = 1; Pattern = 'Int32 is not a target' }
        @{ Case = 'hashtable without a ComputerName key'; Value = @{ Server = '127.0.0.1' }; Pattern = 'ComputerName key' }
        @{ Case = 'object without a ComputerName property'; Value = [pscustomobject]@{ Server = '127.0.0.1' }; Pattern = 'PSCustomObject is not a target' }
        @{ Case = 'string "1"'; Value = '1'; Pattern = 'four numbers' }
    ) {
        param($Case, $Value, $Pattern)
        $closed = Get-ClosedLoopbackPort
        $r = @($Value, '127.0.0.1' | Test-TcpEndpoint -Port $closed -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 1
        $r[0].Address | Should -Be '127.0.0.1'
        $errs.Count | Should -Be 1
        "$($errs[0])" | Should -Match $Pattern
        $errs[0].CategoryInfo.Category | Should -BeIn 'InvalidArgument', 'InvalidData'
        "$($errs[0])" | Should -Not -Match '0\.0\.0\.1|System\.Collections\.Hashtable'
    }

    It 'still takes an IPAddress object from the pipeline' {
        $closed = Get-ClosedLoopbackPort
        ([Net.IPAddress]::Loopback | Test-TcpEndpoint -Port $closed).Outcome | Should -Be 'Refused'
    }
}

Describe 'Test-TcpEndpoint output back-pressure' {
    It 'keeps at most the queue''s capacity waiting while the consumer pauses' {
        $busy = @(Get-ListeningPort)
        $ports = @(20000..25000 | Where-Object { $_ -notin $busy } | Select-Object -First 4000)
        $queueType = [SocketProbe.Commands.TestTcpEndpointCommand].Assembly.GetType('SocketProbe.OutputQueue')
        $capacity = $queueType.GetField('DefaultCapacity').GetValue($null)
        $seen = 0
        # The consumer pauses at the first row; 4,000 refusals are ready within the pause.
        Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $ports -ThrottleLimit 200 | ForEach-Object {
            if ($seen++ -eq 0) { Start-Sleep -Milliseconds 1500 }
        }
        $seen | Should -Be 4000
        $high = $queueType.GetProperty('LastHighWaterMark').GetValue($null)
        $high | Should -BeLessOrEqual $capacity
        $high | Should -BeGreaterThan ($capacity / 2) -Because 'the producers really filled the queue while the consumer slept'
    }
}

# ---------------------------------------------------------------------------------------------
# Issue 12: what happens after accept (-ReadMs, -Send). Every server is the test's own, on loopback.
# ---------------------------------------------------------------------------------------------

Describe 'Test-TcpEndpoint -ReadMs: what the server does after the handshake' {
    BeforeAll {
        $script:Servers = @{}
        foreach ($family in 'IPv4', 'IPv6') {
            $address = if ($family -eq 'IPv6') { [Net.IPAddress]::IPv6Loopback } else { [Net.IPAddress]::Loopback }
            foreach ($mode in 'Reset', 'Close', 'Silent', 'Banner', 'Http') { $Servers["$mode$family"] = New-TestServer -Behavior $mode -Address $address -Banner "SSH-2.0-Test`r`n" }
        }
        $script:Head = "HEAD / HTTP/1.0`r`n`r`n"
    }
    AfterAll { $Servers.Values | ForEach-Object Dispose }

    It 'gives four different answers to -ReadMs 500 (-Send HEAD where the server reads) over <Family>: Reset, Closed, Open/Silent, Open/Data' -TestCases @(
        @{ Family = 'IPv4'; Address = '127.0.0.1' }
        @{ Family = 'IPv6'; Address = '::1' }
    ) {
        param($Family, $Address)
        $ports = 'Reset', 'Close', 'Silent', 'Http' | ForEach-Object { $Servers["$_$Family"].Port }
        $r = @(Test-TcpEndpoint -ComputerName $Address -Port $ports[0], $ports[2], $ports[3] -ReadMs 500 -Send $Head)
        # Without -Send: the server that closes at once is a FIN alone (with -Send our bytes meet its closed socket: RST too, below).
        $closed = Test-TcpEndpoint -ComputerName $Address -Port $ports[1] -ReadMs 500
        ($r[0], $closed, $r[1], $r[2] | ForEach-Object { "$($_.Outcome)/$($_.AfterConnect)" }) | Should -Be 'Reset/Reset', 'Closed/Closed', 'Open/Silent', 'Open/Data'
        $reset, $silent, $http = $r
        $reset.Reason | Should -Be 'reset'
        $reset.ErrnoName | Should -Be 'ECONNRESET'
        $closed.Reason | Should -Be 'fin'
        $closed.BytesRead | Should -Be 0
        $closed.FirstByteMs | Should -BeGreaterOrEqual 0
        $silent.Reason | Should -Be 'syn-ack'
        $silent.BytesRead | Should -Be 0
        $silent.FirstByteMs | Should -BeNullOrEmpty
        $silent.Message | Should -Match '500'
        $http.Banner | Should -BeLike 'HTTP/1.0 200 OK\r\n*'
        $http.BytesRead | Should -Be 38
        $http.FirstByteMs | Should -BeGreaterThan 0
        $http.FirstByteMs | Should -BeLessThan 500
    }

    It 'a server that closes at once, sent -Send: our bytes draw an RST after its FIN, so Reset (<Family>)' -TestCases @(
        @{ Family = 'IPv4'; Address = '127.0.0.1' }
        @{ Family = 'IPv6'; Address = '::1' }
    ) {
        param($Family, $Address)
        $r = Test-TcpEndpoint -ComputerName $Address -Port $Servers["Close$Family"].Port -ReadMs 500 -Send $Head
        "$($r.Outcome)/$($r.AfterConnect)" | Should -Be 'Reset/Reset'
        $r.Healthy | Should -BeFalse
    }

    It 'reads a banner sent without being asked, and escapes its control bytes (<Family>)' -TestCases @(
        @{ Family = 'IPv4'; Address = '127.0.0.1' }
        @{ Family = 'IPv6'; Address = '::1' }
    ) {
        param($Family, $Address)
        $r = Test-TcpEndpoint -ComputerName $Address -Port $Servers["Banner$Family"].Port -ReadMs 500
        $r.Outcome | Should -Be 'Open'
        $r.AfterConnect | Should -Be 'Data'
        $r.Banner | Should -BeExactly 'SSH-2.0-Test\r\n'
        $r.BytesRead | Should -Be 14
    }

    It 'reads while it sends: a banner counts even when -Send is larger than a server that never reads can take' {
        # The Banner server writes at accept and never reads: a 10 MB send stops once its window is full.
        $r = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Servers['BannerIPv4'].Port -ReadMs 1000 -Send ('A' * 10MB)
        $r.Outcome | Should -Be 'Open'
        $r.AfterConnect | Should -Be 'Data' -Because 'what arrived counts, whatever the send is doing'
        $r.Banner | Should -BeExactly 'SSH-2.0-Test\r\n'
        $r.BytesRead | Should -Be 14
    }

    It 'says Reset for a server that resets on accept even without -ReadMs (the RST beats the connect), never Open' {
        $r = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Servers['ResetIPv4'].Port -Count 3 -IntervalMs 0)
        # The RST may arrive just after connect() returned: then the handshake alone looked Open.
        # Without -ReadMs that is all a connect can see; -ReadMs is what tells (test above).
        $r.Outcome | ForEach-Object { $_ | Should -BeIn 'Reset', 'Open' }
        $r | Where-Object Outcome -EQ 'Reset' | ForEach-Object { $_.ErrnoName | Should -Be 'ECONNRESET' }
        $r | ForEach-Object { $_.AfterConnect | Should -BeNullOrEmpty }
    }

    It 'leaves AfterConnect, FirstByteMs, BytesRead and Banner empty without -ReadMs' {
        $r = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Servers['BannerIPv4'].Port
        $r.Outcome | Should -Be 'Open'
        foreach ($name in 'AfterConnect', 'FirstByteMs', 'BytesRead', 'Banner') { $r.$name | Should -BeNullOrEmpty -Because $name }
    }

    It 'counts Reset, Closed, Data and Silent in -Summary, per address' {
        $ports = 'Reset', 'Close', 'Silent', 'Banner' | ForEach-Object { $Servers["${_}IPv4"].Port }
        $s = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $ports -ReadMs 300 -Count 2 -IntervalMs 0 -Summary)
        $s.Count | Should -Be 4
        ($s | ForEach-Object { "$($_.Reset) $($_.Closed) $($_.Open) $($_.Silent) $($_.Data) $($_.LossPercent)" }) |
            Should -Be '2 0 0 0 0 100', '0 2 0 0 0 100', '0 0 2 2 0 0', '0 0 2 0 2 0'
    }

    It 'refuses -Send without -ReadMs: sending without reading tells nothing' {
        $err = $null
        try { Test-TcpEndpoint -ComputerName 127.0.0.1 -Port 80 -Send 'x' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'SendWithoutReadMs,SocketProbe.Commands.TestTcpEndpointCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$err" | Should -Match '-ReadMs'
    }

    It 'refuses -Expect without -ReadMs, and an -Expect that is no regular expression, as InvalidArgument: <Id>' -TestCases @(
        @{ Id = 'ExpectWithoutReadMs'; Splat = @{ Expect = 'OK' } }
        @{ Id = 'ExpectNotRegex'; Splat = @{ Expect = '(unclosed'; ReadMs = 100 } }
    ) {
        param($Id, $Splat)
        $err = $null
        try { Test-TcpEndpoint -ComputerName 127.0.0.1 -Port 80 @Splat -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be "$Id,SocketProbe.Commands.TestTcpEndpointCommand"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

# ---------------------------------------------------------------------------------------------
# Issue 17: honest health verdicts, totals of a stopped run, which port wins, source binding,
# unambiguous CSV/JSON, 80-column views.
# ---------------------------------------------------------------------------------------------

Describe 'Test-TcpEndpoint -Quiet (healthy) and scheduled probes' {
    BeforeAll {
        $script:Up = New-LoopbackListener -Family IPv4
        $script:UpPort = $Up.LocalEndpoint.Port
        $script:Pwsh, $rest = Get-ChildPwsh
        $script:PwshArgs = @($rest | Where-Object { $_ })
        $script:ResetServer = New-TestServer -Behavior Reset
    }
    AfterAll { $Up.Stop(); $ResetServer.Dispose() }

    It 'is true only for an endpoint that answered Open every time: <Case>' -TestCases @(
        @{ Case = 'open'; Target = { "127.0.0.1:$UpPort" }; Extra = @{}; Expected = $true }
        @{ Case = 'closed (refused)'; Target = { "127.0.0.1:$(Get-ClosedLoopbackPort)" }; Extra = @{}; Expected = $false }
        @{ Case = 'reset after accept, with -ReadMs'; Target = { "127.0.0.1:$($ResetServer.Port)" }; Extra = @{ ReadMs = 300 }; Expected = $false }
        @{ Case = 'open on IPv4 but refused on IPv6 (localhost)'; Target = { "localhost:$UpPort" }; Extra = @{}; Expected = $false }
    ) {
        param($Case, $Target, $Extra, $Expected)
        $v = @(Test-TcpEndpoint -ComputerName (& $Target) -Quiet @Extra)
        $v.Count | Should -Be 1
        $v[0] | Should -BeOfType ([bool])
        $v[0] | Should -Be $Expected
    }

    It 'is false for a host that never answers (SYNs dropped), also under its old name -Healthy' -Skip:(-not $IsLinux) {
        $silent = New-SilentPort
        try {
            Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $silent.Port -TimeoutMs 300 -Quiet | Should -BeFalse
            Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $silent.Port -TimeoutMs 300 -Healthy | Should -BeFalse
        }
        finally { $silent.Filler.Dispose(); $silent.Listener.Dispose() }
    }

    It 'gives the exit code of the documented recipe: 0 for a healthy target, 1 for <Case>' -TestCases @(
        @{ Case = 'a healthy target'; Port = { $UpPort }; Exit = 0 }
        @{ Case = 'a dead target'; Port = { Get-ClosedLoopbackPort }; Exit = 1 }
    ) {
        param($Case, $Port, $Exit)
        # The recipe of docs/Test-TcpEndpoint.md ("Health checks for cron, systemd timers and Task Scheduler").
        $script = Join-Path $TestDrive 'check.ps1'
        @"
param([string] `$Target, [int] `$Port)
Import-Module '$(Join-Path $RepoRoot 'SocketProbe.psd1')'
`$verdicts = @(Test-TcpEndpoint -ComputerName `$Target -Port `$Port -Quiet -Count 2 -IntervalMs 100 -TimeoutMs 2000)
if (`$verdicts.Count -eq 0 -or `$verdicts -contains `$false) { exit 1 }
exit 0
"@ | Set-Content -Path $script
        & $Pwsh @PwshArgs -NoProfile -NonInteractive -File $script 127.0.0.1 (& $Port)
        $LASTEXITCODE | Should -Be $Exit
    }

    It 'gives the totals so far when -Continuous -Summary is stopped with Ctrl+C' -Skip:(-not $IsLinux) {
        $closed = Get-ClosedLoopbackPort
        $psi = [Diagnostics.ProcessStartInfo]::new($Pwsh)
        foreach ($a in @($PwshArgs) + @('-NoProfile', '-NonInteractive', '-Command',
                "Import-Module '$(Join-Path $RepoRoot 'SocketProbe.psd1')'; Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $closed -Continuous -Summary -IntervalMs 100")) {
            $psi.ArgumentList.Add($a)
        }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $stdout = $p.StandardOutput.ReadToEndAsync()
            $stderr = $p.StandardError.ReadToEndAsync()
            # Ctrl+C once the probe runs: the module's engine is loaded (bounded: 60 s), then a few rounds 100 ms apart.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ([DateTime]::UtcNow -lt $deadline -and -not $p.HasExited -and
                -not ((Get-Content -Raw "/proc/$($p.Id)/maps" -ErrorAction Ignore) -match 'SocketProbe\.Engine\.dll')) { Start-Sleep -Milliseconds 50 }
            Start-Sleep -Milliseconds 1000
            & kill -INT $p.Id                 # what Ctrl+C sends
            $p.WaitForExit(10000) | Should -BeTrue
            $text = $stdout.Result
            $text | Should -Match 'totals when stopped'
            # The whole summary, as -Summary gives it without Ctrl+C: every property, each outcome on its own.
            $value = @{}
            foreach ($line in $text -split "`n") { if ($line -match '^(\w+)\s+: ?(.*)$') { $value[$Matches[1]] = $Matches[2].Trim() } }
            foreach ($name in [SocketProbe.Engine.Probe.ProbeSummary].GetProperties().Name) { $value.Keys | Should -Contain $name -Because "the totals after Ctrl+C hold $name" }
            $value.Target | Should -Be '127.0.0.1'
            $value.Port | Should -Be $closed
            $sent = [int]$value.Sent
            $sent | Should -BeGreaterOrEqual 1 -Because 'rounds ran before the stop (how many depends on the machine''s load)'
            [int]$value.Refused | Should -Be $sent -Because 'every attempt to a closed port was refused'
            [int]$value.LongestOutage | Should -Be $sent -Because 'no attempt was Open'
            $value.OutageStart | Should -Not -BeNullOrEmpty
            $value.OutageEnd | Should -Not -BeNullOrEmpty
            $value.MinMs | Should -Not -BeNullOrEmpty
            $value.P95Ms | Should -Not -BeNullOrEmpty
            $stderr.Result | Should -Not -Match 'Parameter set cannot be resolved'
        }
        finally { if (-not $p.HasExited) { $p.Kill() }; $p.Dispose() }
    }
}

Describe 'Test-TcpEndpoint ports, source binding and output formats' {
    BeforeAll {
        $script:Up = New-LoopbackListener -Family IPv4
        $script:UpPort = $Up.LocalEndpoint.Port
    }
    AfterAll { $Up.Stop() }

    It 'warns that the port written in host:port wins over -Port' {
        $r = @(Test-TcpEndpoint -ComputerName "127.0.0.1:$UpPort" -Port 1 -WarningVariable warned -WarningAction SilentlyContinue)
        $r.Port | Should -Be $UpPort
        "$warned" | Should -Match "the port in the name \($UpPort\) wins; -Port 1 is not used"
    }

    It 'binds the probe socket to -SourceAddress (127.0.0.2 to 127.0.0.1) and -SourcePort' -Skip:(-not $IsLinux) {
        $r = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $UpPort -SourceAddress 127.0.0.2
        $r.Outcome | Should -Be 'Open'
        $r.LocalAddress | Should -Be '127.0.0.2'
        $free = Get-ClosedLoopbackPort
        $r = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $UpPort -SourceAddress 127.0.0.2 -SourcePort $free
        $r.LocalPort | Should -Be $free
        $r.Outcome | Should -Be 'Open'
        # localhost with an IPv4 source: only the IPv4 address is probed.
        @(Test-TcpEndpoint -ComputerName localhost -Port $UpPort -SourceAddress 127.0.0.2) | ForEach-Object Address | Should -Be '127.0.0.1'
    }

    It 'refuses a -SourceAddress <Case>' -TestCases @(
        @{ Case = 'that is not on this machine'; Splat = @{ ComputerName = '127.0.0.1'; SourceAddress = '192.0.2.1' }; Id = 'SourceAddressNotLocal' }
        @{ Case = 'of the other family than -AddressFamily'; Splat = @{ ComputerName = '127.0.0.1'; SourceAddress = '::1'; AddressFamily = 'IPv4' }; Id = 'SourceAddressFamilyMismatch' }
        @{ Case = 'of the other family than the target'; Splat = @{ ComputerName = '127.0.0.1'; SourceAddress = '::1' }; Id = 'AddressFamilyMismatch' }
        # Linux binds these, then connect() silently picks 127.0.0.1: the probe would not come from where it says.
        @{ Case = 'that is multicast'; Splat = @{ ComputerName = '127.0.0.1'; SourceAddress = '224.0.0.1' }; Id = 'SourceAddressNotUnicast' }
        @{ Case = 'that is the broadcast address'; Splat = @{ ComputerName = '127.0.0.1'; SourceAddress = '255.255.255.255' }; Id = 'SourceAddressNotUnicast' }
        @{ Case = 'that is unspecified'; Splat = @{ ComputerName = '127.0.0.1'; SourceAddress = '0.0.0.0' }; Id = 'SourceAddressNotUnicast' }
        @{ Case = 'that is IPv6 multicast'; Splat = @{ ComputerName = '::1'; SourceAddress = 'ff02::1' }; Id = 'SourceAddressNotUnicast' }
    ) {
        param($Case, $Splat, $Id)
        $err = $null
        try { Test-TcpEndpoint @Splat -Port 80 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be "$Id,SocketProbe.Commands.TestTcpEndpointCommand"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'writes ISO 8601 UTC times with milliseconds and outcome names to CSV and JSON, and reads them back' {
        $iso = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
        $r = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port (Get-ClosedLoopbackPort), $UpPort)
        $json = $r | ConvertTo-Json
        $json | Should -Match '"Outcome": "Refused"'
        $json | Should -Not -Match '"Outcome": \d'
        $back = $json | ConvertFrom-Json
        $back[0].Outcome | Should -Be 'Refused'
        $back[1].Outcome | Should -Be 'Open'
        # ConvertFrom-Json turns an ISO string into a DateTime: the same instant, to the millisecond.
        ([DateTimeOffset]$back[0].Timestamp).UtcDateTime.ToString('yyyy-MM-ddTHH:mm:ss.fffZ') | Should -Be $r[0].Timestamp
        $csv = Join-Path $TestDrive 'times.csv'
        $r | Export-Csv -Path $csv
        $rows = @(Import-Csv -Path $csv)
        $rows[0].Timestamp | Should -Match $iso
        $rows[0].Timestamp | Should -Be $r[0].Timestamp
        $rows.Outcome | Should -Be 'Refused', 'Open'

        $s = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port (Get-ClosedLoopbackPort) -Count 2 -IntervalMs 0 -Summary)
        $s | Export-Csv -Path $csv
        $row = Import-Csv -Path $csv
        foreach ($name in 'FirstAttempt', 'LastAttempt', 'OutageStart', 'OutageEnd') { $row.$name | Should -Match $iso }
        ($s | ConvertTo-Json | ConvertFrom-Json).Refused | Should -Be 2
    }

    It 'fits the <Kind> view in 80 columns, nothing squeezed away' -TestCases @(
        @{ Kind = 'attempt'; Splat = @{}; Words = 'ConnectMs', 'ErrnoName', 'ECONNREFUSED', 'Refused', ' v4 ', ' v6 ', 'localhost' }
        @{ Kind = 'summary'; Splat = @{ Summary = $true; Count = 2; IntervalMs = 0 }; Words = 'Loss%', 'AvgMs', 'Outcomes', 'Refused 2', '::1', '127.0.0.1', 'localhost:' }
    ) {
        param($Kind, $Splat, $Words)
        $text = Test-TcpEndpoint -ComputerName localhost -Port (Get-ClosedLoopbackPort) @Splat | Out-String -Width 80
        foreach ($line in $text -split "`r?`n") { $line.Length | Should -BeLessOrEqual 80 }
        foreach ($w in $Words) { $text | Should -Match ([regex]::Escape($w)) }
        $text | Should -Not -Match '…\s*$' -Because 'no column is cut to an ellipsis at the end of a line'
    }
}

Describe 'Test-TcpEndpoint probe mode bad input' {
    It 'rejects <Case> with a parameter binding error' -TestCases @(
        @{ Case = 'port 0'; Splat = @{ ComputerName = 'localhost'; Port = 0 }; Pattern = 'Port' }
        @{ Case = 'port 65536'; Splat = @{ ComputerName = 'localhost'; Port = 65536 }; Pattern = 'Port' }
        @{ Case = 'an empty host'; Splat = @{ ComputerName = ''; Port = 80 }; Pattern = 'empty' }
        @{ Case = 'a blank host'; Splat = @{ ComputerName = '   '; Port = 80 }; Pattern = 'empty' }
        @{ Case = 'a negative timeout'; Splat = @{ ComputerName = 'localhost'; Port = 80; TimeoutMs = -1 }; Pattern = 'TimeoutMs' }
        @{ Case = 'Count 0'; Splat = @{ ComputerName = 'localhost'; Port = 80; Count = 0 }; Pattern = 'Count' }
        @{ Case = 'a negative interval'; Splat = @{ ComputerName = 'localhost'; Port = 80; IntervalMs = -1 }; Pattern = 'IntervalMs' }
        @{ Case = 'ThrottleLimit 0'; Splat = @{ ComputerName = 'localhost'; Port = 80; ThrottleLimit = 0 }; Pattern = 'ThrottleLimit' }
        @{ Case = 'ThrottleLimit 1025'; Splat = @{ ComputerName = 'localhost'; Port = 80; ThrottleLimit = 1025 }; Pattern = 'ThrottleLimit' }
        @{ Case = 'an unknown family'; Splat = @{ ComputerName = 'localhost'; Port = 80; AddressFamily = 'IPX' }; Pattern = 'AddressFamily' }
        @{ Case = 'an empty -Send'; Splat = @{ ComputerName = 'localhost'; Port = 80; ReadMs = 100; Send = '' }; Pattern = 'Send' }
        @{ Case = 'SourcePort 0'; Splat = @{ ComputerName = 'localhost'; Port = 80; SourcePort = 0 }; Pattern = 'SourcePort' }
        @{ Case = 'SourcePort 65536'; Splat = @{ ComputerName = 'localhost'; Port = 80; SourcePort = 65536 }; Pattern = 'SourcePort' }
        @{ Case = 'a SourceAddress that is no address'; Splat = @{ ComputerName = 'localhost'; Port = 80; SourceAddress = 'not-an-ip' }; Pattern = 'SourceAddress' }
        @{ Case = 'a SourceAddress with leading zeros (was 127.0.0.8)'; Splat = @{ ComputerName = 'localhost'; Port = 80; SourceAddress = '127.000.000.010' }; Pattern = 'SourceAddress.*leading zero' }
        @{ Case = 'a SourceAddress in hex'; Splat = @{ ComputerName = 'localhost'; Port = 80; SourceAddress = '0x7f.0.0.1' }; Pattern = 'SourceAddress.*four numbers' }
        @{ Case = 'a SourceAddress with an unknown scope'; Splat = @{ ComputerName = 'localhost'; Port = 80; SourceAddress = '::1%nosuchif' }; Pattern = "SourceAddress.*no interface named 'nosuchif'" }
    ) {
        param($Case, $Splat, $Pattern)
        Assert-BindingError Test-TcpEndpoint $Splat $Pattern
    }

    It 'rejects -ReadMs <Value> (the engine''s rule: 1-600000 ms) before probing anything' -TestCases @(
        @{ Value = 0 }, @{ Value = -1 }, @{ Value = 600001 }
    ) {
        param($Value)
        $err = $null
        try { Test-TcpEndpoint -ComputerName localhost -Port 80 -ReadMs $Value -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ReadMsOutOfRange,SocketProbe.Commands.TestTcpEndpointCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$err" | Should -Match '-ReadMs'
        "$err" | Should -Not -Match '   at '
    }

    It 'rejects -Quiet with -Summary, and -Continuous with -Quiet, as unresolvable parameter sets' -TestCases @(
        @{ Splat = @{ Quiet = $true; Summary = $true } }
        @{ Splat = @{ Healthy = $true; Summary = $true } }
        @{ Splat = @{ Quiet = $true; Continuous = $true } }
    ) {
        param($Splat)
        $err = $null
        try { Test-TcpEndpoint -ComputerName localhost -Port 80 @Splat -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'AmbiguousParameterSet,SocketProbe.Commands.TestTcpEndpointCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'rejects -Count with -Continuous before probing anything' {
        $err = $null
        try { Test-TcpEndpoint -ComputerName localhost -Port 80 -Count 2 -Continuous -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'CountWithContinuous,SocketProbe.Commands.TestTcpEndpointCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'writes a non-terminating InvalidArgument error for <Case> and still probes the good target' -TestCases @(
        @{ Case = 'port 0 in host:port'; Text = '127.0.0.1:0'; Id = 'InvalidTarget'; Pattern = 'outside 1-65535' }
        @{ Case = 'port 65536 in [v6]:port'; Text = '[::1]:65536'; Id = 'InvalidTarget'; Pattern = 'outside 1-65535' }
        @{ Case = 'a port that is not a number'; Text = 'localhost:http'; Id = 'InvalidTarget'; Pattern = 'not a number' }
        @{ Case = 'a malformed IPv6 literal'; Text = '[::1:80'; Id = 'InvalidTarget'; Pattern = 'never closes' }
        @{ Case = 'a name with a space'; Text = 'local host'; Id = 'InvalidTarget'; Pattern = 'not a host name' }
        # inet_aton's other spellings are refused, not probed as another address (127.000.000.010 was 127.0.0.8).
        @{ Case = 'leading zeros (octal to inet_aton)'; Text = '127.000.000.010'; Id = 'InvalidTarget'; Pattern = 'leading zero.*127\.0\.0\.8.*127\.0\.0\.10' }
        @{ Case = 'a hex part'; Text = '0x7f.0.0.1'; Id = 'InvalidTarget'; Pattern = 'four numbers' }
        @{ Case = 'a number over 255'; Text = '127.0.0.256'; Id = 'InvalidTarget'; Pattern = 'over 255' }
        @{ Case = 'a scope id on IPv4 (was sent to DNS)'; Text = '127.0.0.1%lo'; Id = 'InvalidTarget'; Pattern = 'IPv4 address takes no scope id' }
        @{ Case = 'an IPv6 scope naming no interface (was dropped)'; Text = '[::1%nosuchif]'; Id = 'InvalidTarget'; Pattern = "no interface named 'nosuchif'" }
        @{ Case = 'an IPv6 scope that is no name'; Text = '::1%$x'; Id = 'InvalidTarget'; Pattern = 'neither an interface name nor a number' }
    ) {
        param($Case, $Text, $Id, $Pattern)
        $closed = Get-ClosedLoopbackPort
        $r = @(Test-TcpEndpoint -ComputerName $Text, "127.0.0.1:$closed" -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 1
        $r[0].Outcome | Should -Be 'Refused'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be "$Id,SocketProbe.Commands.TestTcpEndpointCommand"
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].TargetObject | Should -Be $Text
        "$($errs[0])" | Should -Match $Pattern
    }

    It 'says which target has no port when -Port is missing' {
        $err = $null
        try { Test-TcpEndpoint -ComputerName localhost -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'NoPort,SocketProbe.Commands.TestTcpEndpointCommand'
        "$err" | Should -Match 'has no port'
    }

    It 'refuses an IPv4 literal with -AddressFamily IPv6' {
        $err = $null
        try { Test-TcpEndpoint -ComputerName 127.0.0.1 -Port 80 -AddressFamily IPv6 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'AddressFamilyMismatch,SocketProbe.Commands.TestTcpEndpointCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'skips an empty pipeline record with an error and probes the rest' {
        $closed = Get-ClosedLoopbackPort
        $r = @('', '127.0.0.1' | Test-TcpEndpoint -Port $closed -ErrorVariable errs -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 1
        $r[0].Outcome | Should -Be 'Refused'
        $errs.Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -BeIn 'InvalidArgument', 'InvalidData'
    }

    # HostUnreachable, NetworkUnreachable and NameNotResolved to real addresses need the namespace lab
    # (from the host namespace only loopback may be probed): tests/Lab.Tests.ps1 probes them there.
    # TimedOut is covered above on loopback (full accept queue).
}

