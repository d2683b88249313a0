# Every loopback scenario of the catalogue against its own documented Linux expectations: one test
# driven by ScenarioCatalog.All, so a new scenario is checked by being registered, with no step
# table copied here. The scenarios run side by side (Get-SocketErrorMatrix), over IPv4 and IPv6.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Cases = foreach ($scenario in [SocketProbe.Engine.ScenarioCatalog]::All | Where-Object { -not $_.NeedsLab }) {
        foreach ($family in 'IPv4', 'IPv6') { @{ Name = $scenario.Name; Family = $family } }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $names = @([SocketProbe.Engine.ScenarioCatalog]::All | Where-Object { -not $_.NeedsLab } | ForEach-Object Name)
    $script:Rows = @(Get-SocketErrorMatrix -Scenario $names -AddressFamily Any -ThrottleLimit 16)
    $script:Calls = { param($name, $family)
        @($script:Rows | Where-Object { $_.Scenario -eq $name -and $_.AddressFamily -eq $family -and $_.Actor -in 'Client', 'Peer' -and
            [SocketProbe.Engine.Operations]::IsSocketCall($_.Actor, $_.Operation) })
    }
}

Describe 'Every loopback scenario matches its documented Linux expectations' -Skip:(-not $IsLinux) {
    It '<Name> over <Family>: every socket call Matches, and every documented step was called' -ForEach $script:Cases {
        $scenario = [SocketProbe.Engine.ScenarioCatalog]::Find($Name)
        $request = [SocketProbe.Engine.ScenarioRequest]::new()
        $request.AddressFamily = if ($Family -eq 'IPv6') { 'InterNetworkV6' } else { 'InterNetwork' }
        # The matrix runs each scenario with its default client action: its first.
        $request.ClientAction = $scenario.ClientActions[0]
        $why = $scenario.WhyCannotRun($request)
        if ($why) { Set-ItResult -Skipped -Because $why; return }

        $calls = & $script:Calls $Name $Family
        $skipped = @($script:Rows | Where-Object { $_.Scenario -eq $Name -and $_.AddressFamily -eq $Family -and $_.Result -eq 'Skipped' })
        $skipped.Note | Should -BeNullOrEmpty -Because 'a loopback scenario that can run here must run'
        $calls.Count | Should -BeGreaterThan 0
        foreach ($call in $calls) {
            $what = "step $($call.Step) $($call.Actor) $($call.Operation) -> $($call.Result) $($call.ErrnoName) ($($call.Note))"
            $call.Expected | Should -Not -BeNullOrEmpty -Because "$what must be documented for Linux"
            $call.Matches | Should -BeTrue -Because "$what was documented as: $($call.Expected)"
            $call.ElapsedMs | Should -BeGreaterOrEqual 0 -Because "$what is a timed call"
            if ($call.Result -eq 'Error') {
                # The number and the name are one errno, and .NET's SocketError is there beside them.
                [SocketProbe.Engine.Errors.ErrorCatalog]::NameOf([SocketProbe.Engine.OsPlatform]::Linux, $call.Errno) | Should -Be $call.ErrnoName -Because $what
                $call.SocketError | Should -Not -BeNullOrEmpty -Because $what
            }
            else {
                $call.Errno | Should -BeNullOrEmpty -Because "$what raised no error"
            }
        }
        $documented = @($scenario.Expectations | Where-Object { $_.AppliesTo([SocketProbe.Engine.OsPlatform]::Linux, $request) } |
            ForEach-Object { "$($_.Step) $($_.Actor) $($_.Operation)" } | Select-Object -Unique)
        $called = @($calls | ForEach-Object { "$($_.Step) $($_.Actor) $($_.Operation)" })
        ($called -join '; ') | Should -Be ($documented -join '; ') -Because 'the calls are the documented steps, in order'
    }
}
