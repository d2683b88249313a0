# The Linux namespace lab: each lab scenario asserts what Linux really returned, and that nothing is
# left behind: no namespace, no nft table in the host namespace, no peer process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'The namespace lab can run here' -Tag Lab -Skip:(-not $IsLinux) {
    It 'has unshare, ip, nft and the right to make a network namespace (CI installs them)' {
        $script:LabUnavailable | Should -BeNullOrEmpty
    }
}

Describe 'Lab scenario <Name>' -Tag Lab -Skip:(-not $IsLinux) -ForEach @(
    @{ Name = 'ConnectNoRoute'; Run = { Test-TcpRefused -Scenario ConnectNoRoute }; Final = 'Connect Error ENETUNREACH' }
    @{ Name = 'ConnectHostUnreachable'; Run = { Test-TcpRefused -Scenario ConnectHostUnreachable }; Final = 'Connect Error EHOSTUNREACH' }
    @{ Name = 'ConnectTimeout'; Run = { Test-TcpRefused -Scenario ConnectTimeout }; Final = 'Connect Error ETIMEDOUT'; MinMs = 2900 }
    @{ Name = 'PeerHostCrash (Send)'; Run = { Invoke-PeerCrash -Mode HostCrash -ClientAction Send }; Final = 'Receive Error ETIMEDOUT'; MinMs = 2900 }
    @{ Name = 'PeerHostCrash (Idle)'; Run = { Invoke-PeerCrash -Mode HostCrash -ClientAction Idle }; Final = 'Receive TimedOut '; MinMs = 1900 }
    @{ Name = 'PeerHostCrashKeepalive'; Run = { Invoke-PeerCrash -Mode HostCrash -ClientAction Keepalive }; Final = 'Receive Error ETIMEDOUT'; MinMs = 2500 }
    @{ Name = 'PeerReboot'; Run = { Invoke-PeerCrash -Mode Reboot }; Final = 'Send Error EPIPE' }
    @{ Name = 'IcmpUnreachableEstablished'; Run = { Invoke-PeerCrash -Mode IcmpUnreachable }; Final = 'Receive Error EHOSTUNREACH'; MinMs = 2900 }
) {
    BeforeAll {
        $script:namespaces = Get-NetNamespaceIds
        $script:peers = Get-PeerProcessCount
        $script:o = @(& $Run)
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

    It 'leaves no namespace, nft table or peer process behind' {
        Wait-LabGone -Before $script:namespaces | Should -BeNullOrEmpty
        Get-HostNftTables | Should -BeNullOrEmpty
        Get-PeerProcessCount | Should -Be $script:peers
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

    It 'a lab scenario over IPv6 says Skipped with the reason' {
        $o = @(Test-TcpRefused -Scenario ConnectTimeout -AddressFamily IPv6)
        $o.Count | Should -Be 1
        $o[0].Result | Should -Be 'Skipped'
        $o[0].Note | Should -Match 'IPv4 only'
    }
}

Describe 'Stopping a lab scenario midway (Ctrl+C)' -Tag Lab -Skip:(-not $IsLinux) {
    It 'stops <Command> after <DelayMs> ms and leaves nothing behind' -TestCases @(
        @{ Command = 'Invoke-PeerCrash -Mode HostCrash -ClientAction Send'; DelayMs = 100 }
        @{ Command = 'Invoke-PeerCrash -Mode HostCrash -ClientAction Send'; DelayMs = 1500 }
        @{ Command = 'Test-TcpRefused -Scenario ConnectTimeout'; DelayMs = 800 }
    ) {
        param($Command, $DelayMs)
        $namespaces = Get-NetNamespaceIds
        $peers = Get-PeerProcessCount
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$RepoRoot/SocketProbe.psd1'; $Command")
            $handle = $ps.BeginInvoke()
            Start-Sleep -Milliseconds $DelayMs
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.ElapsedMilliseconds | Should -BeLessThan 5000
            $ps.InvocationStateInfo.State | Should -BeIn 'Stopped', 'Completed'
            @($ps.Streams.Error | Where-Object { $_.Exception -isnot [Management.Automation.PipelineStoppedException] }) | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
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

Describe 'Test-TcpRefused probe outcomes that only the lab can produce' -Tag Lab -Skip:(-not $IsLinux) {
    BeforeAll {
        # A namespace of the test's own: pwsh runs the probe inside it (tests/lab/Probe-InLab.ps1).
        $out = Join-Path $TestDrive 'probe.json'
        $pwsh = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $pwshArgs = @(if ((Split-Path -Leaf $pwsh) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })
        $namespaces = Get-NetNamespaceIds
        & unshare --map-root-user --net --mount --fork --kill-child=SIGKILL $pwsh @pwshArgs -NoProfile -NonInteractive `
            -File (Join-Path $PSScriptRoot 'lab/Probe-InLab.ps1') $RepoRoot $out
        $script:exit = $LASTEXITCODE
        $script:results = if (Test-Path $out) { @(Get-Content -Raw $out | ConvertFrom-Json) } else { @() }
        $script:left = Wait-LabGone -Before $namespaces
    }

    It 'ran inside its namespace' {
        $script:exit | Should -Be 0
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
