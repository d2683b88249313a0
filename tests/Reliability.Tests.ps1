# Reliability: repeated runs leave nothing behind, bad input is a clean PowerShell error (or Skipped
# with the reason). Ctrl+C, children and stray packets are in Leftovers.Tests.ps1. Behaviour only:
# speed is measured in bench/, never asserted here.

BeforeDiscovery {
    Import-Module (Join-Path (Split-Path -Parent $PSScriptRoot) 'SocketProbe.psd1') -Force
    $HasMatrix = [bool](Get-Command Get-SocketErrorMatrix -Module SocketProbe -ErrorAction Ignore)
    $HasProbe = (Get-Command Test-TcpEndpoint).Parameters.ContainsKey('ComputerName')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Manifest = Join-Path $RepoRoot 'SocketProbe.psd1'

    function Assert-CleanError {
        # A PowerShell error a user can act on: an id, a category that says what kind, a message
        # without a .NET stack trace in it.
        param([Management.Automation.ErrorRecord] $ErrorRecord, [string] $Id, [string[]] $Category)
        $ErrorRecord | Should -Not -BeNullOrEmpty
        $ErrorRecord.FullyQualifiedErrorId | Should -BeLike $Id
        "$($ErrorRecord.CategoryInfo.Category)" | Should -BeIn $Category
        $ErrorRecord.Exception.Message | Should -Not -Match '(?m)^\s+at \S+\(' -Because 'no stack trace in the message'
        $ErrorRecord.Exception.Message | Should -Not -BeNullOrEmpty
    }
}

Describe 'Repeated runs leave nothing behind' -Tag 'Reliability' -Skip:(-not $IsLinux) {
    It 'runs 20 scenarios in a row (every kind: in-process, peer process, lab) and nothing grows' {
        $names = @([SocketProbe.Engine.ScenarioCatalog]::Names)
        # Warm-up, one scenario of each path: first use opens descriptors for good (the socket
        # engine's epoll, the spawner's pipes, loaded assemblies). The 20 runs then cover every scenario.
        foreach ($n in 'ConnectRefused', 'UdpPortUnreachable', 'WriteAfterReset', 'PeerKilled', 'PeerReboot') { $null = Invoke-SocketScenario -Name $n }
        $before = Get-ResourceSnapshot
        for ($i = 0; $i -lt 20; $i++) {
            $o = @(Invoke-SocketScenario -Name $names[$i % $names.Count])
            $o.Count | Should -BeGreaterThan 0 -Because "$($names[$i % $names.Count]) reports at least one call"
        }
        Compare-ResourceSnapshot -Before $before | Should -BeNullOrEmpty
    }

    It 'runs the full matrix 3 times and nothing grows' -Skip:(-not $HasMatrix) {
        $null = Get-SocketErrorMatrix
        $before = Get-ResourceSnapshot
        for ($i = 0; $i -lt 3; $i++) { @(Get-SocketErrorMatrix).Count | Should -BeGreaterThan 0 }
        Compare-ResourceSnapshot -Before $before | Should -BeNullOrEmpty
    }
}

Describe 'Bad input is a clean PowerShell error' -Tag 'Reliability' {
    BeforeDiscovery {
        function Get-RangeCase {
            # Out-of-range values for a parameter, read from its own [ValidateRange] (so a widened range
            # moves the test with it): below the minimum, -1, above the maximum, and past Int32.
            param([string] $Command, [string] $Parameter)
            $cmd = Get-Command ($Command -split ' ')[0]
            if (-not $cmd.Parameters.ContainsKey($Parameter)) { return @{ Command = $Command; Parameter = $Parameter; Value = '0'; Has = $false; Id = ''; Category = '' } }
            $range = $cmd.Parameters[$Parameter].Attributes | Where-Object { $_ -is [ValidateRange] } | Select-Object -First 1
            $values = @(([int64]$range.MinRange - 1), -1) + @(if ([int64]$range.MaxRange -lt [int]::MaxValue) { [int64]$range.MaxRange + 1 }) | Select-Object -Unique
            foreach ($v in $values) { @{ Command = $Command; Parameter = $Parameter; Value = "$v"; Has = $true; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' } }
            foreach ($v in '2147483648', '1e12') { @{ Command = $Command; Parameter = $Parameter; Value = $v; Has = $true; Id = 'CannotConvertArgumentNoMessage*'; Category = 'InvalidArgument' } }
        }
        $rangeCases = @(
            foreach ($c in 'Test-TcpRefused', 'Invoke-PeerCrash', 'Test-WriteAfterRst', 'Invoke-SocketScenario -Name ConnectRefused') { Get-RangeCase $c 'TimeoutMs' }
            # The kernel-timer parameters.
            Get-RangeCase 'Invoke-PeerCrash -Mode HostCrash' 'UserTimeoutMs'
            Get-RangeCase 'Invoke-PeerCrash -Mode HostCrash -ClientAction Idle' 'IdleWaitMs'
            foreach ($p in 'KeepAliveIdleSeconds', 'KeepAliveIntervalSeconds', 'KeepAliveCount') { Get-RangeCase 'Invoke-PeerCrash -Mode HostCrash -ClientAction Keepalive' $p }
            Get-RangeCase 'Test-TcpRefused -Scenario ConnectTimeout' 'SynRetries'
        )
        $scenarioCases = @(
            # Names and values the parameters' validation refuses.
            foreach ($script in 'Invoke-SocketScenario -Name NoSuchScenario', "Invoke-SocketScenario -Name ''", "Invoke-SocketScenario -Name '   '",
                'Test-TcpRefused -Scenario NoSuchScenario', 'Test-TcpRefused -Scenario PeerExit', 'Invoke-PeerCrash -Mode Explode', 'Test-WriteAfterRst -Variant Sideways') {
                @{ Script = $script; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' }
            }
            @{ Script = 'Invoke-PeerCrash -Mode Exit -ClientAction Keepalive'; Id = 'ClientActionNotSupported*'; Category = 'InvalidArgument' }
            @{ Script = 'Invoke-SocketScenario -Name ConnectRefused -AddressFamily IPv5'; Id = 'CannotConvertArgumentNoMessage*'; Category = 'InvalidArgument' }
        )
        $long = 'a' * 300
        $probeCases = @(
            @{ Case = 'port 0'; Script = 'Test-TcpEndpoint -ComputerName localhost -Port 0'; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' }
            @{ Case = 'port 65536'; Script = 'Test-TcpEndpoint -ComputerName localhost -Port 65536'; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' }
            @{ Case = 'port -1'; Script = 'Test-TcpEndpoint -ComputerName localhost -Port -1'; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' }
            @{ Case = 'port 65536 in host:port'; Script = "Test-TcpEndpoint -ComputerName '127.0.0.1:65536'"; Id = 'InvalidTarget*'; Category = 'InvalidArgument' }
            @{ Case = 'an empty host name'; Script = "Test-TcpEndpoint -ComputerName '' -Port 80"; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' }
            @{ Case = 'a whitespace host name'; Script = "Test-TcpEndpoint -ComputerName '   ' -Port 80"; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' }
            @{ Case = 'a 300-character host name'; Script = "Test-TcpEndpoint -ComputerName '$long' -Port 80"; Id = 'InvalidTarget*'; Category = 'InvalidArgument' }
            @{ Case = 'an IPv6 literal with -AddressFamily IPv4'; Script = "Test-TcpEndpoint -ComputerName '::1' -Port 80 -AddressFamily IPv4"; Id = 'AddressFamilyMismatch*'; Category = 'InvalidArgument' }
            @{ Case = 'an IPv4 literal with -AddressFamily IPv6'; Script = "Test-TcpEndpoint -ComputerName '127.0.0.1' -Port 80 -AddressFamily IPv6"; Id = 'AddressFamilyMismatch*'; Category = 'InvalidArgument' }
            @{ Case = '-Count 0'; Script = 'Test-TcpEndpoint -ComputerName localhost -Port 80 -Count 0'; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' }
            @{ Case = '-TimeoutMs -1 in probe mode'; Script = 'Test-TcpEndpoint -ComputerName localhost -Port 80 -TimeoutMs -1'; Id = 'ParameterArgumentValidationError*'; Category = 'InvalidData' }
            @{ Case = 'a huge -TimeoutMs in probe mode'; Script = 'Test-TcpEndpoint -ComputerName localhost -Port 80 -TimeoutMs 99999999999'; Id = 'CannotConvertArgumentNoMessage*'; Category = 'InvalidArgument' }
        )
    }

    It '<Command> -<Parameter> <Value>: <Id>' -TestCases $rangeCases {
        param($Command, $Parameter, $Value, $Has, $Id, $Category)
        if (-not $Has) { Set-ItResult -Skipped -Because "this build has no -$Parameter"; return }
        $r = Invoke-Bounded "$Command -$Parameter $Value"
        $r.Finished | Should -BeTrue -Because 'bad input must not hang'
        $r.Output | Should -BeNullOrEmpty -Because 'nothing runs on bad input'
        $r.Errors.Count | Should -Be 1
        Assert-CleanError $r.Errors[0] $Id $Category
    }

    It '<Script>: <Id>' -TestCases $scenarioCases {
        param($Script, $Id, $Category)
        $r = Invoke-Bounded $Script
        $r.Finished | Should -BeTrue
        $r.Output | Should -BeNullOrEmpty
        $r.Errors.Count | Should -Be 1
        Assert-CleanError $r.Errors[0] $Id $Category
    }

    It 'an unknown name in the pipeline is an error for that record only; the others run' {
        $r = Invoke-Bounded "'ConnectRefused', 'NoSuchScenario', 'HalfClose' | Invoke-SocketScenario"
        $r.Finished | Should -BeTrue
        $r.Errors.Count | Should -Be 1
        Assert-CleanError $r.Errors[0] 'ParameterArgumentValidationError*' 'InvalidData'
        @($r.Output.Scenario | Select-Object -Unique) | Should -Be @('ConnectRefused', 'HalfClose')
    }

    It 'probe mode, <Case>: <Id>, and nothing is probed' -TestCases $probeCases -Skip:(-not $HasProbe) {
        param($Case, $Script, $Id, $Category)
        $r = Invoke-Bounded $Script
        $r.Finished | Should -BeTrue
        $r.Output | Should -BeNullOrEmpty -Because 'a refused target is not probed'
        $r.Errors.Count | Should -Be 1
        Assert-CleanError $r.Errors[0] $Id $Category
    }
}

Describe 'A lab scenario without its tools or privilege says Skipped with the reason' -Tag 'Reliability' -Skip:(-not $IsLinux) {
    BeforeAll {
        # SOCKETPROBE_LAB_PATH replaces PATH for the lab's tool look-up only (LabEnvironment.cs): a
        # directory with some tools linked in simulates a machine without the others.
        $script:RealTools = @{}
        foreach ($t in 'unshare', 'ip', 'nft') { $script:RealTools[$t] = [SocketProbe.Engine.Lab.LabEnvironment]::FindTool($t) }
        function New-ToolDir {
            param([string[]] $Link, [hashtable] $Script = @{})
            $dir = Join-Path ([IO.Path]::GetTempPath()) "socketprobe-labpath-$([Guid]::NewGuid().ToString('N'))"
            New-Item -ItemType Directory -Path $dir | Out-Null
            foreach ($t in $Link) { New-Item -ItemType SymbolicLink -Path (Join-Path $dir $t) -Target $script:RealTools[$t] | Out-Null }
            foreach ($t in $Script.Keys) {
                $file = Join-Path $dir $t
                Set-Content -Path $file -Value $Script[$t]
                & chmod +x $file
            }
            $dir
        }
    }

    BeforeDiscovery {
        $labCommands = 'Invoke-SocketScenario -Name ConnectTimeout', 'Invoke-PeerCrash -Mode HostCrash', 'Test-TcpRefused -Scenario ConnectHostUnreachable'
        # A fake unshare that fails as unshare does where user namespaces are not allowed.
        $denied = "#!/bin/sh`necho 'unshare: unshare failed: Operation not permitted' >&2`nexit 1"
        $cases = @(
            foreach ($c in $labCommands) { @{ Command = $c; Missing = 'nft'; Link = @('unshare', 'ip'); Fake = @{}; Reason = "needs 'nft' \(nftables\)" } }
            @{ Command = $labCommands[0]; Missing = 'ip'; Link = @('unshare', 'nft'); Fake = @{}; Reason = "needs 'ip' \(iproute2\)" }
            @{ Command = $labCommands[0]; Missing = 'unshare'; Link = @('ip', 'nft'); Fake = @{}; Reason = "needs 'unshare' \(util-linux\)" }
            foreach ($c in $labCommands) { @{ Command = $c; Missing = 'the privilege'; Link = @('ip', 'nft'); Fake = @{ unshare = $denied }; Reason = 'may not create a network namespace.*Operation not permitted' } }
        )
    }

    It '<Command> without <Missing>: one Skipped observation naming it, no error' -TestCases $cases {
        param($Command, $Missing, $Link, $Fake, $Reason)
        foreach ($t in $Link) { if (-not $script:RealTools[$t]) { Set-ItResult -Skipped -Because "$t is not installed here"; return } }
        $dir = New-ToolDir -Link $Link -Script $Fake
        $env:SOCKETPROBE_LAB_PATH = $dir
        try { $r = Invoke-Bounded $Command -TimeoutSeconds 30 }
        finally { Remove-Item Env:SOCKETPROBE_LAB_PATH; Remove-Item -Recurse -Force $dir }
        $r.Finished | Should -BeTrue -Because 'a missing tool must not hang'
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 1
        $r.Output[0].Result | Should -Be 'Skipped'
        $r.Output[0].Note | Should -Match $Reason
    }

    It 'Get-SocketErrorMatrix without nft: every lab scenario Skipped naming nft, the others run' -Skip:(-not $HasMatrix) {
        $dir = New-ToolDir -Link 'unshare', 'ip'
        $env:SOCKETPROBE_LAB_PATH = $dir
        try { $r = Invoke-Bounded 'Get-SocketErrorMatrix' -TimeoutSeconds 60 }
        finally { Remove-Item Env:SOCKETPROBE_LAB_PATH; Remove-Item -Recurse -Force $dir }
        $r.Finished | Should -BeTrue
        $r.Errors | Should -BeNullOrEmpty
        $lab = @([SocketProbe.Engine.ScenarioCatalog]::All | Where-Object NeedsLab | ForEach-Object Name)
        $r.Output | Where-Object { $_.Scenario -in $lab } | ForEach-Object {
            $_.Result | Should -Be 'Skipped'
            $_.Note | Should -Match 'nft'
        }
        @($r.Output | Where-Object { $_.Scenario -notin $lab -and $_.Result -ne 'Skipped' }).Count | Should -BeGreaterThan 0
    }
}
