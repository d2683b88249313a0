# Leftovers: Ctrl+C at several moments leaves nothing behind, children leave nothing behind on their
# failure paths, and no packet of ours leaves loopback or the lab. (Split from Reliability.Tests.ps1
# so that build.ps1 runs the two side by side.) Behaviour only: speed is measured in bench/.

BeforeDiscovery {
    Import-Module (Join-Path (Split-Path -Parent $PSScriptRoot) 'SocketProbe.psd1') -Force
    $HasMatrix = [bool](Get-Command Get-SocketErrorMatrix -Module SocketProbe -ErrorAction Ignore)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Manifest = Join-Path $RepoRoot 'SocketProbe.psd1'
}

Describe 'Ctrl+C at several moments leaves nothing behind' -Tag 'Reliability' -Skip:(-not $IsLinux) {
    BeforeAll {
        # Warm-up of every path in this process, so first-use descriptors are not counted as
        # leftovers: the socket engine, the spawner, and what a first stopped runspace opens for good
        # (PowerShell's Security module, SocketProbe.pdb read for the stop's stack trace).
        $null = Invoke-PeerCrash -Mode KillWithUnreadData
        $null = Invoke-SocketScenario -Name WriteAfterReset
        if (-not [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()) { $null = Invoke-SocketScenario -Name PeerReboot }
        $null = Stop-Midway -Command 'Invoke-PeerCrash -Mode KillWithUnreadData' -Moment @{ Until = 'Time'; AfterMs = 0 } -Leftovers
        $null = Stop-Midway -Command 'Invoke-PeerCrash -Mode KillWithUnreadData' -Moment @{ Until = 'Output' } -Leftovers
        # A stop that surely meets a running cmdlet (AcceptQueueFull waits ~3 s for TCP_SYNCNT after its
        # first row): on a loaded machine the two above may finish before their stop, and the first stop
        # that interrupts SocketProbe code opens the pdb and the Security module for good.
        $null = Stop-Midway -Command 'Test-TcpRefused -Scenario AcceptQueueFull' -Moment @{ Until = 'Output' } -Leftovers
    }

    BeforeDiscovery {
        $soon = @{ Label = '50 ms in'; Until = 'Time'; AfterMs = 50 }
        $at300 = @{ Label = '300 ms in'; Until = 'Time'; AfterMs = 300 }
        $at1500 = @{ Label = '1.5 s in'; Until = 'Time'; AfterMs = 1500 }
        $now = @{ Label = 'right away'; Until = 'Time'; AfterMs = 0 }
        $peerUp = @{ Label = 'once its peer process runs'; Until = 'Peer' }
        $labUp = @{ Label = 'once its lab namespace exists'; Until = 'Lab' }
        $labPeerUp = @{ Label = 'once the peer process inside its lab starts'; Until = 'LabPeer' }
        $firstOut = @{ Label = 'after the first observation'; Until = 'Output' }
        $cases = @(
            foreach ($m in $now, $soon, $peerUp, $firstOut) { @{ Command = 'Invoke-PeerCrash -Mode KillWithUnreadData'; Moment = $m; Lab = $false } }
            foreach ($m in $peerUp, $firstOut) { @{ Command = 'Invoke-PeerCrash -Mode Exit -ClientAction Send'; Moment = $m; Lab = $false } }
            foreach ($m in $soon, $at300, $labUp, $labPeerUp, $at1500, $firstOut) { @{ Command = 'Invoke-PeerCrash -Mode HostCrash'; Moment = $m; Lab = $true } }
            foreach ($m in $soon, $at300, $at1500) { @{ Command = 'Test-TcpRefused -Scenario ConnectTimeout'; Moment = $m; Lab = $true } }
            foreach ($m in $at300, $at1500) { @{ Command = 'Invoke-SocketScenario -Name PeerHostCrashKeepalive'; Moment = $m; Lab = $true } }
            # In-process, but waits out TCP_SYNCNT on loopback: a listener whose accept queue is full.
            foreach ($m in $soon, $firstOut, $at1500) { @{ Command = 'Test-TcpRefused -Scenario AcceptQueueFull'; Moment = $m; Lab = $false } }
            foreach ($m in $at300, $labPeerUp, $firstOut) { @{ Command = 'Invoke-SocketScenario -Name PeerReboot'; Moment = $m; Lab = $true } }
            # In-process scenarios take milliseconds: a stream of them through the pipeline is the long run.
            foreach ($m in $soon, $firstOut) { @{ Command = "1..500 | ForEach-Object { 'WriteAfterReset', 'SendBufferFull', 'HalfClose' } | Invoke-SocketScenario"; Moment = $m; Lab = $false } }
        )
        $matrixCases = foreach ($m in $soon, $at300, $labPeerUp, $at1500, $firstOut) { @{ Command = 'Get-SocketErrorMatrix'; Moment = $m; Lab = $true } }
    }

    It '<Command>, stopped <Moment.Label>: Stopped, no error but the stop, nothing left' -TestCases $cases {
        param($Command, $Moment, $Lab)
        if ($Lab -and [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()) {
            Set-ItResult -Skipped -Because "the namespace lab cannot run here: $([SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable())"
            return
        }
        $r = Stop-Midway -Command $Command -Moment $Moment -Leftovers
        $r.Grown | Should -BeNullOrEmpty -Because 'no process, descriptor, namespace or nft table may outlive a stopped run'
        $r.StopMs | Should -BeLessThan 5000 -Because 'Stop() must return promptly, not hang'
        $r.Errors | Where-Object { $_.Exception -isnot [Management.Automation.PipelineStoppedException] } |
            ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" } | Should -BeNullOrEmpty
        if (-not $r.WasRunning) {
            Set-ItResult -Inconclusive -Because 'the command had already finished at that moment (nothing was left, but nothing was stopped either)'
            return
        }
        $r.State | Should -Be 'Stopped'
        if ($r.EndError) { $r.EndError | Should -BeOfType [Management.Automation.PipelineStoppedException] }
    }

    It '<Command>, stopped <Moment.Label>: Stopped, no error but the stop, nothing left' -TestCases $matrixCases -Skip:(-not $HasMatrix) {
        param($Command, $Moment, $Lab)
        $r = Stop-Midway -Command $Command -Moment $Moment -Leftovers
        $r.Grown | Should -BeNullOrEmpty
        $r.StopMs | Should -BeLessThan 5000
        $r.Errors | Where-Object { $_.Exception -isnot [Management.Automation.PipelineStoppedException] } |
            ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" } | Should -BeNullOrEmpty
        $r.WasRunning | Should -BeTrue
        $r.State | Should -Be 'Stopped'
    }
}

Describe 'No packet of ours outside loopback and the lab' -Tag 'Reliability' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:Tcpdump = Get-Command tcpdump -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        $script:Why = if (-not $script:Tcpdump) { 'tcpdump is not installed (apt-get install tcpdump)' }
        elseif ((& id -u) -ne '0') { 'capturing packets needs root (CAP_NET_RAW)' }

        function Start-Capture {
            # tcpdump on one interface into a file; returns once it says it is listening (bounded).
            param([string] $Interface, [string] $File, [string] $Filter)
            $info = [Diagnostics.ProcessStartInfo]::new($script:Tcpdump.Source)
            foreach ($a in @('-i', $Interface, '-n', '-U', '-s', '128', '-c', '200000', '-Z', 'root', '-w', $File) + @(if ($Filter) { $Filter })) { $info.ArgumentList.Add($a) }
            $info.RedirectStandardError = $true
            $info.RedirectStandardOutput = $true
            $p = [Diagnostics.Process]::Start($info)
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            $read = $p.StandardError.ReadLineAsync()
            $line = $null
            while ([DateTime]::UtcNow -lt $deadline -and -not $p.HasExited) {
                if ($read.Wait(100)) {
                    $line = $read.Result
                    if ($null -eq $line -or $line -match 'listening on') { break }
                    $read = $p.StandardError.ReadLineAsync()
                }
            }
            if ($line -notmatch 'listening on') {
                if (-not $p.HasExited) { $p.Kill() }
                $p.Dispose()
                throw "tcpdump did not start on ${Interface}: $line"
            }
            $p
        }

        function Stop-Capture {
            # SIGINT lets tcpdump flush and close its file.
            param([Diagnostics.Process] $Process)
            & kill -INT $Process.Id
            if (-not $Process.WaitForExit(10000)) { $Process.Kill() }
            $Process.Dispose()
        }

        function Read-Capture {
            # Packets in the file that match the filter, one text line each.
            param([string] $File, [string] $Filter)
            @(& $script:Tcpdump.Source -r $File -n -tt $Filter 2>$null)
        }
    }

    It 'runs every scenario (both families) while capturing on every non-loopback interface, and sees none of our packets there' {
        if ($script:Why) { Set-ItResult -Skipped -Because $script:Why; return }
        # Interfaces of the host namespace that are up (a down interface carries nothing; tcpdump cannot open it).
        $interfaces = @(& ip -o link show up | ForEach-Object {
                if ($_ -match '^\d+:\s+([^:@\s]+)[@:]') { $Matches[1] }
            } | Where-Object { $_ -ne 'lo' })
        $hostAddresses = @(& ip -o addr show | ForEach-Object {
                if ($_ -match '\sinet6?\s+([0-9a-fA-F:.]+)/') { $Matches[1] }
            } | Where-Object { $_ -notmatch '^(127\.|::1$)' })
        $low, $high = (Get-Content /proc/sys/net/ipv4/ip_local_port_range) -split '\s+'

        <#
        What could be ours, on an interface where it must never appear (this machine has traffic of
        its own - a control channel, other programs - so "any packet" would not do):
        - any IPv4 loopback address (127.0.0.0/8, including the lab's 127.13.0.2) or ::1: every
          in-process and peer scenario talks between them; they are never valid on a wire;
        - TCP to port 7: ConnectTimeout's target (127.13.0.2:7, inside the lab);
        - a TCP SYN to 192.0.2.1 port 80: ConnectNoRoute's target (inside the lab it has no route;
          on the host, 192.0.2.1 may well be routed - it is the gateway on some test VMs);
        - a SYN, UDP datagram or ICMP unreachable sent by this host to an ephemeral port: every
          scenario connects to a listener bound to port 0, and the lab rejects with ICMP unreachable;
          ordinary outgoing traffic goes to well-known ports.
        #>
        $fromHost = if ($hostAddresses) { '(' + (($hostAddresses | ForEach-Object { "src host $_" }) -join ' or ') + ')' } else { 'ip' }
        $synV4 = 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn'
        $synV6 = '(ip6[6] == 6 and ip6[53] & 0x12 == 0x02)'   # TCP right after the IPv6 header, SYN without ACK
        $ours = @(
            'net 127.0.0.0/8', 'ip6 host ::1', 'tcp port 7',
            "(dst host 192.0.2.1 and tcp dst port 80 and $synV4)",
            "($fromHost and ((ip and $synV4) or $synV6) and dst portrange $low-$high)",
            "($fromHost and udp dst portrange $low-$high)",
            "($fromHost and (icmp[icmptype] == icmp-unreach or (icmp6 and ip6[40] == 1)))"
        ) -join ' or '

        $dir = Join-Path ([IO.Path]::GetTempPath()) "socketprobe-capture-$([Guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $dir | Out-Null
        $captures = @{}
        try {
            foreach ($if in @($interfaces) + 'lo') { $captures[$if] = Start-Capture -Interface $if -File (Join-Path $dir "$if.pcap") }
            if ($matrix = Get-Command Get-SocketErrorMatrix -Module SocketProbe -ErrorAction Ignore) {
                $both = if ($matrix.Parameters.ContainsKey('AddressFamily')) { @{ AddressFamily = 'Any' } } else { @{} }
                $o = @(Get-SocketErrorMatrix @both)
            }
            else {
                $o = @([SocketProbe.Engine.ScenarioCatalog]::Names | Invoke-SocketScenario -AddressFamily Any)
            }
        }
        finally {
            foreach ($p in $captures.Values) { Stop-Capture $p }
        }
        try {
            $o.Count | Should -BeGreaterThan 0
            # The capture works: our loopback SYNs are on lo, for both families.
            @(Read-Capture (Join-Path $dir 'lo.pcap') "host 127.0.0.1 and $synV4").Count | Should -BeGreaterThan 0 -Because 'the scenarios connected on 127.0.0.1'
            @(Read-Capture (Join-Path $dir 'lo.pcap') "ip6 host ::1 and $synV6").Count | Should -BeGreaterThan 0 -Because 'the scenarios connected on ::1'
            foreach ($if in $interfaces) {
                Read-Capture (Join-Path $dir "$if.pcap") $ours | Should -BeNullOrEmpty -Because "no packet of ours may appear on $if"
            }
        }
        finally { Remove-Item -Recurse -Force $dir }
    }
}

Describe 'Children leave nothing behind, even on their failure paths' -Tag 'Reliability' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:Pwsh, $rest = Get-ChildPwsh
        $script:PwshArgs = @($rest | Where-Object { $_ })
    }

    It 'a child that cannot start (out of descriptors half-way through its pipes) leaks no descriptor' {
        # In a PowerShell of its own: the descriptor limit is lowered so that the stdin pipe fits and
        # the stdout pipe does not. Values travel by environment; the script is a constant.
        $env:SP_MODULE = $script:Manifest
        try {
            $out = & $script:Pwsh @script:PwshArgs -NoProfile -NonInteractive -Command @'
Import-Module $env:SP_MODULE
Add-Type -Namespace SpTest -Name Rlimit -MemberDefinition @"
[DllImport("libc", SetLastError = true)] public static extern int setrlimit(int resource, long[] rlim);
[DllImport("libc", SetLastError = true)] public static extern int getrlimit(int resource, long[] rlim);
"@
function Get-Fds { @([IO.Directory]::GetFileSystemEntries('/proc/self/fd') | ForEach-Object { [int](Split-Path -Leaf $_) } | Sort-Object) }
$warm = [SocketProbe.Engine.Lab.ChildProcess]::StartAsync('/bin/true', [string[]]@(), $null).GetAwaiter().GetResult(); $null = $warm.Exited.Wait(5000); $warm.Dispose()
Start-Sleep -Milliseconds 300
$saved = [long[]]::new(2); $null = [SpTest.Rlimit]::getrlimit(7, $saved)
# Round 1 warms up (the first exception opens the engine's .pdb for its stack trace); round 2 counts.
foreach ($round in 1, 2) {
    $open = Get-Fds
    # The lowest limit with exactly three free descriptor numbers below it.
    $limit = 0; while ($limit - @($open | Where-Object { $_ -lt $limit }).Count -lt 3) { $limit++ }
    $null = [SpTest.Rlimit]::setrlimit(7, [long[]]@($limit, $saved[1]))
    $failed = 0
    # StartAsync throws (no descriptor for a pipe) before any child exists; GetResult rethrows it here.
    for ($i = 0; $i -lt 10; $i++) { try { [SocketProbe.Engine.Lab.ChildProcess]::StartAsync('/bin/true', [string[]]@(), $null).GetAwaiter().GetResult().Dispose() } catch { $failed++ } }
    $null = [SpTest.Rlimit]::setrlimit(7, $saved)
}
"$($open.Count) $((Get-Fds).Count) $failed"
'@
        }
        finally { Remove-Item Env:SP_MODULE }
        $before, $after, $failed = "$($out | Select-Object -Last 1)".Split(' ')
        [int]$failed | Should -Be 10 -Because "every start had too few descriptors ($out)"
        [int]$after | Should -Be ([int]$before)
    }

    It 'peers killed by SIGKILL leave no .NET diagnostics files (clr-debug-pipe-*, dotnet-diagnostic-*)' {
        $tmp = [IO.Path]::GetTempPath()
        # A file left by an earlier process with a pid one of ours now reuses is not ours: only new files count.
        $earlier = @(Get-ChildItem -Path $tmp -Filter 'clr-debug-pipe-*' -ErrorAction Ignore) + @(Get-ChildItem -Path $tmp -Filter 'dotnet-diagnostic-*' -ErrorAction Ignore) |
            ForEach-Object Name
        $verbose = @(
            Invoke-PeerCrash -Mode Kill -Verbose 4>&1
            if (-not [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()) { Invoke-PeerCrash -Mode Reboot -Verbose 4>&1 }
        ) | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        # Only the peers this test started: other runs on the machine leave their own files.
        $pids = @($verbose.Message | Select-String 'Peer process (\d+)' | ForEach-Object { $_.Matches[0].Groups[1].Value } | Sort-Object -Unique)
        $pids.Count | Should -BeGreaterThan 0
        $left = foreach ($p in $pids) {
            Get-ChildItem -Path $tmp -Filter "clr-debug-pipe-$p-*" -ErrorAction Ignore
            Get-ChildItem -Path $tmp -Filter "dotnet-diagnostic-$p-*" -ErrorAction Ignore
        }
        $left | Where-Object Name -NotIn $earlier | Should -BeNullOrEmpty
    }

    It 'the PowerShell route to the peer runs no code from its path (a module under a directory named with quotes)' {
        $dir = Join-Path $TestDrive "it’s a 'quoted' ‘dir’/SocketProbe"
        New-Item -ItemType Directory -Path $dir | Out-Null
        Copy-Item $script:Manifest $dir
        Copy-Item (Join-Path $RepoRoot 'SocketProbe.psm1') $dir
        Copy-Item -Recurse (Join-Path $RepoRoot 'bin') (Join-Path $dir 'bin')
        if (Test-Path (Join-Path $RepoRoot 'en-US')) { Copy-Item -Recurse (Join-Path $RepoRoot 'en-US') (Join-Path $dir 'en-US') }
        $env:SP_MODULE = Join-Path $dir 'SocketProbe.psd1'
        $env:SOCKETPROBE_PEER_HOST = 'pwsh'
        try {
            $json = & $script:Pwsh @script:PwshArgs -NoProfile -NonInteractive -Command 'Import-Module $env:SP_MODULE; Invoke-PeerCrash -Mode Exit | ConvertTo-Json -Compress' 2>&1
        }
        finally { Remove-Item Env:SP_MODULE, Env:SOCKETPROBE_PEER_HOST }
        $rows = @("$json" | ConvertFrom-Json)
        $rows.Count | Should -BeGreaterThan 1 -Because "$json"
        $calls = @($rows | Where-Object { [SocketProbe.Engine.Operations]::IsSocketCall($_.Actor, $_.Operation) })
        $calls.Count | Should -BeGreaterThan 0
        $calls | Where-Object { $_.Matches -ne $true } | Should -BeNullOrEmpty
    }

    It 'a native peer that cannot run here (built for another libc or CPU) gives way to the managed one' -Skip:(-not $IsLinux) {
        $dir = Join-Path $TestDrive 'foreign-native/SocketProbe'
        New-Item -ItemType Directory -Path $dir | Out-Null
        Copy-Item $script:Manifest $dir
        Copy-Item (Join-Path $RepoRoot 'SocketProbe.psm1') $dir
        Copy-Item -Recurse (Join-Path $RepoRoot 'bin') (Join-Path $dir 'bin')
        # Executable, newer than the managed files, and it fails at once as a wrong-libc binary does.
        $native = Join-Path $dir 'bin/SocketProbe.Peer'
        Set-Content -Path $native -Value "#!/bin/sh`necho 'version GLIBC_9.99 not found' >&2`nexit 1"
        & chmod 755 $native
        (Get-Item $native).LastWriteTimeUtc = [DateTime]::UtcNow.AddMinutes(1)
        $env:SP_MODULE = Join-Path $dir 'SocketProbe.psd1'
        try {
            $json = & $script:Pwsh @script:PwshArgs -NoProfile -NonInteractive -Command 'Import-Module $env:SP_MODULE; @(Invoke-PeerCrash -Mode Exit; Invoke-PeerCrash -Mode Reboot) | ConvertTo-Json -Compress' 2>&1
        }
        finally { Remove-Item Env:SP_MODULE }
        $rows = @("$json" | ConvertFrom-Json)
        $calls = @($rows | Where-Object { [SocketProbe.Engine.Operations]::IsSocketCall($_.Actor, $_.Operation) })
        @($calls.Scenario | Sort-Object -Unique) | Should -Be @('PeerExit', 'PeerReboot') -Because "$json"
        $calls | Where-Object { $_.Matches -ne $true } | Should -BeNullOrEmpty
    }
}
