BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:instances = '/sys/kernel/tracing/instances'
    function Get-OwnInstance([int] $ProcessId) {
        # This process's tracing instances wherever tracefs is mounted (its own mount included).
        @(Get-Content /proc/self/mounts | ForEach-Object { $f = $_.Split(' '); if ($f[2] -eq 'tracefs') { $f[1] } } |
            ForEach-Object { Get-ChildItem -Directory (Join-Path $_ 'instances') -Filter "socketprobe-$ProcessId-*" -ErrorAction SilentlyContinue } |
            ForEach-Object Name | Sort-Object -Unique)
    }
}

# Root only: the tracing files are root's. CI runs as root; elsewhere the file says why it skips.
Describe 'Watch-TcpReset and -Trace: the kernel''s own account of each RST (Linux, root)' -Skip:(-not $IsLinux -or (id -u) -ne '0') {
    BeforeAll {
        # Every catalogue scenario that ends in an RST, side by side in one matrix (the shared instance
        # serves them all; each run keeps only its own ports' rows).
        $script:expected = [SocketProbe.Engine.Trace.ScenarioResets]::ByScenario
        # MiddleboxIdleDrop too: its lab's firewall drops the idle flow's segments silently.
        $script:rows = @(Get-SocketErrorMatrix -Scenario (@($expected.Keys) + 'MiddleboxIdleDrop') -Trace -ErrorAction Stop)
    }

    It 'MiddleboxIdleDrop: -Trace says the kernel dropped packets (NETFILTER_DROP) meanwhile, and claims none of those as the run''s' {
        $mine = @($rows | Where-Object { $_.Scenario -eq 'MiddleboxIdleDrop' -and $_.Actor -eq 'Kernel' })
        $note = @($mine | Where-Object Operation -eq Trace)
        $note.Count | Should -Be 1 -Because ($mine.Note -join '; ')
        $note[0].Note | Should -Match '\d+ NETFILTER_DROP: a firewall'
        $note[0].Note | Should -Match 'cannot be told'
    }

    It '<_>: -Trace shows the reset the kernel source says it sends' -TestCases @(
        'ConnectRefused', 'PeerKilledWithUnreadData', 'PeerAbort', 'AcceptThenReset', 'ListenerClosedWithQueue', 'MiddleboxIdleReset',
        'ServerClosesUnreadRequest', 'ResetBeforeAccept', 'WriteAfterReset', 'PeerKilled', 'PeerExit', 'PeerShutdown', 'AcceptOverflowReset', 'PeerReboot'
    ) {
        $e = $expected[$_]
        $mine = @($rows | Where-Object Scenario -eq $_)
        $mine | Where-Object Result -eq Skipped | Should -BeNullOrEmpty -Because ($mine.Note -join '; ')
        $kernel = @($mine | Where-Object Actor -eq Kernel | Where-Object Operation -like 'Rst*')
        if ($e.Direction -eq 'Sent') {
            # Where the kernel source allows two (a closed peer's socket still in FIN_WAIT2, or already its
            # timewait mini-socket), either is the kernel's; one of them must be there.
            $sent = @($kernel | Where-Object Operation -eq RstSent).Message
            @($e.Reason.Split('|') | Where-Object { $sent -contains $_ }) | Should -Not -BeNullOrEmpty -Because "$($e.Source) (saw: $($sent -join ', '))"
        }
        else {
            # Received, never sent here: the first RST the run met came in with no send of this host's.
            $first = $kernel | Select-Object -First 1
            $first.Operation | Should -Be RstReceived
            $first.Message | Should -BeNullOrEmpty
            $first.Note | Should -Match 'never sent by this host'
        }
    }

    It 'every scenario''s own rows only: each RST row names a port of its run''s own flows' {
        foreach ($g in $rows | Where-Object { $_.Actor -eq 'Kernel' -and $_.Operation -like 'Rst*' } | Group-Object Scenario) {
            # A scenario's rows are one flow or a few: never the dozens of a neighbour's.
            $g.Count | Should -BeLessThan 20 -Because $g.Name
        }
    }

    It 'Watch-TcpReset streams a refused connect to its port as Sent NO_SOCKET and its Received twin, then removes its instance' {
        $port = Get-ClosedLoopbackPort
        # Connects until the watch has started (bounded): each try is refused at once.
        $events = @(Invoke-WithRefusedConnect -Port $port { Watch-TcpReset -Port $port -Count 2 -DurationSeconds 10 })
        $events.Count | Should -Be 2
        $events[0].Direction | Should -Be Sent
        $events[0].Reason | Should -Be NO_SOCKET
        $events[0].Verdict | Should -Be NoSocket
        $events[0].LocalPort | Should -Be $port
        $events[1].Direction | Should -Be Received
        $events[1].Verdict | Should -Be SentHere
        $events[1].RemotePort | Should -Be $port
    }

    It 'a Sent row carries its socket''s tcp_info at its end: a close with 5 bytes unread' {
        $server = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $server.Bind([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0)); $server.Listen(8)
        $port = $server.LocalEndPoint.Port
        # Close connections with unread data until the watch has started (bounded): each is one RST.
        $job = Start-ThreadJob -ArgumentList $server {
            param($server)
            for ($i = 0; $i -lt 50; $i++) {
                $c = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
                $c.Connect($server.LocalEndPoint); $a = $server.Accept()
                $null = $c.Send([byte[]]::new(5))
                for ($j = 0; $j -lt 100 -and $a.Available -lt 5; $j++) { Start-Sleep -Milliseconds 5 }
                $a.Close(); $c.Dispose()
                Start-Sleep -Milliseconds 100
            }
        }
        try { $sent = Watch-TcpReset -Port $port -Count 1 -DurationSeconds 10 }
        finally { $job | Stop-Job -PassThru | Remove-Job -Force; $server.Dispose() }
        $sent.Direction | Should -Be Sent
        $sent.Reason | Should -Be TCP_ABORT_ON_CLOSE
        $sent.LocalPort | Should -Be $port
        $sent.UnreadBytes | Should -Be 5 -Because 'sock_diag''s destroy notice gives idiag_rqueue as the socket died'
        $sent.IdleSinceReceiveMs | Should -Not -BeNullOrEmpty
        $sent.Retransmits | Should -Be 0
    }

    It 'Test-TcpEndpoint -Trace: a refused loopback connect met an RST this host sent, NO_SOCKET' {
        $port = Get-ClosedLoopbackPort
        $r = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $port -Trace
        $r.Outcome | Should -Be Refused
        $r.ResetSentByThisHost | Should -BeTrue
        $r.ResetKernelReason | Should -Be NO_SOCKET
        # Without -Trace nothing is claimed (and nothing is traced).
        (Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $port).ResetSentByThisHost | Should -BeNullOrEmpty
    }

    It 'Watch-TcpConnection -Trace: a loopback server''s reset was sent by this host, with the kernel''s reason (Find-TcpIdleTimeout annotates through the same code)' {
        # The server resets (SO_LINGER 0) 300 ms after accepting.
        $server = New-TestServer -Behavior IdleReset -IdleCloseMs 300
        try { $w = @(Watch-TcpConnection -ComputerName 127.0.0.1 -Port $server.Port -HoldSeconds 5 -Trace) }
        finally { $server.Dispose() }
        "$($w[0].Fate)" | Should -Be Reset
        $w[0].ResetSentByThisHost | Should -BeTrue
        $w[0].ResetKernelReason | Should -Be TCP_STATE -Because 'a linger 0 close is tcp_disconnect''s reset (rstreason.h TCP_STATE)'
    }

    It 'a Watch-TcpReset killed with -9 leaves its instance, and the next run removes it' {
        $pwsh, $hostArgs = @(Get-ChildPwsh)[0], @(Get-ChildPwsh | Select-Object -Skip 1)
        $psd1 = Join-Path $script:RepoRoot 'SocketProbe.psd1'
        $argv = $hostArgs + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$psd1'; Watch-TcpReset -DurationSeconds 60 | Out-Null")
        # No diagnostics IPC: a runtime killed with -9 cannot remove its /tmp/dotnet-diagnostic-* and clr-debug-pipe-* files.
        $child = Start-Process -FilePath $pwsh -ArgumentList $argv -PassThru -Environment @{ DOTNET_EnableDiagnostics = '0' }
        try {
            $left = $null
            for ($i = 0; $i -lt 200 -and -not $left; $i++) { Start-Sleep -Milliseconds 50; $left = Get-OwnInstance $child.Id }
            $left | Should -Not -BeNullOrEmpty -Because 'the watch made its instance'
        }
        finally { kill -9 $child.Id; $child.WaitForExit(5000) | Out-Null }
        Get-OwnInstance $child.Id | Should -Be $left -Because 'a process killed with -9 cannot clean up'
        $log = Watch-TcpReset -DurationSeconds 0.2 -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        Get-OwnInstance $child.Id | Should -BeNullOrEmpty
        ($log.Message -join "`n") | Should -Match ([regex]::Escape($left[0]))
    }

    It 'Ctrl+C (a stopped pipeline) removes the watch''s instance before the command returns' {
        $before = @(Get-OwnInstance $PID)
        $started = Start-Bounded -Script 'Watch-TcpReset -DurationSeconds 60' -TimeoutSeconds 60
        $mine = $null
        for ($i = 0; $i -lt 200 -and -not $mine; $i++) { Start-Sleep -Milliseconds 25; $mine = @(Get-OwnInstance $PID | Where-Object { $_ -notin $before }) }
        $mine | Should -Not -BeNullOrEmpty -Because 'the watch made its instance'
        $started.PowerShell.Stop()   # what Ctrl+C does: StopProcessing, then the pipeline ends
        $null = Receive-Bounded $started
        @(Get-OwnInstance $PID | Where-Object { $_ -in $mine }) | Should -BeNullOrEmpty
    }

    It 'leaves nothing in the tracing instances once the shared -Trace instance has lingered' {
        # The shared instance goes 2 s after its last run; Watch-TcpReset's own went at its end.
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while ((Get-OwnInstance $PID) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Get-OwnInstance $PID | Should -BeNullOrEmpty
    }
}

Describe 'Watch-TcpReset where a piece is missing' -Skip:(-not $IsLinux) {
    It 'a tracefs without tcp_send_reset: the same error, naming the event' {
        $root = Join-Path ([IO.Path]::GetTempPath()) "fake-tracefs-$PID"
        $null = New-Item -ItemType Directory -Force (Join-Path $root 'instances')
        try {
            $env:SOCKETPROBE_TRACEFS_ROOT = $root
            { Watch-TcpReset -DurationSeconds 1 -ErrorAction Stop } | Should -Throw -ErrorId 'TracingUnavailable,SocketProbe.Commands.WatchTcpResetCommand' -ExpectedMessage '*tcp_send_reset*'
        }
        finally { $env:SOCKETPROBE_TRACEFS_ROOT = $null; Remove-Item -Recurse -Force $root }
    }

    It 'without CAP_SYS_ADMIN and no tracefs: TracingUnavailable naming the capability and what still works; Test-TcpEndpoint -Trace warns and probes' {
        if ((id -u) -ne '0') { Set-ItResult -Skipped -Because 'making a mount namespace without tracefs needs root'; return }
        foreach ($tool in 'setpriv', 'unshare') {
            if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore)) { Set-ItResult -Skipped -Because "$tool (util-linux) is not installed"; return }
        }
        $psd1 = Join-Path $script:RepoRoot 'SocketProbe.psd1'
        $command = "Import-Module '$psd1'; try { Watch-TcpReset -DurationSeconds 1 -ErrorAction Stop } catch { 'ERR ' + `$_.FullyQualifiedErrorId + ' ' + `$_.CategoryInfo.Category; 'MSG ' + `$_.Exception.Message }; " +
            "`$r = Test-TcpEndpoint 127.0.0.1 -Port $(Get-ClosedLoopbackPort) -Trace 3>&1; 'WARN ' + (`$r | Where-Object { `$_ -is [Management.Automation.WarningRecord] }).Message; 'OUT ' + (`$r | Where-Object Outcome).Outcome"
        $child = @(Get-ChildPwsh) + @('-NoProfile', '-NonInteractive', '-Command', $command)
        # A mount namespace of its own with every tracefs unmounted, then root without any capability.
        $script = 'grep " tracefs " /proc/self/mounts | cut -d" " -f2 | sort -r | while read m; do umount -l "$m"; done; exec setpriv --inh-caps=-all --bounding-set=-all -- "$@"'
        $out = @(& unshare --mount --propagation private sh -c $script sh @child 2>&1)
        $text = $out -join "`n"
        $text | Should -Match 'ERR TracingUnavailable,SocketProbe.Commands.WatchTcpResetCommand ResourceUnavailable'
        ($out | Where-Object { $_ -like 'MSG *' }) | Should -Match 'CAP_SYS_ADMIN.*What still works: Get-TcpCounter.*-Capture'
        ($out | Where-Object { $_ -like 'WARN *' }) | Should -Match '-Trace: ResetSentByThisHost stays empty: .*CAP_SYS_ADMIN'
        ($out | Where-Object { $_ -like 'OUT *' }) | Should -Be 'OUT Refused'
    }
}
