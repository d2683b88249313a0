BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Test-TcpRefused reproduce mode (ConnectRefused)' {
    It 'observes ECONNREFUSED on <Family> loopback, as Linux documents' -Skip:(-not $IsLinux) -TestCases @(
        @{ Family = 'IPv4' }
        @{ Family = 'IPv6' }
    ) {
        param($Family)
        $o = @(Test-TcpRefused -AddressFamily $Family)
        $o.Count | Should -Be 1
        $o[0].Scenario | Should -Be 'ConnectRefused'
        $o[0].Operation | Should -Be 'Connect'
        $o[0].Result | Should -Be 'Error'
        $o[0].SocketError | Should -Be 'ConnectionRefused'
        $o[0].Errno | Should -Be 111
        $o[0].ErrnoName | Should -Be 'ECONNREFUSED'
        $o[0].Message | Should -Be 'Connection refused'
        $o[0].ElapsedMs | Should -BeGreaterThan 0
        $o[0].TcpState | Should -Be 'CLOSE'
        $o[0].Platform | Should -BeLike 'Linux *'
        $o[0].Expected | Should -BeLike 'Error ECONNREFUSED (*'
        $o[0].Matches | Should -BeTrue
    }

    It 'observes WSAECONNREFUSED 10061 on Windows' -Skip:(-not $IsWindows) {
        $o = Test-TcpRefused
        $o.ErrnoName | Should -Be 'WSAECONNREFUSED'
        $o.Errno | Should -Be 10061
        $o.Matches | Should -BeTrue
    }

    It 'observes ECONNREFUSED 61 on macOS' -Skip:(-not $IsMacOS) {
        $o = Test-TcpRefused
        $o.ErrnoName | Should -Be 'ECONNREFUSED'
        $o.Errno | Should -Be 61
        $o.Matches | Should -BeTrue
    }

    It 'runs both families with -AddressFamily Any' {
        $o = @(Test-TcpRefused -AddressFamily Any)
        $o.Count | Should -Be 2
        @($o | Where-Object Result -EQ 'Error').Count | Should -Be 2
    }

    It 'round-trips through Export-Csv and Import-Csv' {
        $csv = Join-Path $TestDrive 'refused.csv'
        $o = Test-TcpRefused
        $o | Export-Csv -Path $csv -NoTypeInformation
        $back = Import-Csv -Path $csv
        $back.Scenario | Should -Be $o.Scenario
        $back.ErrnoName | Should -Be $o.ErrnoName
        [int]$back.Errno | Should -Be $o.Errno
        [double]$back.ElapsedMs | Should -Be $o.ElapsedMs
        $back.Matches | Should -Be ([string]$o.Matches)
        ($back.PSObject.Properties.Name -join ',') | Should -Be 'Scenario,Step,Actor,Operation,Result,SocketError,Errno,ErrnoName,Message,Bytes,ElapsedMs,TcpState,Platform,Expected,Matches,Note'
    }

    It 'writes the engine log lines to the verbose stream' {
        $verbose = Test-TcpRefused -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'Running ConnectRefused'
        ($verbose.Message -join "`n") | Should -Match 'was bound and closed'
    }

    It 'writes per-step lines to the debug stream when $DebugPreference is Continue' {
        $DebugPreference = 'Continue'
        $debug = Test-TcpRefused 5>&1 | Where-Object { $_ -is [Management.Automation.DebugRecord] }
        ($debug.Message -join "`n") | Should -Match 'ConnectRefused step 1: Client Connect -> Error ECONNREFUSED'
    }
}

Describe 'Test-TcpRefused bad input' {
    It 'rejects <Case> with a parameter binding error' -TestCases @(
        @{ Case = 'an unknown scenario'; Splat = @{ Scenario = 'NoSuchScenario' }; Pattern = 'Unknown scenario' }
        @{ Case = 'an empty scenario'; Splat = @{ Scenario = '' }; Pattern = 'empty' }
        @{ Case = 'TimeoutMs 0'; Splat = @{ TimeoutMs = 0 }; Pattern = 'TimeoutMs' }
        @{ Case = 'a negative TimeoutMs'; Splat = @{ TimeoutMs = -5 }; Pattern = 'TimeoutMs' }
        @{ Case = 'an unknown address family'; Splat = @{ AddressFamily = 'IPX' }; Pattern = 'AddressFamily' }
    ) {
        param($Case, $Splat, $Pattern)
        $err = $null
        try { Test-TcpRefused @Splat -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.CategoryInfo.Category | Should -BeIn 'InvalidArgument', 'InvalidData'
        $err.FullyQualifiedErrorId | Should -BeLike '*,SocketProbe.Commands.TestTcpRefusedCommand'
        $err.FullyQualifiedErrorId | Should -Match '^(ParameterArgument|CannotConvertArgument)'
        "$err" | Should -Match $Pattern
        "$err" | Should -Not -Match '   at '
    }
}
