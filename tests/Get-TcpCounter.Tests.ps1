BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Get-TcpCounter in a network namespace of the test''s own (Linux)' -Tag Lab -Skip:($null -ne $script:LabUnavailable) {
    BeforeAll {
        # Only this test's pwsh makes traffic in there (tests/lab/Counters-InNamespace.ps1): every figure
        # is ours, so the module, nstat and /proc must agree exactly.
        $namespaces = Get-NetNamespaceIds
        $script:lab = Invoke-LabScript -Name 'Counters-InNamespace.ps1' -AsHashtable
        $script:exit = $lab.Exit
        $script:r = if ($lab.Report) { $lab.Report } else { @{} }
        $script:left = Wait-LabGone -Before $namespaces
        $script:exp = @{}
        foreach ($e in $r.Experiments) { $script:exp[$e.Name] = $e }
        $script:catalogue = @{}
        foreach ($s in [SocketProbe.Engine.ScenarioCatalog]::All) { $script:catalogue[$s.Name] = $s }
    }

    It 'ran to its end and left no namespace behind' {
        $exit | Should -Be 0 -Because $lab.Why
        $r.Experiments.Count | Should -Be 4
        $left | Should -BeNullOrEmpty
    }

    It '<Name>: Get-TcpCounter, nstat and /proc give the same figures for the same interval' -TestCases @(
        @{ Name = 'Refused5' }, @{ Name = 'AcceptQueueOverflow' }, @{ Name = 'Linger2Abort' }, @{ Name = 'ZeroLingerAbort' }
    ) {
        param($Name)
        $e = $exp[$Name]
        $e.Module.Count | Should -BeGreaterThan 0
        ($e.Module | ConvertTo-Json -Compress) | Should -Be ($e.Proc | ConvertTo-Json -Compress)
        ($e.Module | ConvertTo-Json -Compress) | Should -Be ($e.Nstat | ConvertTo-Json -Compress)
    }

    It '5 refused connects give TcpAttemptFails +5 and TcpOutRsts +5' {
        $exp.Refused5.Module.TcpAttemptFails | Should -Be 5
        $exp.Refused5.Module.TcpOutRsts | Should -Be 5
        $exp.Refused5.Module.TcpActiveOpens | Should -Be 5
    }

    It 'an overflowing accept queue moves TcpExtListenOverflows (and ListenDrops with it)' {
        $exp.AcceptQueueOverflow.Module.TcpExtListenOverflows | Should -BeGreaterThan 0
        $exp.AcceptQueueOverflow.Module.TcpExtListenDrops | Should -BeGreaterOrEqual $exp.AcceptQueueOverflow.Module.TcpExtListenOverflows
    }

    It 'an abortive close with TCP_LINGER2 -1 moves TcpExtTCPAbortOnLinger +1 and sends one RST' {
        $exp.Linger2Abort.Module.TcpExtTCPAbortOnLinger | Should -Be 1
        $exp.Linger2Abort.Module.TcpOutRsts | Should -Be 1
    }

    It 'an abortive close with SO_LINGER {on, 0} moves TcpExtTCPAbortOnData +1, not AbortOnLinger (tcp.c __tcp_close())' {
        $exp.ZeroLingerAbort.Module.TcpExtTCPAbortOnData | Should -Be 1
        $exp.ZeroLingerAbort.Module.Contains('TcpExtTCPAbortOnLinger') | Should -BeFalse
        $exp.ZeroLingerAbort.Module.TcpOutRsts | Should -Be 1
    }

    It '-IntervalSeconds -NonZero shows what moved during the interval, as nstat does' {
        $rows = $r.Interval.Rows
        $rows.Count | Should -BeGreaterThan 0
        $moved = [ordered]@{}
        foreach ($row in $rows | Sort-Object Name) { $moved[$row.Name] = $row.Delta }
        ($moved | ConvertTo-Json -Compress) | Should -Be ($r.Interval.Nstat | ConvertTo-Json -Compress)
        ($rows | Where-Object Name -EQ TcpAttemptFails).Delta | Should -Be 3
        $rows | ForEach-Object {
            $_.Delta | Should -Not -Be 0
            $_.Sample | Should -Be 1
            $_.IntervalSeconds | Should -BeGreaterOrEqual 1.4
            # Both are rounded to 3 decimals: PerSecond x IntervalSeconds gives Delta back to within 0.1 %.
            [Math]::Abs($_.PerSecond * $_.IntervalSeconds - $_.Delta) | Should -BeLessThan (0.001 * $_.Delta + 0.01) -Because 'PerSecond is Delta over the measured interval'
        }
        $rows[0].Name | Should -Be 'TcpOutRsts' -Because 'the reset, abort, overflow and retransmit counters lead'
    }

    It 'reads the same values as /proc, for every counter nstat reports' {
        $r.ValuesAgree | Should -BeTrue
        $r.ValueCount | Should -BeGreaterThan 100
    }

    It 'every catalogue scenario ends with one Kernel Counters row, numbered after its last step' {
        $r.Matrix.Count | Should -Be $catalogue.Count -Because "runs without a counters row: $($r.NotRun -join '; ')"
        foreach ($run in $r.LastSteps) {
            $run.Actors[-1] | Should -Be 'Kernel' -Because "$($run.Scenario)'s counters come last"
            @($run.Actors | Where-Object { $_ -eq 'Kernel' }).Count | Should -Be 1
            $run.Steps[-1] | Should -Be (($run.Steps[0..($run.Steps.Count - 2)] | Measure-Object -Maximum).Maximum + 1)
        }
        foreach ($k in $r.Matrix) {
            $k.Operation | Should -Be 'Counters'
            $k.Result | Should -Be 'Success'
            $k.Expected | Should -BeNullOrEmpty
            $k.Matches | Should -BeNullOrEmpty
        }
    }

    It 'the counter row of every scenario that sends a reset names TcpOutRsts, and is exact for lab scenarios' {
        foreach ($k in $r.Matrix) {
            $s = $catalogue[$k.Scenario]
            $documented = @($s.Counters | Where-Object Platform -EQ 'Linux')
            if ($documented.Counter -contains 'TcpOutRsts') { $k.Note | Should -Match '\bTcpOutRsts \+\d' -Because "$($s.Name) sends a reset" }
            if ($s.NeedsLab) { $k.Note | Should -Match '\(exact: the lab''s own network namespace' }
            else { $k.Note | Should -Match '\(host-wide: ' }
        }
    }

    It 'every counter a scenario documents moved in its run (exactly, in its own lab namespace)' {
        foreach ($k in $r.Matrix) {
            $s = $catalogue[$k.Scenario]
            foreach ($c in @($s.Counters | Where-Object { $_.Platform -eq 'Linux' -and $null -ne $_.Delta })) {
                $m = [regex]::Match($k.Note, "\b$($c.Counter) \+(\d+)")
                $m.Success | Should -BeTrue -Because "$($s.Name) documents $($c.Counter) +$($c.Delta); its row says: $($k.Note)"
                $seen = [long]$m.Groups[1].Value
                if ($s.NeedsLab -and $c.Delta -le 3) {
                    $seen | Should -Be $c.Delta -Because "$($s.Name) runs alone in its lab namespace"
                }
                elseif ($s.NeedsLab) {
                    # Timer-driven counts (one per retransmission) depend on scheduling: present, not to the unit.
                    $seen | Should -BeGreaterThan 0
                }
                else {
                    # Loopback scenarios ran side by side in the test's namespace: the others only add.
                    $seen | Should -BeGreaterOrEqual $c.Delta
                }
            }
        }
    }
}

Describe 'Get-TcpCounter on this host (Linux)' -Skip:(-not $IsLinux) {
    BeforeAll { $script:all = @(Get-TcpCounter) }

    It 'emits one flat object per counter, nstat''s names, no deltas without an interval' {
        $all.Count | Should -BeGreaterThan 100
        $all[0].GetType().FullName | Should -Be 'SocketProbe.Engine.Counters.TcpCounter'
        $all.Name | Should -Contain 'TcpExtListenOverflows'
        $all.Name | Should -Contain 'Ip6InReceives'
        $all.Name | Should -Contain 'UdpNoPorts'
        $all.Name | Should -Contain 'IcmpInDestUnreachs'
        $all.Name | Should -Not -Contain 'TcpCurrEstab' -Because 'nstat leaves out gauges and constants'
        ($all.Name | Sort-Object -Unique).Count | Should -Be $all.Count
        $all | ForEach-Object { $_.Delta | Should -BeNullOrEmpty; $_.PerSecond | Should -BeNullOrEmpty; $_.Sample | Should -Be 1 }
    }

    It 'leads with the reset, abort, overflow and retransmit counters' {
        ($all[0..2].Name -join ',') | Should -Be 'TcpOutRsts,TcpEstabResets,TcpAttemptFails'
        $lastLead = [array]::FindLastIndex([object[]]$all, [Predicate[object]] { param($x) $x.IsLead })
        $firstOther = [array]::FindIndex([object[]]$all, [Predicate[object]] { param($x) -not $x.IsLead })
        $lastLead | Should -BeLessThan $firstOther
        ($all | Where-Object Name -EQ TcpRetransSegs).IsLead | Should -BeTrue
    }

    It 'explains <Name> with the kernel function that counts it' -TestCases @(
        @{ Name = 'TcpOutRsts'; Function = 'tcp_v4_send_reset' }
        @{ Name = 'TcpAttemptFails'; Function = 'tcp_done' }
        @{ Name = 'TcpEstabResets'; Function = 'tcp_set_state' }
        @{ Name = 'TcpExtListenOverflows'; Function = 'tcp_v4_syn_recv_sock' }
        @{ Name = 'TcpExtListenDrops'; Function = 'tcp_listendrop' }
        @{ Name = 'TcpExtTCPAbortOnData'; Function = '__tcp_close' }
        @{ Name = 'TcpExtTCPAbortOnClose'; Function = 'data_was_unread' }
        @{ Name = 'TcpExtTCPAbortOnTimeout'; Function = 'tcp_write_err' }
        @{ Name = 'TcpExtTCPAbortOnLinger'; Function = '__tcp_close' }
        @{ Name = 'TcpRetransSegs'; Function = '__tcp_retransmit_skb' }
        @{ Name = 'TcpExtTCPSynRetrans'; Function = 'tcp_rtx_synack' }
        @{ Name = 'TcpExtTCPTimeouts'; Function = 'tcp_retransmit_timer' }
        @{ Name = 'TcpExtTCPKeepAlive'; Function = 'tcp_keepalive_timer' }
        @{ Name = 'UdpNoPorts'; Function = '__udp4_lib_rcv' }
        @{ Name = 'IcmpInDestUnreachs'; Function = 'icmp_unreach' }
    ) {
        param($Name, $Function)
        $c = Get-TcpCounter -Name $Name
        $c.Meaning | Should -Not -BeNullOrEmpty
        $c.Source | Should -Match ([regex]::Escape($Function))
    }

    It 'names the scenarios measured to move a counter: <Name> -> <Scenario>' -TestCases @(
        @{ Name = 'TcpExtListenOverflows'; Scenario = 'AcceptQueueFull' }
        @{ Name = 'TcpAttemptFails'; Scenario = 'ConnectRefused' }
        @{ Name = 'TcpExtTCPAbortOnClose'; Scenario = 'PeerKilledWithUnreadData' }
        @{ Name = 'TcpExtTCPAbortOnData'; Scenario = 'PeerAbort' }
        @{ Name = 'TcpExtTCPKeepAlive'; Scenario = 'PeerHostCrashKeepalive' }
        @{ Name = 'UdpNoPorts'; Scenario = 'UdpPortUnreachable' }
        @{ Name = 'IpOutNoRoutes'; Scenario = 'ConnectNoRoute' }
    ) {
        param($Name, $Scenario)
        (Get-TcpCounter $Name).Scenarios -split ', ' | Should -Contain $Scenario
    }

    It '-Name takes wildcards, in any letter case' {
        $aborts = @(Get-TcpCounter -Name 'tcpext*abort*')
        $aborts.Name | Should -Contain 'TcpExtTCPAbortOnLinger'
        $aborts.Name | ForEach-Object { $_ | Should -BeLike 'TcpExt*Abort*' }
    }

    It '-NonZero without an interval shows only non-zero values' {
        $nz = @(Get-TcpCounter -NonZero)
        $nz.Count | Should -BeLessThan $all.Count
        $nz | ForEach-Object { $_.Value | Should -Not -Be 0 }
    }

    It '-Count gives one set per interval, each numbered, each over its own interval' {
        $sets = @(Get-TcpCounter -Name TcpOutRsts, TcpAttemptFails -IntervalSeconds 0.2 -Count 3)
        $sets.Count | Should -Be 6
        ($sets.Sample | Sort-Object -Unique) -join ',' | Should -Be '1,2,3'
        $sets | ForEach-Object { $_.Delta | Should -Not -BeNullOrEmpty; $_.IntervalSeconds | Should -BeGreaterThan 0.1 }
        @($sets.Timestamp | Sort-Object -Unique).Count | Should -Be 3
    }

    It '-Count without -IntervalSeconds waits 1 s per set' {
        $set = @(Get-TcpCounter -Name TcpOutRsts -Count 1)
        $set.Count | Should -Be 1
        $set[0].IntervalSeconds | Should -BeGreaterOrEqual 0.9
    }

    It 'round-trips through Export-Csv, every property a scalar (fit for a scheduled job)' {
        $csv = Join-Path $TestDrive 'counters.csv'
        Get-TcpCounter -Name Tcp* -IntervalSeconds 0.1 | Export-Csv -Path $csv
        $back = @(Import-Csv $csv)
        $back.Count | Should -BeGreaterThan 10
        ($back[0].PSObject.Properties.Name -join ',') | Should -Be 'Timestamp,Sample,Name,Value,Delta,PerSecond,IntervalSeconds,Meaning,Source,Scenarios,IsLead'
        [long]($back | Where-Object Name -EQ TcpOutRsts).Value | Should -BeGreaterOrEqual 0
    }

    It 'its default view fits 80 columns and leads with the resets' {
        $text = Get-TcpCounter | Out-String -Width 200
        $lines = $text -split "`n" | ForEach-Object TrimEnd
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        ($lines | Where-Object { $_ -match '^\w' } | Select-Object -Skip 1 -First 1) | Should -Match '^TcpOutRsts\s'
        $text | Should -Match 'Name\s+Value\s+Delta\s+PerSec\s+Meaning'
    }

    It 'stops at once on Ctrl+C (-Continuous), leaving nothing running' {
        $stop = Stop-Midway -Script 'Get-TcpCounter -Continuous -IntervalSeconds 30' -DelayMs 500
        Assert-StoppedCleanly $stop
    }

    It 'each run of a loopback scenario here says its figures are host-wide' {
        $k = @(Invoke-SocketScenario ConnectRefused | Where-Object Actor -EQ Kernel)
        $k.Count | Should -Be 1
        $k[0].Step | Should -Be 2
        $k[0].Note | Should -Match '^TcpOutRsts \+\d+, .*\(host-wide: this process''s network namespace \(net:\[\d+\]\), may include other traffic; over the run''s \d+ ms\)$'
    }
}

Describe 'Get-TcpCounter bad input' {
    It '-IntervalSeconds <Value> is a validation error' -TestCases @(@{ Value = 0 }, @{ Value = -1 }, @{ Value = 100000 }) {
        param($Value)
        $err = $null
        try { Get-TcpCounter -IntervalSeconds $Value -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,SocketProbe.Commands.GetTcpCounterCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It '-Count 0 is a validation error' {
        $err = $null
        try { Get-TcpCounter -Count 0 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,SocketProbe.Commands.GetTcpCounterCommand'
    }

    It '-Count and -Continuous together are a parameter set error' {
        $err = $null
        try { Get-TcpCounter -Count 2 -Continuous -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'AmbiguousParameterSet,SocketProbe.Commands.GetTcpCounterCommand'
    }

    It 'a malformed wildcard <Name> is an InvalidArgument error that says so, before any reading' -TestCases @(
        @{ Name = '[' }, @{ Name = 'Tcp[Out' }, @{ Name = '[z-a]' }
    ) {
        param($Name)
        $err = $null
        $o = @(try { Get-TcpCounter -Name TcpOutRsts, $Name -IntervalSeconds 30 -ErrorAction Stop } catch { $err = $_ })
        $o.Count | Should -Be 0
        $err.FullyQualifiedErrorId | Should -Be 'InvalidWildcardPattern,SocketProbe.Commands.GetTcpCounterCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be $Name
        "$err" | Should -Match 'not a valid wildcard pattern'
        "$err" | Should -Not -Match '   at '
    }

    It 'a name with a wildcard that matches nothing gives nothing, and no error' -Skip:(-not $IsLinux) {
        @(Get-TcpCounter -Name 'NoSuchCounter*' -ErrorVariable errs).Count | Should -Be 0
        $errs.Count | Should -Be 0
    }

    It 'a plain name that is no counter is an ObjectNotFound error, without waiting an interval' -Skip:(-not $IsLinux) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $o = @(Get-TcpCounter -Name NoSuchCounter -IntervalSeconds 30 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        $o.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'CounterNotFound,SocketProbe.Commands.GetTcpCounterCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'NoSuchCounter'
    }

    It 'a plain unknown name next to known ones: an error for it, the others still come' -Skip:(-not $IsLinux) {
        $o = @(Get-TcpCounter -Name TcpOutRsts, Nope -ErrorVariable errs -ErrorAction SilentlyContinue)
        $o.Name | Should -Be 'TcpOutRsts'
        $errs.Count | Should -Be 1
    }
}

Describe 'The link both ways: scenarios and errors name their counters' {
    It 'Get-SocketScenario shows each scenario''s counters, per platform, with the kernel source' {
        $s = Get-SocketScenario ConnectRefused
        $s.Counters | Should -Match '^Linux: TcpAttemptFails \+1 \(.*tcp_done\(\).*\); TcpOutRsts \+1 \(.*tcp_v4_send_reset\(\)'
        $s.Counters | Should -Match '\| Windows: .*documented, not verified'
        @($s.CounterExpectations).Count | Should -BeGreaterThan 1
    }

    It 'every catalogue scenario documents its Linux counters, each one with a meaning in the catalogue' {
        foreach ($s in [SocketProbe.Engine.ScenarioCatalog]::All) {
            $linux = @($s.Counters | Where-Object Platform -EQ Linux)
            $linux.Count | Should -BeGreaterThan 0 -Because "$($s.Name) was measured"
            foreach ($c in $linux) {
                [SocketProbe.Engine.Counters.CounterCatalog]::Find($c.Counter) | Should -Not -BeNullOrEmpty -Because "$($c.Counter) ($($s.Name)) needs a meaning"
                $c.Verified | Should -BeTrue
                $c.Source | Should -Match 'net/ipv4/|include/net/'
            }
        }
    }

    It 'Get-SocketErrorInfo ECONNRESET names the counters on each side' {
        $e = Get-SocketErrorInfo ECONNRESET -Platform Linux
        $e.Counters | Should -Match 'Server side .*TcpOutRsts'
        $e.Counters | Should -Match 'TcpExtTCPAbortOnClose'
        $e.Counters | Should -Match 'Client side: TcpEstabResets'
    }

    It 'Get-SocketErrorInfo names, for <Key>, counters that exist here' -Skip:(-not $IsLinux) -TestCases @(
        @{ Key = 'ECONNREFUSED' }, @{ Key = 'ECONNRESET' }, @{ Key = 'ETIMEDOUT' }, @{ Key = 'EHOSTUNREACH' }, @{ Key = 'ENETUNREACH' }, @{ Key = 'EPIPE' }
    ) {
        param($Key)
        $text = (Get-SocketErrorInfo $Key -Platform Linux).Counters
        $text | Should -Not -BeNullOrEmpty
        $names = @(Get-TcpCounter).Name
        $scenarios = [SocketProbe.Engine.ScenarioCatalog]::Names
        foreach ($m in [regex]::Matches($text, '\b(Tcp|TcpExt|Udp|Icmp|Ip)[A-Z]\w+') | Where-Object { $_.Value -notin $scenarios }) {
            $names | Should -Contain $m.Value -Because "$Key names $($m.Value)"
        }
    }
}

Describe 'Get-TcpCounter on Windows' -Skip:(-not $IsWindows) {
    It 'reads the TCP MIB with GetTcpStatisticsEx2 (documented, not verified here)' {
        $c = @(Get-TcpCounter -Name TcpOutRsts, TcpAttemptFails, UdpNoPorts)
        $c.Count | Should -Be 3
    }
}

Describe 'Get-TcpCounter on macOS' -Skip:(-not $IsMacOS) {
    It 'reads struct tcpstat from net.inet.tcp.stats, or says why not with the platform named' {
        try { $c = @(Get-TcpCounter -Name tcps_*) ; $c.Count | Should -BeGreaterThan 10 }
        catch { "$_" | Should -Match 'macOS' }
    }
}
