BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Names = @([SocketProbe.Engine.ScenarioCatalog]::Names | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:LabWhyNot = [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()
    $script:PeersBefore = Get-PeerProcessCount

    # The whole catalogue, once, as a user runs it; every assertion on the full matrix uses this run.
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $script:Rows = @(Get-SocketErrorMatrix -InformationVariable info -ErrorVariable failures -ErrorAction SilentlyContinue -ProgressAction SilentlyContinue)
    $clock.Stop()
    $script:WallMs = $clock.Elapsed.TotalMilliseconds
    $script:Failures = @($failures)
    $script:Runs = @($info.MessageData | Where-Object { $_ -is [SocketProbe.Engine.Matrix.MatrixRun] })
    $script:Total = $info.MessageData | Where-Object { $_ -is [SocketProbe.Engine.Matrix.MatrixResult] }
    $script:PeersAfter = Get-PeerProcessCount
}

Describe 'Get-SocketErrorMatrix: the whole catalogue in one run' {
    It 'ran every scenario without an engine failure' {
        $Failures | ForEach-Object { "$_" } | Should -BeNullOrEmpty
        $Runs.Count | Should -Be ([SocketProbe.Engine.ScenarioCatalog]::All.Count)
        $Runs | Where-Object Status -EQ 'Failed' | Should -BeNullOrEmpty
    }

    It 'has rows for <Name>' -ForEach $Names {
        @($Rows | Where-Object Scenario -EQ $Name).Count | Should -BeGreaterThan 0
    }

    It 'hands each scenario''s rows over together, in step order' {
        $blocks = @($Rows | ForEach-Object -Begin { $last = $null } -Process {
                if ($_.Scenario -ne $last) { $_.Scenario; $last = $_.Scenario }
            })
        $blocks.Count | Should -Be ($blocks | Sort-Object -Unique).Count -Because 'a scenario''s rows must not be split up'
        foreach ($name in $blocks) {
            $steps = @($Rows | Where-Object Scenario -EQ $name | ForEach-Object Step)
            ($steps -join ',') | Should -Be (($steps | Sort-Object) -join ',') -Because "$name's rows are in step order"
        }
    }

    It 'can run the lab here (CI installs nftables, iproute2 and util-linux and runs as root)' -Skip:(-not $IsLinux) {
        $LabWhyNot | Should -BeNullOrEmpty -Because 'on the Linux test machine no scenario may be Skipped'
    }

    It 'skips nothing on Linux' -Skip:(-not $IsLinux) {
        $Rows | Where-Object Result -EQ 'Skipped' | ForEach-Object { "$($_.Scenario): $($_.Note)" } | Should -BeNullOrEmpty
        $Total.Skipped | Should -Be 0
    }

    It '<Name>: every documented Linux step was observed and Matches' -ForEach $Names -Skip:(-not $IsLinux) {
        $info = Get-SocketScenario -Name $Name
        $action = ($info.ClientActions -split ', ')[0]   # the matrix plays each scenario's default client action
        $documented = @($info.Expectations | Where-Object { "$($_.Platform)" -eq 'Linux' -and (-not $_.When -or $_.When -eq $action) })
        $documented.Count | Should -BeGreaterThan 0
        $observed = @($Rows | Where-Object Scenario -EQ $Name)
        foreach ($e in $documented) {
            $row = $observed | Where-Object Step -EQ $e.Step
            $row | Should -Not -BeNullOrEmpty -Because "Linux documents step $($e.Step) of $Name"
            $row.Actor | Should -Be $e.Actor
            $row.Operation | Should -Be $e.Operation
            $row.Matches | Should -BeTrue -Because "step $($e.Step) observed $($row.Result) $($row.ErrnoName), expected $($row.Expected)"
        }
        $observed | Where-Object { $_.Expected -and $_.Matches -ne $true } | Should -BeNullOrEmpty
        $observed.Platform | Sort-Object -Unique | Should -BeLike 'Linux *'
    }

    It 'emits flat rows: every property a scalar' {
        $Rows[0].GetType().FullName | Should -Be 'SocketProbe.Engine.Observation'
        $nested = foreach ($p in $Rows.ForEach({ $_.PSObject.Properties })) {
            if ($null -ne $p.Value -and -not ($p.Value.GetType().IsPrimitive -or $p.Value -is [string])) { "$($p.Name): $($p.Value.GetType())" }
        }
        $nested | Should -BeNullOrEmpty
    }

    It 'round-trips through Export-Csv' {
        $csv = Join-Path $TestDrive 'matrix.csv'
        $Rows | Export-Csv -Path $csv
        $back = @(Import-Csv -Path $csv)
        $back.Count | Should -Be $Rows.Count
        ($back[0].PSObject.Properties.Name -join ',') | Should -Be ($Rows[0].PSObject.Properties.Name -join ',')
        ($back.Scenario | Sort-Object -Unique) -join ',' | Should -Be (([SocketProbe.Engine.ScenarioCatalog]::Names | Sort-Object) -join ',')
        if ($IsLinux) { $back | Where-Object Expected | Where-Object Matches -NE 'True' | Should -BeNullOrEmpty }
    }

    It 'runs scenarios side by side: the runs overlap (how much faster that is, bench/ measures)' {
        $Total.ElapsedMs | Should -BeLessOrEqual $WallMs
        # Runs overlapped: at some moment more than one run was in flight (a run started before another had finished).
        $inFlight = foreach ($r in $Runs) { @($Runs | Where-Object { $_.StartedAtMs -le $r.StartedAtMs -and $_.FinishedAtMs -gt $r.StartedAtMs }).Count }
        ($inFlight | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 1
    }

    It 'reports the totals on the information stream' {
        $Total.Scenarios | Should -Be $Runs.Count
        # Socket calls only: faults, signals and process ends match nothing and are not counted.
        $Total.Steps | Should -Be @($Rows | Where-Object Result -NE 'Skipped' | Select-SocketCall).Count
        $Total.Steps | Should -BeLessThan @($Rows | Where-Object Result -NE 'Skipped').Count
        $Total.Matched | Should -Be @($Rows | Where-Object Matches -EQ $true).Count
        $Total.Differ | Should -Be @($Rows | Where-Object Matches -EQ $false).Count
        $Total.ThrottleLimit | Should -Be ([SocketProbe.Engine.Matrix.MatrixRunner]::DefaultThrottleLimit)
        "$Total" | Should -Match "^$($Runs.Count) scenarios, $($Total.Steps) steps, $($Total.Matched) match, $($Total.Differ) differ"
    }

    It 'leaves no peer process or lab behind' {
        $PeersAfter | Should -Be $PeersBefore
        $PeersAfter | Should -Be 0
    }
}

Describe 'Get-SocketErrorMatrix options' {
    It '-Scenario runs only the named scenarios, each once, whatever the letter case' {
        $o = @(Get-SocketErrorMatrix -Scenario halfclose, ByteOrderMismatch, HalfClose)
        ($o.Scenario | Sort-Object -Unique) -join ',' | Should -Be 'ByteOrderMismatch,HalfClose'
        # Six calls, then (where the counters can be read) the run's one Kernel row.
        @($o | Where-Object { $_.Scenario -eq 'HalfClose' -and $_.Actor -ne 'Kernel' }).Count | Should -Be 6
        if ($IsLinux) { @($o | Where-Object { $_.Scenario -eq 'HalfClose' -and $_.Actor -eq 'Kernel' }).Count | Should -Be 1 }
    }

    It '-Steps gives one row per step: observed next to expected' {
        $s = @(Get-SocketErrorMatrix -Scenario ConnectRefused, WriteAfterReset -Steps)
        $s[0].GetType().FullName | Should -Be 'SocketProbe.Engine.Matrix.MatrixStep'
        @($s | Where-Object Actor -NE Kernel).Count | Should -Be (1 + 6)
        if ($IsLinux) { @($s | Where-Object Actor -EQ Kernel).Count | Should -Be 2 -Because 'each run ends with its counters row' }
        $refused = $s | Where-Object { $_.Scenario -eq 'ConnectRefused' -and $_.Actor -ne 'Kernel' }
        $refused.Step | Should -Be 1
        $refused.Operation | Should -Be 'Connect'
        $refused.AddressFamily | Should -Be 'IPv4'
        $refused.ElapsedMs | Should -BeGreaterThan 0
        if ($IsLinux) {
            $refused.Observed | Should -Be 'Error ECONNREFUSED'
            $refused.Expected | Should -Be 'Error ECONNREFUSED'
            $refused.Source | Should -Match 'tcp_reset'
            $refused.Matches | Should -BeTrue
            ($s | Where-Object { $_.Scenario -eq 'WriteAfterReset' -and $_.Step -eq 5 }).Observed | Should -Be 'Error EPIPE'
        }
        $csv = Join-Path $TestDrive 'summary.csv'
        $s | Export-Csv -Path $csv
        (Import-Csv $csv).Count | Should -Be $s.Count
    }

    It '-Steps shows a scenario that cannot run as one Skipped row with the reason' {
        # A lab without its tools (an empty SOCKETPROBE_LAB_PATH) cannot run; elsewhere the lab is Linux only.
        $env:SOCKETPROBE_LAB_PATH = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'no-tools') -Force
        try {
            $s = @(Get-SocketErrorMatrix -Scenario AcceptOverflowReset -Steps)
            $summary = @(Get-SocketErrorMatrix -Scenario AcceptOverflowReset -Summary)
        }
        finally { Remove-Item Env:SOCKETPROBE_LAB_PATH }
        $s.Count | Should -Be 1
        $s[0].Observed | Should -Be 'Skipped'
        $s[0].Note | Should -Not -BeNullOrEmpty
        $s[0].Matches | Should -BeNullOrEmpty
        # The reason on the lines below the row, wrapped by words: joined, it reads whole.
        (($s | Out-String -Width 80) -replace "\r?\n\s+", ' ') | Should -Match ([regex]::Escape("skipped: $($s[0].Note)"))
        # -Summary: one row, Skipped, the documented steps it never reached counted, the reason shown.
        $summary.Count | Should -Be 1
        $summary[0].Verdict | Should -Be 'Skipped'
        $summary[0].Steps | Should -Be 0
        $summary[0].Reason | Should -Be $s[0].Note
        if ($IsLinux) { $summary[0].Skipped | Should -BeGreaterThan 0 }
        (($summary | Out-String -Width 80) -replace "\r?\n\s+", ' ') | Should -Match "AcceptOverflowReset\s+IPv4\s+0\s+0\s+0\s+\d+\s+Skipped $([regex]::Escape($s[0].Note))"
    }

    It '-Summary gives one row per scenario and family: steps, matched, differ, skipped and a verdict, agreeing with the steps' {
        $rows = @(Get-SocketErrorMatrix -Scenario HalfClose, PeerAbort -AddressFamily Any -Summary -InformationVariable info)
        $rows.Count | Should -Be 4
        $rows[0].GetType().FullName | Should -Be 'SocketProbe.Engine.Matrix.MatrixSummary'
        # In catalogue order, a scenario's families together (not in the order the runs happened to finish).
        $catalogue = @(Get-SocketScenario | Where-Object Name -In HalfClose, PeerAbort).Name
        ($rows | ForEach-Object { "$($_.Scenario) $($_.AddressFamily)" }) -join ',' |
            Should -Be (($catalogue | ForEach-Object { "$_ IPv4"; "$_ IPv6" }) -join ',')
        # The counts are the runs' own (the MatrixRun records on the information stream), not the step rows again.
        $runs = @($info.MessageData | Where-Object { $_ -is [SocketProbe.Engine.Matrix.MatrixRun] })
        foreach ($row in $rows) {
            $run = $runs | Where-Object { $_.Scenario -eq $row.Scenario -and $_.AddressFamily -eq $row.AddressFamily }
            $row.Steps | Should -Be $run.Steps
            $row.Matched | Should -Be $run.Matched
            $row.Differ | Should -Be $run.Differ
            $row.Steps | Should -Be ($row.Matched + $row.Differ + $row.Undocumented)
            $row.Verdict | Should -Be $(if ($row.Differ) { 'Differ' } elseif ($row.Undocumented) { 'Undocumented' } else { 'Match' })
            if ($IsLinux) { $row.Verdict | Should -Be 'Match'; $row.Skipped | Should -Be 0 -Because 'a run that went to its end reached every documented step' }
        }
        ($rows | Where-Object Scenario -EQ HalfClose)[0].Steps | Should -Be 6
        $csv = @($rows | ConvertTo-Csv | ConvertFrom-Csv)
        $csv.Count | Should -Be 4
        $csv[0].Verdict | Should -Be $rows[0].Verdict
    }

    It '-AddressFamily Any runs each scenario on both families' {
        $s = @(Get-SocketErrorMatrix -Scenario HalfClose -AddressFamily Any -Steps)
        @($s | Where-Object { $_.AddressFamily -eq 'IPv4' -and $_.Actor -ne 'Kernel' }).Count | Should -Be 6
        @($s | Where-Object { $_.AddressFamily -eq 'IPv6' -and $_.Actor -ne 'Kernel' }).Count | Should -Be 6
    }

    It 'takes scenario names from Get-SocketScenario through the pipeline' {
        $o = @(Get-SocketScenario -Name HalfC*, Byte* | Get-SocketErrorMatrix)
        ($o.Scenario | Sort-Object -Unique) -join ',' | Should -Be 'ByteOrderMismatch,HalfClose'
    }

    It 'runs nothing for an empty pipeline' {
        @(@() | Get-SocketErrorMatrix).Count | Should -Be 0
    }

    It 'shows what runs and what is done with Write-Progress, then completes the bar' {
        $ps = [powershell]::Create()
        try {
            $psd1 = Join-Path $RepoRoot 'SocketProbe.psd1'
            $null = $ps.AddScript("Import-Module '$psd1'; Get-SocketErrorMatrix -Scenario ConnectRefused, HalfClose, ByteOrderMismatch")
            $out = $ps.Invoke()
            $progress = @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
        $out.Count | Should -BeGreaterThan 0
        $progress.Activity | Sort-Object -Unique | Should -Be 'Socket error matrix'
        @($progress | Where-Object CurrentOperation -Like '* started').Count | Should -Be 3
        @($progress | Where-Object CurrentOperation -Like '* Completed in * ms').Count | Should -Be 3
        $progress | Where-Object RecordType -EQ Processing | ForEach-Object StatusDescription | Should -Match '^\d of 3 done; running: '
        $progress[-1].RecordType | Should -Be 'Completed'
        $progress[-2].StatusDescription | Should -Be '3 of 3 done; running: none'
    }

    It 'offers a Matrix table view over the observations' {
        $text = Get-SocketErrorMatrix -Scenario ConnectRefused | Format-Table -View Matrix | Out-String -Width 200
        $text | Should -Match 'Scenario\s+Step\s+Actor\s+Operation\s+ElapsedMs\s+Matches\s+Observed\s+Expected'
        if ($IsLinux) { $text | Should -Match '(?m)ConnectRefused\s+1\s+Client\s+Connect\s+[\d.,]+\s+True\s+Error ECONNREFUSED\s+Error ECONNREFUSED\s*$' }
        # The default view of an observation stays the one grouped by scenario.
        (Get-SocketErrorMatrix -Scenario ConnectRefused | Out-String) | Should -Match 'Scenario: ConnectRefused'
    }

    It 'stops at Ctrl+C and leaves no peer or lab process behind' -Skip:(-not $IsLinux) {
        $ps = [powershell]::Create()
        try {
            $psd1 = Join-Path $RepoRoot 'SocketProbe.psd1'
            $null = $ps.AddScript("Import-Module '$psd1'; Get-SocketErrorMatrix -Scenario ConnectTimeout, PeerHostCrash, PeerKilled, HalfClose")
            $running = $ps.BeginInvoke()
            # Same process, so the helper sees this run's peers and labs; wait (bounded) until they are up.
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ((Get-PeerProcessCount) -lt 2 -and [DateTime]::UtcNow -lt $deadline -and -not $running.IsCompleted) { Start-Sleep -Milliseconds 20 }
            $seen = Get-PeerProcessCount
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()   # what Ctrl+C does: StopProcessing
            $clock.Stop()
        }
        finally { $ps.Dispose() }
        $seen | Should -BeGreaterOrEqual 2 -Because 'the leftover check must see processes while they run'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'the kernel timers are not waited for after a stop'
        Get-PeerProcessCount | Should -Be 0
    }

    It 'completes scenario names' {
        $line = 'Get-SocketErrorMatrix -Scenario PeerKi'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText |
            Should -Be 'PeerKilled', 'PeerKilledWithUnreadData'
    }

    It 'writes a run''s timing to the verbose stream' {
        $verbose = Get-SocketErrorMatrix -Scenario HalfClose -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'HalfClose \(IPv4\): Completed in \d+ ms'
    }
}

Describe 'Get-SocketErrorMatrix when one scenario fails' -Skip:(-not $IsLinux -or $null -ne [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()) {
    It 'reports a non-terminating error for it and runs the others to their end' {
        # SOCKETPROBE_LAB_PATH replaces PATH for the lab's tool look-up (LabEnvironment.cs). This
        # unshare passes the lab check but fails every lab run: a lab that breaks mid-way.
        $dir = Join-Path $TestDrive 'labpath'
        New-Item -ItemType Directory -Path $dir | Out-Null
        foreach ($t in 'ip', 'nft') { New-Item -ItemType SymbolicLink -Path (Join-Path $dir $t) -Target ([SocketProbe.Engine.Lab.LabEnvironment]::FindTool($t)) | Out-Null }
        Set-Content -Path (Join-Path $dir 'unshare') -Value "#!/bin/sh`ncase `"`$*`" in *$([SocketProbe.Engine.Lab.LabEnvironment]::CheckName)*) exit 0;; esac`necho 'simulated lab failure' >&2`nexit 1"
        & chmod +x (Join-Path $dir 'unshare')
        $env:SOCKETPROBE_LAB_PATH = $dir
        try { $o = @(Get-SocketErrorMatrix -Scenario ConnectNoRoute, ConnectRefused, HalfClose -ErrorVariable errs -ErrorAction SilentlyContinue) }
        finally { Remove-Item Env:SOCKETPROBE_LAB_PATH }
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'LabFailed,SocketProbe.Commands.GetSocketErrorMatrixCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'OperationStopped'
        $errs[0].TargetObject | Should -Be 'ConnectNoRoute'
        "$errs" | Should -Match 'ConnectNoRoute \(IPv4\) failed; the other scenarios go on: .*simulated lab failure'
        ($o.Scenario | Sort-Object -Unique) -join ',' | Should -Be 'ConnectRefused,HalfClose'
        @($o | Where-Object { $_.Scenario -eq 'HalfClose' -and $_.Actor -ne 'Kernel' }).Count | Should -Be 6
        Get-PeerProcessCount | Should -Be 0
    }
}

Describe 'Get-SocketErrorMatrix bad input' {
    It 'rejects <Case> with a parameter error' -TestCases @(
        @{ Case = 'an unknown scenario'; Splat = @{ Scenario = 'NoSuchScenario' }; Pattern = 'Unknown scenario' }
        @{ Case = 'an empty scenario name'; Splat = @{ Scenario = '' }; Pattern = 'empty' }
        @{ Case = 'ThrottleLimit 0'; Splat = @{ ThrottleLimit = 0 }; Pattern = 'ThrottleLimit' }
        @{ Case = 'ThrottleLimit 65'; Splat = @{ ThrottleLimit = 65 }; Pattern = 'ThrottleLimit' }
        @{ Case = 'an unknown address family'; Splat = @{ AddressFamily = 'IPX' }; Pattern = 'AddressFamily' }
    ) {
        param($Case, $Splat, $Pattern)
        Assert-BindingError Get-SocketErrorMatrix $Splat $Pattern
    }

    It 'rejects an unknown name that arrives from the pipeline' {
        $err = $null
        try { [pscustomobject]@{ Name = 'Nope' } | Get-SocketErrorMatrix -ErrorAction Stop } catch { $err = $_ }
        "$err" | Should -Match 'Unknown scenario'
    }
}
