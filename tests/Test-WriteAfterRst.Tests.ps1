BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

# Each variant's front door and what it shows; its steps against the scenario's own documented
# expectations are tests/Scenarios.Tests.ps1's, from the catalogue.
BeforeDiscovery {
    $script:Runs = foreach ($variant in 'Reset', 'Fin') {
        foreach ($family in 'IPv4', 'IPv6') {
            $scenario = if ($variant -eq 'Reset') { 'WriteAfterReset' } else { 'WriteAfterFin' }
            @{ Variant = $variant; Family = $family; Scenario = $scenario }
        }
    }
}

Describe 'Test-WriteAfterRst -Variant <Variant> on <Family> loopback (Linux)' -Skip:(-not $IsLinux) -ForEach $script:Runs {
    BeforeAll {
        # The calls; the run's Kernel row (the counters that moved) comes after them, checked in Get-TcpCounter.Tests.ps1.
        $script:o = @(Test-WriteAfterRst -Variant $Variant -AddressFamily $Family | Where-Object Actor -NE 'Kernel')
    }

    # Each step against the scenario's documented Linux expectations: tests/Scenarios.Tests.ps1, from the catalogue.
    It 'runs <Scenario>, in call order' {
        ($o.Step -join ',') | Should -Be (1..$o.Count -join ',')
        $o.Scenario | Sort-Object -Unique | Should -Be $Scenario
        $o.Platform | Sort-Object -Unique | Should -BeLike 'Linux *'
    }

    It 'reports the client socket CLOSE once the RST has landed' {
        $last = if ($Variant -eq 'Reset') { 4..6 } else { 5..7 }
        ($o | Where-Object Step -In $last).TcpState | Sort-Object -Unique | Should -Be 'CLOSE'
    }

    It 'says in the Note when the RST arrived' {
        $step = if ($Variant -eq 'Reset') { 4 } else { 5 }
        ($o | Where-Object Step -EQ $step).Note | Should -Match 'the RST was pending \(POLLERR\) [\d.]+ ms after'
    }
}

# The variants after the classic three (their steps against the catalogue: tests/Scenarios.Tests.ps1).
BeforeDiscovery {
    $script:MoreRuns = foreach ($family in 'IPv4', 'IPv6') {
        @{ Variant = 'UnreadRequest'; Scenario = 'ServerClosesUnreadRequest'; Family = $family }
        @{ Variant = 'Shutdown'; Scenario = 'WriteAfterShutdown'; Family = $family }
        @{ Variant = 'IdleClose'; Scenario = 'ServerIdleClose'; Family = $family }
    }
}

Describe 'Test-WriteAfterRst -Variant <Variant> on <Family> loopback (Linux)' -Skip:(-not $IsLinux) -ForEach $script:MoreRuns {
    BeforeAll {
        # The run's own rows; the counters row that ends it (Actor Kernel) is Get-TcpCounter.Tests.ps1's to check.
        $script:o = @(Test-WriteAfterRst -Variant $Variant -AddressFamily $Family | Where-Object Actor -NE 'Kernel')
    }

    It 'runs <Scenario> over <Family>' {
        $o.Scenario | Sort-Object -Unique | Should -Be $Scenario
        $o.AddressFamily | Sort-Object -Unique | Should -Be $Family
    }

    It 'reports EPIPE and ECONNRESET with their Linux numbers' {
        $o | Where-Object ErrnoName -EQ 'EPIPE' | ForEach-Object { $_.Errno | Should -Be 32; $_.SocketError | Should -Be 'Shutdown' }
        $o | Where-Object ErrnoName -EQ 'ECONNRESET' | ForEach-Object { $_.Errno | Should -Be 104; $_.SocketError | Should -Be 'ConnectionReset' }
    }
}

Describe 'Test-WriteAfterRst: what each new variant shows (Linux)' -Skip:(-not $IsLinux) {
    It 'UnreadRequest: the whole response is read after the RST, then the reset, then end of stream' {
        $o = @(Test-WriteAfterRst -Variant UnreadRequest)
        ($o | Where-Object Step -EQ 4).Note | Should -Match 'closed with 48 request bytes unread'
        $response = $o | Where-Object Step -EQ 5
        $response.Bytes | Should -Be ($o | Where-Object Step -EQ 3).Bytes
        $response.Note | Should -Match 'the whole \d+-byte response, read after the RST; the RST was pending'
        $response.TcpState | Should -Be 'CLOSE' -Because 'the RST had landed before the read'
    }

    It 'Shutdown: the EPIPE reaches us because this process ignores SIGPIPE, and nothing was sent' {
        $o = @(Test-WriteAfterRst -Variant Shutdown)
        ($o | Where-Object Step -EQ 2).Note | Should -Match 'ignores SIGPIPE'
        ($o | Where-Object Step -EQ 3).Bytes | Should -Be 0
    }

    It 'IdleClose: the server waited out its idle timeout; the RST to our write had landed when we read EOF' {
        $o = @(Test-WriteAfterRst -Variant IdleClose)
        ($o | Where-Object Step -EQ 1).ElapsedMs | Should -BeGreaterOrEqual 180
        ($o | Where-Object Step -EQ 4).Note | Should -Match 'the RST was pending \(POLLERR\) [\d.]+ ms after the write'
        ($o | Where-Object Step -EQ 4).TcpState | Should -Be 'CLOSE'
    }

    It 'IdleClose over <_>: the server''s FIN had reached the client before it wrote, as in a pool' -ForEach 'IPv4', 'IPv6' {
        # A FIN still in flight when the client writes is another race (RST while ESTABLISHED: ECONNRESET),
        # which load made happen in about 1 run of 100: the run waits for the FIN, and says so.
        $o = @(Test-WriteAfterRst -Variant IdleClose -AddressFamily $_)
        ($o | Where-Object Step -EQ 2).Note | Should -Match 'its kernel had the FIN [\d.]+ ms after the close \(CLOSE_WAIT\)'
        ($o | Where-Object Step -EQ 4).Result | Should -Be 'EndOfStream'
    }
}

Describe 'Test-WriteAfterRst: connection reset by peer vs broken pipe (Linux)' -Skip:(-not $IsLinux) {
    It 'the first failed write says ECONNRESET after an RST on an open connection, EPIPE after FIN then RST' {
        $errors = @(Test-WriteAfterRst | Where-Object Result -EQ 'Error' | Select-Object -First 3)
        ($errors | ForEach-Object { "$($_.Scenario)/$($_.Step)/$($_.ErrnoName)/$($_.Message)" }) | Should -Be @(
            'WriteAfterReset/4/ECONNRESET/Connection reset by peer'
            'WriteAfterReset/5/EPIPE/Broken pipe'
            'WriteAfterFin/5/EPIPE/Broken pipe'
        )
    }
}

Describe 'Test-WriteAfterRst -Variant SigPipe: a default-disposition writer dies by signal 13 (Linux)' -Skip:(-not $IsLinux) {
    BeforeAll { $script:peersBefore = Get-PeerProcessCount }

    It 'on <Family>: first write accepted, second write kills the writer, as the real wait status says' -TestCases @(
        @{ Family = 'IPv4' }, @{ Family = 'IPv6' }
    ) {
        param($Family)
        $o = @(Test-WriteAfterRst -Variant SigPipe -AddressFamily $Family | Where-Object Actor -NE 'Kernel')
        ($o | ForEach-Object { "$($_.Step) $($_.Actor) $($_.Operation) $($_.Result)" }) -join '; ' |
            Should -Be '1 Peer Connect Success; 2 Client Close Success; 3 Peer Send Success; 4 Peer Send Killed'
        $o[2].Bytes | Should -Be 64
        $o[3].Note | Should -Match 'killed by signal 13 \(SIGPIPE\), wait status 0x000d'
        $o | ForEach-Object { $_.Matches | Should -BeTrue -Because "step $($_.Step) is documented for Linux" }
        Get-PeerProcessCount | Should -Be $script:peersBefore
    }
}

# Each platform's own error numbers, observed on that platform only.
Describe 'Test-WriteAfterRst on Windows and macOS' {
    It '<Platform>: the first write after the reset fails with <Names>' -ForEach @(
        @{ Platform = 'Windows'; Here = [bool]$IsWindows; Names = @('WSAECONNRESET'); Errno = 10054 }
        # Either, as the macOS man pages document.
        @{ Platform = 'macOS'; Here = [bool]$IsMacOS; Names = @('ECONNRESET', 'EPIPE'); Errno = $null }
    ) {
        if (-not $Here) { Set-ItResult -Skipped -Because "observed on $Platform only"; return }
        $s = Test-WriteAfterRst -Variant Reset | Where-Object Step -EQ 4
        $s.ErrnoName | Should -BeIn $Names
        if ($Errno) { $s.Errno | Should -Be $Errno }
        $s.Matches | Should -BeTrue
    }
    It '<Platform>: after FIN, the write of step <Step> fails with <Names>' -ForEach @(
        # Windows accepts the first write after FIN (step 4) and refuses the next.
        @{ Platform = 'Windows'; Here = [bool]$IsWindows; Accepted = 4; Step = 5; Names = @('WSAECONNRESET', 'WSAECONNABORTED'); Errno = $null }
        # macOS: EPIPE on the write after the RST that followed FIN.
        @{ Platform = 'macOS'; Here = [bool]$IsMacOS; Accepted = $null; Step = 6; Names = @('EPIPE'); Errno = 32 }
    ) {
        if (-not $Here) { Set-ItResult -Skipped -Because "observed on $Platform only"; return }
        $o = Test-WriteAfterRst -Variant Fin
        if ($Accepted) { ($o | Where-Object Step -EQ $Accepted).Result | Should -Be 'Success' }
        $s = $o | Where-Object Step -EQ $Step
        $s.ErrnoName | Should -BeIn $Names
        if ($Errno) { $s.Errno | Should -Be $Errno }
        $s.Matches | Should -BeTrue
    }
}

Describe 'Test-WriteAfterRst parameters' {
    It 'runs every variant of its family by default, in catalogue order (Reset, Fin, SigPipe first)' {
        $family = @(Get-SocketScenario | Where-Object Cmdlet -EQ 'Test-WriteAfterRst')
        ($family.Name[0..2]) -join ',' | Should -Be 'WriteAfterReset,WriteAfterFin,WriteAfterFinSigpipe'
        $o = @(Test-WriteAfterRst)
        ($o.Scenario | Select-Object -Unique) -join ',' | Should -Be ($family.Name -join ',')
    }

    It 'runs the variants in the order given' {
        $o = @(Test-WriteAfterRst -Variant Fin, Reset)
        ($o.Scenario | Select-Object -Unique) -join ',' | Should -Be 'WriteAfterFin,WriteAfterReset'
    }

    It 'runs both families with -AddressFamily Any' {
        $o = @(Test-WriteAfterRst -Variant Reset -AddressFamily Any | Where-Object Actor -NE 'Kernel')
        $o.Count | Should -Be 12
        @($o | Where-Object { $_.Step -eq 4 -and $_.Result -eq 'Error' }).Count | Should -Be 2
    }

    It 'gives the same observations as Invoke-SocketScenario for the same scenario' {
        $a = @(Test-WriteAfterRst -Variant Fin)
        $b = @(Invoke-SocketScenario -Name WriteAfterFin)
        ($a | ForEach-Object { "$($_.Step)$($_.Result)$($_.ErrnoName)" }) -join ';' |
            Should -Be (($b | ForEach-Object { "$($_.Step)$($_.Result)$($_.ErrnoName)" }) -join ';')
    }

    It 'releases its sockets: no file descriptors left behind' -Skip:(-not $IsLinux) {
        Assert-SocketsReleased { Test-WriteAfterRst -AddressFamily Any } -Times 5
    }

    It 'rejects <Case> with a parameter binding error' -TestCases @(
        @{ Case = 'an unknown variant'; Splat = @{ Variant = 'Bogus' }; Pattern = 'Variant' }
        @{ Case = 'an empty variant list'; Splat = @{ Variant = @() }; Pattern = 'Variant' }
        @{ Case = 'TimeoutMs 0'; Splat = @{ TimeoutMs = 0 }; Pattern = 'TimeoutMs' }
        @{ Case = 'a negative TimeoutMs'; Splat = @{ TimeoutMs = -1 }; Pattern = 'TimeoutMs' }
        @{ Case = 'an unknown address family'; Splat = @{ AddressFamily = 'IPX' }; Pattern = 'AddressFamily' }
    ) {
        param($Case, $Splat, $Pattern)
        Assert-BindingError Test-WriteAfterRst $Splat $Pattern
    }

    It 'completes -Variant values from the catalogue: its family, and only it' {
        $variants = @(Get-SocketScenario | Where-Object Cmdlet -EQ 'Test-WriteAfterRst' | ForEach-Object MemberName)
        foreach ($v in 'Reset', 'Fin', 'SigPipe') { $variants | Should -Contain $v }
        $c = TabExpansion2 -inputScript 'Test-WriteAfterRst -Variant ' -cursorColumn 'Test-WriteAfterRst -Variant '.Length
        $c.CompletionMatches.CompletionText | Should -Be $variants
        $c = TabExpansion2 -inputScript 'Test-WriteAfterRst -Variant Fin, Si' -cursorColumn 'Test-WriteAfterRst -Variant Fin, Si'.Length
        $c.CompletionMatches.CompletionText | Should -Be 'SigPipe'
    }

    It 'names every variant in the error for an unknown one, and in its docs page' {
        $variants = @(Get-SocketScenario | Where-Object Cmdlet -EQ 'Test-WriteAfterRst' | ForEach-Object MemberName)
        $err = $null
        try { Test-WriteAfterRst -Variant Sideways -ErrorAction Stop } catch { $err = $_ }
        "$err" | Should -BeLike "*Unknown variant 'Sideways'. Test-WriteAfterRst -Variant takes: $($variants -join ', ').*"
        $page = Get-Content (Join-Path $RepoRoot 'docs/Test-WriteAfterRst.md') -Raw
        $accepted = [regex]::Match($page, '(?ms)^### -Variant.*?^Accepted values: (.*?)$').Groups[1].Value.Trim()
        ($accepted -split ',\s*') | Should -Be $variants
    }

    It 'takes a variant in any case' {
        (@(Test-WriteAfterRst -Variant fin)[0]).Scenario | Should -Be 'WriteAfterFin'
    }
}
