# Issue 26: health verdicts where ops already look. Prometheus text read by the real client library's parser,
# Nagios lines and exit codes side by side with monitoring-plugins' own check_tcp, and the scheduled-check
# recipe run from another directory. Real consumers come from apt (.ci/run): python3-prometheus-client,
# monitoring-plugins-basic. Absent, CI fails loudly; elsewhere the tests say Skipped with the reason.
BeforeDiscovery {
    $script:PromParser = '/usr/bin/python3'
    $script:CheckTcp = '/usr/lib/nagios/plugins/check_tcp'
    $script:NoParser = if (-not $IsLinux) { 'Linux only (Debian packages)' }
        elseif ($env:CI -ne 'true' -and -not (Test-Path /usr/lib/python3/dist-packages/prometheus_client)) { 'python3-prometheus-client is not installed' }
    $script:NoCheckTcp = if (-not $IsLinux) { 'Linux only (Debian packages)' }
        elseif ($env:CI -ne 'true' -and -not (Test-Path $CheckTcp)) { 'monitoring-plugins-basic (check_tcp) is not installed' }
    # Every type a format file has a view for, for the 80-column check: the files are the list, so a new view is checked.
    $script:ViewTypes = @(foreach ($f in Get-ChildItem (Join-Path $PSScriptRoot '../src/SocketProbe') -Filter *.Format.ps1xml) {
            ([xml](Get-Content -Raw $f)).Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName | Where-Object { $_ -notlike 'Deserialized.*' }
        }) | Sort-Object -Unique | ForEach-Object { @{ Name = $_.Split('.')[-1]; Type = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:PromParser = '/usr/bin/python3'
    $script:CheckTcp = '/usr/lib/nagios/plugins/check_tcp'
    $script:Pwsh = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $script:PwshArgs = @(if ((Split-Path -Leaf $Pwsh) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })

    # The four loopback endpoints both tools are pointed at.
    $script:Open = New-TestServer -Behavior Echo
    $script:Silent = New-TestServer -Behavior Silent
    $script:Reset = New-TestServer -Behavior Reset
    # For the side-by-side table: the RST 150 ms after accept. A reset at accept races the probe's reading of its
    # own connect: an RST already in is SO_ERROR ECONNRESET, which we report (Reset) and check_tcp, which looks at
    # connect(2) alone, does not; the two tools then differ by design, not by mistake.
    $script:ResetLater = New-TestServer -Behavior IdleReset -IdleCloseMs 150
    $script:Closed = Get-ClosedLoopbackPort
}
AfterAll { $Open.Dispose(); $Silent.Dispose(); $Reset.Dispose(); $ResetLater.Dispose() }

Describe '-As Prometheus' {
    It 'writes a file the Prometheus client parser reads, atomically, UTF-8 without BOM, LF only' -Skip:([bool]$NoParser) {
        $file = Join-Path $TestDrive 'probe.prom'
        # An older file with a BOM and CRLF: replaced whole.
        [IO.File]::WriteAllText($file, "old`r`n", [Text.UTF8Encoding]::new($true))
        Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Open.Port, $Closed, $Reset.Port -ReadMs 300 -Quiet -As Prometheus -OutFile $file |
            Should -BeNullOrEmpty
        $bytes = [IO.File]::ReadAllBytes($file)
        $bytes[0..2] -join ',' | Should -Not -Be '239,187,191'
        $bytes | Should -Not -Contain 13
        @(Get-ChildItem -Force $TestDrive | Where-Object Name -like '.probe.prom*') | Should -BeNullOrEmpty
        # The real consumer: every family and sample, as the client library reads them (name value labels...).
        $parsed = & $PromParser -c @'
import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = [[s.name, s.value, s.labels] for f in text_string_to_metric_families(open(sys.argv[1], encoding='utf-8').read()) for s in f.samples]
print(json.dumps(out))
'@ $file
        $LASTEXITCODE | Should -Be 0
        $samples = $parsed | ConvertFrom-Json | ForEach-Object { [pscustomobject]@{ Name = $_[0]; Value = $_[1]; Labels = $_[2] } }
        function Sample($name, $port, $extra) {
            @($samples | Where-Object { $_.Name -eq $name -and $_.Labels.port -eq "$port" -and (-not $extra -or $_.Labels.($extra[0]) -eq $extra[1]) })
        }
        (Sample probe_success $Open.Port)[0].Value | Should -Be 1
        (Sample probe_success $Closed)[0].Value | Should -Be 0
        (Sample probe_success $Reset.Port)[0].Value | Should -Be 0
        (Sample socketprobe_outcome $Closed ('outcome', 'Refused'))[0].Value | Should -Be 1
        (Sample socketprobe_failed_phase $Closed ('phase', 'connect'))[0].Value | Should -Be 1
        (Sample socketprobe_outcome $Reset.Port ('outcome', 'Reset'))[0].Value | Should -Be 1
        (Sample socketprobe_failed_phase $Reset.Port ('phase', 'answer'))[0].Value | Should -Be 1
        (Sample probe_ip_protocol $Open.Port)[0].Value | Should -Be 4
        # A fixed set of 0/1 series per target: one per outcome, one per phase, whatever happened.
        (Sample socketprobe_outcome $Open.Port).Count | Should -Be ([Enum]::GetNames([SocketProbe.Engine.Probe.ProbeOutcome]).Count)
        (Sample socketprobe_failed_phase $Open.Port).Value | Should -Be @(0, 0, 0, 0)
    }

    It 'writes the text to the pipeline without -OutFile' {
        $text = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Open.Port -Quiet -As Prometheus
        $text | Should -Contain "probe_success{target=`"127.0.0.1`",port=`"$($Open.Port)`"} 1"
    }

    It 'refuses Nagios thresholds without -As Nagios, as a bad argument' {
        { Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Open.Port -Quiet -As Prometheus -WarningMs 5 } |
            Should -Throw -ErrorId 'WarningMsWithoutNagios,SocketProbe.Commands.TestTcpEndpointCommand'
        { Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Open.Port -Quiet -OutFile x.prom } |
            Should -Throw -ErrorId 'OutFileWithoutAs,SocketProbe.Commands.TestTcpEndpointCommand'
    }
}

Describe '-As Nagios side by side with check_tcp' -Skip:([bool]$NoCheckTcp) {
    BeforeAll {
        $script:Rows = [Collections.Generic.List[object]]::new()
        function Compare-WithCheckTcp([string] $Case, [int] $Port, [string[]] $CheckArgs, [hashtable] $Ours) {
            $theirs = & $CheckTcp -H 127.0.0.1 -p $Port @CheckArgs
            $theirCode = $LASTEXITCODE
            $global:LASTEXITCODE = -1
            $mine = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Port -Quiet -As Nagios @Ours
            $myCode = $LASTEXITCODE
            $row = [pscustomobject]@{ Case = $Case; CheckTcp = $theirCode; Ours = $myCode; CheckTcpLine = "$theirs"; OurLine = "$mine" }
            $Rows.Add($row)
            $row
        }
    }
    AfterAll { $Rows | Format-Table -AutoSize -Wrap | Out-String -Width 250 | Write-Host }

    It '<Case>: the same state and exit code (<Expected>)' -TestCases @(
        @{ Case = 'open'; Endpoint = 'Open'; CheckArgs = @('-t', '2'); Ours = @{ TimeoutMs = 2000 }; Expected = 0 }
        @{ Case = 'open, -w 0'; Endpoint = 'Open'; CheckArgs = @('-t', '2', '-w', '0'); Ours = @{ TimeoutMs = 2000; WarningMs = 0 }; Expected = 1 }
        @{ Case = 'open, -c 0'; Endpoint = 'Open'; CheckArgs = @('-t', '2', '-c', '0'); Ours = @{ TimeoutMs = 2000; CriticalMs = 0 }; Expected = 2 }
        @{ Case = 'refused'; Endpoint = 'Closed'; CheckArgs = @('-t', '2'); Ours = @{ TimeoutMs = 2000 }; Expected = 2 }
        @{ Case = 'refused, -r ok'; Endpoint = 'Closed'; CheckArgs = @('-t', '2', '-r', 'ok'); Ours = @{ TimeoutMs = 2000; RefusedState = 'Ok' }; Expected = 0 }
        @{ Case = 'refused, -r warn'; Endpoint = 'Closed'; CheckArgs = @('-t', '2', '-r', 'warn'); Ours = @{ TimeoutMs = 2000; RefusedState = 'Warning' }; Expected = 1 }
        @{ Case = 'silent after accept'; Endpoint = 'Silent'; CheckArgs = @('-t', '2'); Ours = @{ TimeoutMs = 2000 }; Expected = 0 }
        @{ Case = 'reset after accept'; Endpoint = 'Reset'; CheckArgs = @('-t', '2'); Ours = @{ TimeoutMs = 2000 }; Expected = 0 }
        @{ Case = 'reset after accept, reading (-e / -ReadMs)'; Endpoint = 'Reset'; CheckArgs = @('-t', '2', '-e', 'x'); Ours = @{ TimeoutMs = 2000; ReadMs = 1000 }; Expected = 2 }
    ) {
        param($Case, $Endpoint, $CheckArgs, $Ours, $Expected)
        $port = switch ($Endpoint) { 'Open' { $Open.Port } 'Closed' { $Closed } 'Silent' { $Silent.Port } 'Reset' { $ResetLater.Port } }
        $row = Compare-WithCheckTcp $Case $port $CheckArgs $Ours
        $row.Ours | Should -Be $row.CheckTcp -Because "check_tcp said '$($row.CheckTcpLine)', we said '$($row.OurLine)'"
        $row.Ours | Should -Be $Expected
        # The state word leads both lines where check_tcp writes one.
        if ($row.CheckTcpLine -match '^TCP (OK|WARNING|CRITICAL)') { $row.OurLine | Should -BeLike "TCP $($Matches[1]) - *" }
        if ($row.CheckTcpLine -like 'connect to address*') { $row.OurLine | Should -Be $row.CheckTcpLine }
    }

    It 'a host that never answers (SYNs dropped): CRITICAL with check_tcp''s words' {
        # A listener with backlog 0 and one connection queued: Linux drops further SYNs (tcp_conn_request).
        $listener = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $filler = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        try {
            $listener.Bind([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0)); $listener.Listen(0)
            $filler.Connect($listener.LocalEndPoint)
            $row = Compare-WithCheckTcp 'silent host (SYN dropped)' $listener.LocalEndPoint.Port @('-t', '1') @{ TimeoutMs = 1000 }
            $row.Ours | Should -Be $row.CheckTcp
            $row.Ours | Should -Be 2
            $row.OurLine | Should -Be $row.CheckTcpLine
        }
        finally { $filler.Dispose(); $listener.Dispose() }
    }
}

Describe 'The scheduled-check recipe (about_SocketProbe), run from another directory' {
    BeforeAll {
        # The recipe's script as the help prints it: extracted, not copied, so the test runs what users read.
        $about = Get-Content -Raw (Join-Path $RepoRoot 'docs/about_SocketProbe.md')
        $script:Recipe = [regex]::Match($about, '(?s)```powershell\r?\n(# check\.ps1:.*?)```').Groups[1].Value
        # "The installed module": a module path holding SocketProbe, as Install-PSResource leaves it.
        $script:Modules = Join-Path $TestDrive 'modules'
        New-Item -ItemType Directory $Modules | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $Modules 'SocketProbe') -Target $RepoRoot | Out-Null
        $script:Elsewhere = Join-Path $TestDrive 'elsewhere'
        New-Item -ItemType Directory $Elsewhere | Out-Null
        $script:CheckScript = Join-Path $TestDrive 'check.ps1'
        Set-Content -Path $CheckScript -Value $Recipe
    }

    It 'is in the help' { $Recipe | Should -Match 'Import-Module' }

    It 'exits <Exit> for <Case>, started with pwsh -File from a directory outside the repo' -TestCases @(
        @{ Case = 'a healthy target'; Port = { $Open.Port }; Exit = 0 }
        @{ Case = 'a refused target'; Port = { $Closed }; Exit = 2 }
        @{ Case = 'bad input (port 0): the check could not run'; Port = { 0 }; Exit = 3 }
    ) {
        param($Case, $Port, $Exit)
        $psi = [Diagnostics.ProcessStartInfo]::new($Pwsh)
        foreach ($a in @($PwshArgs) + @('-NoProfile', '-NonInteractive', '-File', $CheckScript, '-Target', '127.0.0.1', '-Port', (& $Port))) { $psi.ArgumentList.Add("$a") }
        $psi.WorkingDirectory = $Elsewhere
        $psi.Environment['PSModulePath'] = $Modules
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [Diagnostics.Process]::Start($psi)
        $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
        $p.WaitForExit(60000) | Should -BeTrue
        $p.ExitCode | Should -Be $Exit -Because "stdout: $($out.Result) stderr: $($err.Result)"
        $out.Result | Should -Match '^(TCP (OK|CRITICAL|UNKNOWN)|connect to address)'
    }
}

Describe 'One shape of output: names, ISO 8601 UTC times, rounded numbers, in JSON and CSV alike' {
    BeforeAll {
        $script:Iso = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
        # A type whose times are not yet ISO 8601 strings would be named here ('Type.Property'); none is.
        $script:NotYetConverted = @()
        # Every type a SocketProbe cmdlet declares it outputs.
        $script:OutputTypes = @(Get-Command -Module SocketProbe -CommandType Cmdlet | ForEach-Object { $_.OutputType.Type } |
            Where-Object { $_ -and $_.Assembly.GetName().Name -like 'SocketProbe*' } | Sort-Object FullName -Unique)
        $closed = Get-ClosedLoopbackPort
        # A log with times with and without an offset, and a capture of one refused connect (the engine's own writer).
        $script:Log = Join-Path $TestDrive 'app.log'
        Set-Content -LiteralPath $Log -Value @(
            '2026-12-01T00:00:00.123Z ERROR read tcp 10.0.0.5:51234->10.0.0.9:5432: read: connection reset by peer'
            '2026-12-01 00:05:50,456 ERROR read tcp 10.0.0.5:51236->10.0.0.9:5432: read: connection reset by peer'
            '2026-12-01T00:11:40.789+01:00 ERROR read tcp 10.0.0.5:51238->10.0.0.9:5432: read: connection reset by peer')
        $script:Pcap = Join-Path $TestDrive 'refused.pcapng'
        $writer = [SocketProbe.Engine.Capture.PcapNgWriter]::Create($Pcap, $null)
        try {
            $at = 1700000000123456789
            foreach ($p in [byte[]](0x45,0,0,40, 0,1,0,0, 64,6,0,0, 10,0,0,1, 10,0,0,2, 0x9c,0x40,0x1f,0x90, 0,0,3,0xe8, 0,0,0,0, 0x50,0x02,2,0, 0,0,0,0),
                [byte[]](0x45,0,0,40, 0,0,0,0, 64,6,0,0, 10,0,0,2, 10,0,0,1, 0x1f,0x90,0x9c,0x40, 0,0,0,0, 0,0,3,0xe9, 0x50,0x14,0,0, 0,0,0,0)) {
                $at += 1000; $writer.Write($at, $p, $p.Length)
            }
        }
        finally { $writer.Dispose() }
        # Watch-TcpReset needs root and tracefs (Linux): a refused connect to a closed port is its Sent and Received pair.
        $script:NoResetWatch = if (-not $IsLinux -or (id -u) -ne '0') { 'Watch-TcpReset needs root on Linux' }
        $resets = if (-not $NoResetWatch) {
            Invoke-WithRefusedConnect -Port $closed { Watch-TcpReset -Port $closed -Count 2 -DurationSeconds 5 }
        }
        $script:outputs = @(
            Test-TcpRefused | Select-Object -First 1
            Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Open.Port, $closed
            Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Open.Port -Count 3 -IntervalMs 0 -Summary
            Watch-TcpConnection -ComputerName 127.0.0.1 -Port $Reset.Port -HoldSeconds 1
            Find-TcpIdleTimeout -ComputerName 127.0.0.1 -Port $closed -MaxSeconds 2 -Detailed
            Get-TcpCounter | Select-Object -First 2
            Get-SocketErrorInfo ECONNRESET | Select-Object -First 1
            Get-SocketScenario
            Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Reset.Port, $Silent.Port -ReadMs 100
            Get-SocketErrorMatrix -Scenario ConnectRefused -Steps | Where-Object { $_ -isnot [string] }
            Get-SocketErrorMatrix -Scenario ConnectRefused -Summary -InformationVariable matrixInfo
            # A scenario that cannot run (the lab's tools looked for in an empty folder): its reason in the views.
            $env:SOCKETPROBE_LAB_PATH = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'no-lab-tools') -Force
            try { Get-SocketErrorMatrix -Scenario AcceptOverflowReset -Summary; Get-SocketErrorMatrix -Scenario AcceptOverflowReset -Steps }
            finally { Remove-Item Env:SOCKETPROBE_LAB_PATH }
            Get-SocketErrorInfo -Path $Log
            Get-SocketErrorInfo -Path $Log -Summary
            Get-SocketErrorInfo -Path $Log -Timeline -Bucket 5m
            Read-TcpCapture -LiteralPath $Pcap
            $resets
        )
        # Views of what is not pipeline output: a matrix run's timing (the information stream).
        $script:viewOnly = @($matrixInfo.MessageData | Where-Object { $_ -is [SocketProbe.Engine.Matrix.MatrixRun] })
    }

    It 'declares output types to check' { $OutputTypes.Count | Should -BeGreaterOrEqual 8 }

    It 'no output type has an enum or DateTime property (ConvertTo-Json writes an enum as its number, Export-Csv a DateTime in the culture''s format)' {
        $bad = foreach ($t in $OutputTypes) {
            foreach ($p in $t.GetProperties()) {
                $type = [Nullable]::GetUnderlyingType($p.PropertyType) ?? $p.PropertyType
                if (($type.IsEnum -or $type -in [datetime], [datetimeoffset], [timespan]) -and "$($t.Name).$($p.Name)" -notin $NotYetConverted) { "$($t.Name).$($p.Name) is $($type.Name)" }
            }
        }
        $bad | Should -BeNullOrEmpty
    }

    It 'round-trips real output of every cmdlet through ConvertTo-Json and Export-Csv' {
        $types = @($outputs | ForEach-Object { $_.GetType().Name } | Sort-Object -Unique)
        $types | Should -Contain 'WatchResult'
        $types | Should -Contain 'IdleTimeoutResult'
        $types | Should -Contain 'TcpCounter'
        foreach ($t in 'LogLineError', 'LogErrorSummary', 'LogTimelineBucket', 'TcpConnectionRecord', 'MatrixSummary') { $types | Should -Contain $t }
        if (-not $NoResetWatch) { $types | Should -Contain 'TcpResetEvent' }
        foreach ($o in $outputs | Where-Object { $_.GetType().Name -ne 'ScenarioInfo' -or $_.Name -eq 'ConnectRefused' }) {
            $name = $o.GetType().Name
            $json = $o | ConvertTo-Json -Depth 2 -WarningAction Ignore | ConvertFrom-Json -DateKind String
            $csv = @($o | ConvertTo-Csv | ConvertFrom-Csv)[0]
            foreach ($p in $o.PSObject.Properties) {
                $value = $p.Value
                if ($null -eq $value -or $value -is [Array]) { continue }
                $value | Should -Not -BeOfType ([Enum]) -Because "$name.$($p.Name) must be a name in JSON"
                $value | Should -Not -BeOfType ([datetime]) -Because "$name.$($p.Name) must be ISO 8601 UTC"
                if ($p.Name -match 'Timestamp|Attempt$|^Outage(Start|End)$|^(Time|Start|End|First|Last)$') {
                    $value | Should -Match $Iso -Because "$name.$($p.Name)"
                    $csv.($p.Name) | Should -Be $value
                }
                if ($value -is [double]) {
                    # Rounded where a person reads them: no 0.029666666666666664.
                    $p.Name -notmatch 'Avg|P50|P95|Loss|Min|Max|Seconds$' -or "$value".Length -le 12 | Should -BeTrue -Because "$name.$($p.Name) = $value"
                }
                if ($value -is [string] -and $value.Length -lt 200) { $json.($p.Name) | Should -Be $value -Because "$name.$($p.Name) in JSON" }
            }
        }
    }

    It 'reads the times back as the instants they were: <Name>' -TestCases @(
        @{ Name = 'a log line with Z'; Text = { @(Get-SocketErrorInfo -Path $Log)[0].Time }; Utc = '2026-12-01T00:00:00.123Z' }
        @{ Name = 'a log line with +01:00'; Text = { @(Get-SocketErrorInfo -Path $Log)[2].Time }; Utc = '2026-11-30T23:11:40.789Z' }
        @{ Name = 'a log line without a zone (read in this computer''s)'; Text = { @(Get-SocketErrorInfo -Path $Log)[1].Time }
            Utc = { [datetime]::new(2026, 12, 1, 0, 5, 50, 456, [DateTimeKind]::Local).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") } }
        @{ Name = 'a capture''s first packet'; Text = { (Read-TcpCapture -LiteralPath $Pcap).Start }; Utc = '2023-11-14T22:13:20.123Z' }
    ) {
        param($Text, $Utc)
        $expected = if ($Utc -is [scriptblock]) { & $Utc } else { $Utc }
        & $Text | Should -Be $expected
    }

    It 'default views fit 80 columns: every column of the view at 80, and no word split at 80 to 100: <Name>' -TestCases $ViewTypes {
        param($Name, $Type)
        if ($Name -eq 'TcpResetEvent' -and $NoResetWatch) { Set-ItResult -Skipped -Because $NoResetWatch; return }
        $rows = @(@($outputs) + @($viewOnly) | Where-Object { $_.PSObject.TypeNames[0] -eq $Type })
        $rows.Count | Should -BeGreaterThan 0 -Because "the outputs must hold a $Type to format"
        # The default view's columns, all at 80: a table wider than the console drops its last columns without a word.
        $view = @((Get-FormatData -TypeName $Type).FormatViewDefinition)[0]
        if ($view.Control -is [Management.Automation.TableControl]) {
            $lines = ($rows | Out-String -Width 80) -split "`r?`n"
            $dashes = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match '^[ -]*-{2,}[ -]*$' })
            $header = $lines[$dashes - 1]
            for ($i = 0; $i -lt $view.Control.Headers.Count; $i++) {
                $label = $view.Control.Headers[$i].Label
                if (-not $label) { $label = $view.Control.Rows[0].Columns[$i].DisplayEntry.Value }
                $header | Should -Match "(^|\s)$([regex]::Escape($label))(\s|$)" -Because "$Name's default view shows its column $label at 80 columns, in: $header"
            }
        }
        # The labels the views may show, and every property name (a table without a view uses them).
        $labels = [Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
        foreach ($f in Get-ChildItem (Join-Path $RepoRoot 'src/SocketProbe') -Filter *.Format.ps1xml) {
            foreach ($m in [regex]::Matches((Get-Content -Raw $f), '<Label>([^<]+)</Label>')) { $null = $labels.Add($m.Groups[1].Value) }
        }
        foreach ($p in $rows[0].PSObject.Properties) { $null = $labels.Add($p.Name) }
        # Every word the rows show at full width: a word cut across two lines shows pieces that are none of them.
        $words = [Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
        foreach ($w in ($rows | Out-String -Width 1000) -split '\s+') { $null = $words.Add($w) }
        foreach ($width in 80..100) {
            $lines = ($rows | Out-String -Width $width) -split "`\r?`\n"
            # A cut piece: not a word of the full-width text, not a rule of dashes, not a value the column cut short (…).
            $pieces = @($lines -split '\s+' | Where-Object { $_ -and -not $words.Contains($_) -and $_ -notmatch '^-+$|…$' })
            $pieces | Should -BeNullOrEmpty -Because "$Name at $width columns splits words: $($pieces -join ', ')"
            for ($i = 1; $i -lt $lines.Count; $i++) {
                if ($lines[$i] -notmatch '^[ -]*-{2,}[ -]*$') { continue }
                foreach ($dash in [regex]::Matches($lines[$i], '-+')) {
                    $header = $lines[$i - 1]
                    $cell = if ($header.Length -gt $dash.Index) { $header.Substring($dash.Index, [math]::Min($dash.Length, $header.Length - $dash.Index)).Trim() } else { '' }
                    $labels.Contains($cell) | Should -BeTrue -Because "$Name at $width columns shows header '$cell' (split?) in: $header"
                }
            }
        }
    }
}

Describe 'Get-SocketErrorMatrix shows its count line in an interactive session' {
    It 'writes the totals as a host line (Write-Host''s PSHOST tag), besides the MatrixResult record for scripts' {
        $records = @(Get-SocketErrorMatrix -Scenario ConnectRefused -Summary -ProgressAction SilentlyContinue 6>&1 | Where-Object { $_ -is [Management.Automation.InformationRecord] })
        $line = @($records | Where-Object { $_.Tags -contains 'PSHOST' })
        $line.Count | Should -Be 1
        "$($line[0].MessageData)" | Should -Match '\d+ scenario'
        @($records.MessageData | Where-Object { $_ -is [SocketProbe.Engine.Matrix.MatrixResult] }).Count | Should -Be 1
    }
}
