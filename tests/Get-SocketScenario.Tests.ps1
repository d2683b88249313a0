BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Names = @([SocketProbe.Engine.ScenarioCatalog]::Names | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:All = @(Get-SocketScenario)
    $script:Catalogue = @([SocketProbe.Engine.ScenarioCatalog]::All)
}

Describe 'Get-SocketScenario' {
    It 'lists every catalogue scenario once, in catalogue order' {
        ($All.Name -join ',') | Should -Be ($Catalogue.Name -join ',')
        $All[0].GetType().FullName | Should -Be 'SocketProbe.Engine.Matrix.ScenarioInfo'
    }

    It '<Name>: describes itself and its expectations per platform' -ForEach $Names {
        $s = $All | Where-Object Name -EQ $Name
        $c = $Catalogue | Where-Object Name -EQ $Name
        foreach ($p in 'Description', 'Textbook', 'Cmdlet', 'ClientActions', 'Linux', 'MacOS', 'Windows') { $s.$p | Should -Not -BeNullOrEmpty -Because $p }
        $s.NeedsLab | Should -Be $c.NeedsLab
        $s.Expectations.Count | Should -Be $c.Expectations.Count
        # The cmdlet that reproduces it is one this module exports.
        (Get-Command -Name $s.Cmdlet -Module SocketProbe).Name | Should -Be $s.Cmdlet
        # The Linux text has one entry per documented Linux step.
        $linux = @($s.Expectations | Where-Object { "$($_.Platform)" -eq 'Linux' })
        $linux.Count | Should -BeGreaterThan 0
        @($s.Linux -split '; ').Count | Should -Be $linux.Count
        ($s.ClientActions -split ', ')[0] | Should -Be "$($c.ClientActions[0])"
    }

    It '<Name>: Windows and macOS rows are marked documented, not verified' -ForEach $Names {
        $s = $All | Where-Object Name -EQ $Name
        foreach ($platform in 'Windows', 'MacOS') {
            $rows = @($s.Expectations | Where-Object { "$($_.Platform)" -eq $platform })
            if ($rows.Count -eq 0) { $s.$platform | Should -Be 'none documented'; continue }
            $rows | Where-Object Verified | Should -BeNullOrEmpty -Because "nobody ran $Name on $platform yet"
            $s.$platform | Should -BeLike 'documented, not verified: *'
        }
    }

    It 'says whether each scenario can run here, and why not' {
        foreach ($s in $All) {
            $s.CanRunHere | Should -Be ($null -eq $s.WhyNot)
        }
        if ($IsLinux -and $null -eq [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()) {
            $All | Where-Object { -not $_.CanRunHere } | ForEach-Object { "$($_.Name): $($_.WhyNot)" } | Should -BeNullOrEmpty
        }
    }

    It 'names the missing piece for lab scenarios when the lab cannot run' -Skip:(-not $IsLinux) {
        # SOCKETPROBE_LAB_PATH replaces PATH for the lab's tool look-up (LabEnvironment.cs): an empty directory = no tools.
        $env:SOCKETPROBE_LAB_PATH = $TestDrive
        try { $s = @(Get-SocketScenario) } finally { Remove-Item Env:SOCKETPROBE_LAB_PATH }
        foreach ($lab in $s | Where-Object NeedsLab) {
            $lab.CanRunHere | Should -BeFalse
            $lab.WhyNot | Should -Match "needs 'unshare'"
        }
        $s | Where-Object { -not $_.NeedsLab -and -not $_.CanRunHere } | Should -BeNullOrEmpty
    }

    It 'names each scenario''s front door, and the front door runs that scenario' -ForEach @(
        @{ Name = 'AcceptThenReset'; FrontDoor = 'Test-TcpRefused -Scenario AcceptThenReset' }
        @{ Name = 'AcceptThenClose'; FrontDoor = 'Test-TcpRefused -Scenario AcceptThenClose' }
        @{ Name = 'AcceptThenSilent'; FrontDoor = 'Test-TcpRefused -Scenario AcceptThenSilent' }
        @{ Name = 'ListenerClosedWithQueue'; FrontDoor = 'Test-TcpRefused -Scenario ListenerClosedWithQueue' }
        @{ Name = 'ServerClosesUnreadRequest'; FrontDoor = 'Test-WriteAfterRst -Variant UnreadRequest' }
        @{ Name = 'WriteAfterShutdown'; FrontDoor = 'Test-WriteAfterRst -Variant Shutdown' }
        @{ Name = 'ServerIdleClose'; FrontDoor = 'Test-WriteAfterRst -Variant IdleClose' }
        @{ Name = 'PeerExit'; FrontDoor = 'Invoke-PeerCrash -Mode Exit' }
    ) {
        $s = Get-SocketScenario $Name
        $s.FrontDoor | Should -Be $FrontDoor
        $s.NeedsLab | Should -BeFalse
        foreach ($p in 'Linux', 'MacOS', 'Windows') { $s.$p | Should -Not -Be 'none documented' -Because "$Name documents $p" }
        $cmd, $param, $value = $FrontDoor -split ' '
        $splat = @{ $param = $value; AddressFamily = 'IPv6' }
        $o = @(& $cmd @splat)
        $o.Scenario | Sort-Object -Unique | Should -Be $Name
        if ($IsLinux) { $o | Select-SocketCall | Where-Object Matches -NE $true | Should -BeNullOrEmpty }
    }

    It 'every scenario of a family is reachable from its front door by its MemberName' {
        foreach ($s in $All) {
            $line = $s.FrontDoor
            $cmd, $param, $value = $line -split ' ' | Select-Object -First 3
            $cmd | Should -Be $s.Cmdlet
            $value | Should -Be $s.MemberName
            $completion = TabExpansion2 -inputScript "$cmd $param " -cursorColumn "$cmd $param ".Length
            $completion.CompletionMatches.CompletionText | Should -Contain $s.MemberName -Because "$line must complete"
        }
    }

    It 'takes wildcards, in any letter case' {
        (Get-SocketScenario -Name 'peer*').Name | Should -Be @($Catalogue.Name -like 'Peer*')
        (Get-SocketScenario Connect*, *Refused).Name -join ',' | Should -Be 'ConnectRefused,ConnectNoRoute,ConnectHostUnreachable,ConnectTimeout'
    }

    It 'filters with -NeedsLab and -NeedsLab:$false' {
        (Get-SocketScenario -NeedsLab).Name -join ',' | Should -Be (($Catalogue | Where-Object NeedsLab).Name -join ',')
        (Get-SocketScenario -NeedsLab:$false).Name -join ',' | Should -Be (($Catalogue | Where-Object { -not $_.NeedsLab }).Name -join ',')
        @(Get-SocketScenario Connect* -NeedsLab).Count | Should -Be 3
    }

    It 'reports a plain name that is not in the catalogue as an error; a pattern may match nothing' {
        $o = @(Get-SocketScenario -Name NoSuchScenario, HalfClose -ErrorVariable errs -ErrorAction SilentlyContinue)
        $o.Name | Should -Be 'HalfClose'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'ScenarioNotFound,SocketProbe.Commands.GetSocketScenarioCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($errs[0])" | Should -Match "No scenario named 'NoSuchScenario'"
        @(Get-SocketScenario -Name 'Nothing*' -ErrorVariable none).Count | Should -Be 0
        $none.Count | Should -Be 0
    }

    It 'rejects an empty name with a parameter error' {
        $err = $null
        try { Get-SocketScenario -Name '' -ErrorAction Stop } catch { $err = $_ }
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
    }

    It 'takes names from the pipeline by value and by property name' {
        ('HalfClose', 'ByteOrderMismatch' | Get-SocketScenario).Name -join ',' | Should -Be 'HalfClose,ByteOrderMismatch'
        ([pscustomobject]@{ Name = 'Udp*' } | Get-SocketScenario).Name | Should -Be 'UdpPortUnreachable'
    }

    It 'pipes into Invoke-SocketScenario, which binds Name by property name' {
        $o = @(Get-SocketScenario PeerKill* | Invoke-SocketScenario)
        ($o.Scenario | Select-Object -Unique) -join ',' | Should -Be 'PeerKilled,PeerKilledWithUnreadData'
        if ($IsLinux) { $o | Where-Object Expected | Where-Object Matches -NE $true | Should -BeNullOrEmpty }
        Get-PeerProcessCount | Should -Be 0
    }

    It 'completes names from the catalogue' {
        $line = 'Get-SocketScenario -Name Udp'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'UdpPortUnreachable'
    }

    It 'shows a table by default' {
        $text = Get-SocketScenario HalfClose | Out-String -Width 200
        $text | Should -Match 'Name\s+NeedsLab\s+CanRunHere\s+Cmdlet\s+Description'
        $text | Should -Match 'HalfClose\s+False\s+True\s+Invoke-SocketScenario'
        $list = Get-SocketScenario HalfClose | Format-List | Out-String -Width 200
        $list | Should -Match 'Linux\s+: 1 Client Shutdown: Success'
        $list | Should -Not -Match 'Expectations' -Because 'the list view keeps to the flat properties'
    }

    It 'exports to CSV with the platform texts as columns' {
        $csv = Join-Path $TestDrive 'scenarios.csv'
        Get-SocketScenario | Export-Csv -Path $csv
        $back = @(Import-Csv $csv)
        $back.Count | Should -Be $Catalogue.Count
        ($back | Where-Object Name -EQ ConnectRefused).Linux | Should -Be '1 Client Connect: Error ECONNREFUSED'
    }
}

Describe 'Get-SocketScenario and lab runs where the lab''s namespace is restricted' -Tag Lab -Skip:(-not $IsLinux -or $null -ne $LabUnavailable) {
    BeforeAll {
        # Side by side, each in a pwsh of its own: a read-only /proc/sys (a mount namespace of the
        # script's own), and a user other than root (setpriv; it keeps CAP_DAC_READ_SEARCH only to
        # read pwsh where the tests' own is installed: the lab's new user namespace does not keep it).
        $readOnlyLab = Start-LabScript -Name Lab-ReadOnlySysctl.ps1 -Unshare '--map-root-user', '--mount', '--propagation', 'private'
        $nobodyHome = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "socketprobe-nobody-$PID") -Force
        & chmod 777 $nobodyHome
        $unprivilegedLab = Start-LabScript -Name Lab-Unprivileged.ps1 -Unshare @() -Prefix 'setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups',
            '--inh-caps', '+dac_read_search', '--ambient-caps', '+dac_read_search', 'env', "HOME=$nobodyHome"
        $script:ReadOnly = Wait-LabScript $readOnlyLab -TimeoutSeconds 60
        $script:Unprivileged = Wait-LabScript $unprivilegedLab -TimeoutSeconds 60
        $script:ReportsLeft = @($readOnlyLab.Out, $unprivilegedLab.Out | Where-Object { Test-Path $_ })
        Remove-Item -Recurse -Force $nobodyHome
    }

    It 'leaves no report behind, the one another user wrote included' {
        $ReportsLeft | Should -BeNullOrEmpty
    }

    It 'a read-only /proc/sys: WhyNot says so, and a lab run is Skipped with that reason' {
        $ReadOnly.Exit | Should -Be 0 -Because $ReadOnly.Why
        if (-not $ReadOnly.Report.ReadOnly) { Set-ItResult -Skipped -Because 'cannot make /proc/sys read-only in a mount namespace here'; return }
        $r = $ReadOnly.Report
        $r.WhyNot | Should -Match 'sysctls .* cannot be written here .*Read-only file system'
        @($r.RunErrors) | Should -BeNullOrEmpty
        @($r.Run).Count | Should -Be 1
        $r.Run.Result | Should -Be 'Skipped'
        $r.Run.Note | Should -Be $r.WhyNot
    }

    It 'a read-only /proc/sys met by the lab itself (the check passed): Skipped with the reason, not a failure' {
        $ReadOnly.Exit | Should -Be 0 -Because $ReadOnly.Why
        if (-not $ReadOnly.Report.ReadOnly) { Set-ItResult -Skipped -Because 'cannot make /proc/sys read-only in a mount namespace here'; return }
        $r = $ReadOnly.Report
        $r.CheckPassed | Should -BeTrue
        @($r.LabRunErrors) | Should -BeNullOrEmpty
        @($r.LabRun).Count | Should -Be 1
        $r.LabRun.Result | Should -Be 'Skipped'
        $r.LabRun.Note | Should -Match 'sysctls .* cannot be written here .*Read-only file system'
        $r.LabRun.Note | Should -Match '/proc/sys/net/ipv4/icmp_ratelimit'
    }

    It 'a user other than root: the middlebox scenario runs, its unreadable conntrack listing is "unknown" with the reason' {
        $Unprivileged.Exit | Should -Be 0 -Because $Unprivileged.Why
        $r = $Unprivileged.Report
        $r.Uid | Should -Be '65534'
        if ($r.LabUnavailable) { Set-ItResult -Skipped -Because "no lab for a user other than root here: $($r.LabUnavailable)"; return }
        $r.WhyNot | Should -BeNullOrEmpty
        @($r.RunErrors) | Should -BeNullOrEmpty
        ($r.Run | Where-Object Operation -EQ 'Idle').Note | Should -Match 'conntrack knows the flow: unknown \(/proc/net/nf_conntrack is not readable here'
        $receive = $r.Run | Where-Object Operation -EQ 'Receive'
        "$($receive.Result) $($receive.ErrnoName)" | Should -Be 'Error ECONNRESET'
        @($r.Run | Where-Object Matches -EQ $false) | Should -BeNullOrEmpty
    }
}
