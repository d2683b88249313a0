# The cmdlets that take targets share one base (src/SocketProbe/TargetCmdlet.cs): how pipeline
# input binds, and that a run ended by a terminating error leaves nothing behind. Loopback only.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # Each targeting cmdlet, run so that a refused loopback port answers at once (no hold, no idle).
    $script:Runs = @{
        'Test-TcpEndpoint'    = { param($InputObject) $InputObject | Test-TcpEndpoint -TimeoutMs 2000 }
        'Watch-TcpConnection' = { param($InputObject) $InputObject | Watch-TcpConnection -HoldSeconds 5 }
        'Find-TcpIdleTimeout' = { param($InputObject) $InputObject | Find-TcpIdleTimeout -MaxSeconds 5 }
    }
}

Describe 'Targets from the pipeline: <Cmdlet>' -ForEach @(
    @{ Cmdlet = 'Test-TcpEndpoint' }, @{ Cmdlet = 'Watch-TcpConnection' }, @{ Cmdlet = 'Find-TcpIdleTimeout' }
) {
    BeforeAll { $script:Closed = Get-ClosedLoopbackPort }

    It 'binds a hashtable by its ComputerName and Port keys (not as the host "System.Collections.Hashtable")' {
        $r = @(& $Runs[$Cmdlet] @{ ComputerName = '127.0.0.1'; Port = $Closed } -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs | Should -BeNullOrEmpty
        $r.Count | Should -BeGreaterThan 0
        $r | ForEach-Object { $_.Target | Should -Be '127.0.0.1'; $_.Port | Should -Be $Closed }
    }

    It 'binds a PSCustomObject by its ComputerName and Port properties' {
        $r = @(& $Runs[$Cmdlet] ([pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $Closed }) -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs | Should -BeNullOrEmpty
        $r.Count | Should -BeGreaterThan 0
        $r | ForEach-Object { $_.Target | Should -Be '127.0.0.1'; $_.Port | Should -Be $Closed }
    }

    It 'takes an alias key, an IPv6 literal and several ports from hashtables' {
        $other = Get-ClosedLoopbackPort -Family IPv6
        $r = @(& $Runs[$Cmdlet] @(@{ CN = '::1'; Port = $Closed, $other }, @{ HostName = '127.0.0.1'; Port = "$Closed" }) -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs | Should -BeNullOrEmpty
        @($r | ForEach-Object { "$($_.Target) $($_.Port)" } | Sort-Object -Unique) |
            Should -Be (@("::1 $Closed", "::1 $other", "127.0.0.1 $Closed") | Sort-Object)
    }

    It 'refuses a hashtable without a ComputerName key as a binding error, not a host lookup' {
        $err = $null
        try { & $Runs[$Cmdlet] @{ Port = $Closed } -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        "$err" | Should -Match 'ComputerName key'
    }
}

Describe 'A targeting cmdlet ended by a terminating error' -Skip:(-not $IsLinux) {
    It 'is IDisposable, so PowerShell releases its cancellation source even when EndProcessing never ends' {
        foreach ($type in [SocketProbe.Commands.TestTcpEndpointCommand], [SocketProbe.Commands.WatchTcpConnectionCommand], [SocketProbe.Commands.FindTcpIdleTimeoutCommand]) {
            $type.GetInterfaces() | Should -Contain ([IDisposable])
        }
    }

    It 'leaves no socket, descriptor or process behind when <Case>' -TestCases @(
        @{ Case = 'a downstream command throws on the first probe result'; Script = { param($Port) Test-TcpEndpoint 127.0.0.1 -Port $Port -Count 200 -IntervalMs 0 | ForEach-Object { throw 'downstream stop' } } }
        @{ Case = 'a downstream command throws on the first held connection'; Script = { param($Port) Watch-TcpConnection 127.0.0.1 -Port $Port, (Get-ClosedLoopbackPort) -Count 5 -HoldSeconds 30 | ForEach-Object { throw 'downstream stop' } } }
    ) {
        param($Case, $Script)
        $listener = New-LoopbackListener
        try {
            # Warm up once so that what .NET opens for good on first use is not counted.
            $null = Test-TcpEndpoint 127.0.0.1 -Port $listener.LocalEndpoint.Port
            $before = Get-ResourceSnapshot
            $err = $null
            try { & $Script $listener.LocalEndpoint.Port } catch { $err = $_ }
            "$err" | Should -Be 'downstream stop'
            Compare-ResourceSnapshot -Before $before -SettleMs 3000 | Should -BeNullOrEmpty
        }
        finally { $listener.Stop() }
    }
}
