# Get-SocketErrorInfo -Path / -LiteralPath: whole log files (plain and .gz), wildcards, Get-ChildItem's pipeline,
# -Summary and -Timeline, bad input; and piped strings that are not errors among many (Verbose, not errors).
# The scan's own logic (counts, times, intervals, buckets, hostile lines) is in xunit: LogScanTests.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # A log of known content: 60 lines, every 6th a Node.js ECONNRESET at 350 s intervals (10 of them), the rest noise.
    $script:LogDir = Join-Path $TestDrive 'logs'
    New-Item -ItemType Directory -Path $script:LogDir | Out-Null
    $start = [datetime]::new(2026, 12, 1, 0, 0, 0, [DateTimeKind]::Utc)
    $script:ErrorLines = [Collections.Generic.List[int]]::new()
    $lines = foreach ($n in 1..60) {
        if ($n % 6 -eq 0) {
            $at = $start.AddSeconds(350 * ($n / 6 - 1))
            $script:ErrorLines.Add($n)
            '{0:yyyy-MM-ddTHH:mm:ssZ} ERROR api: Error: connect ECONNRESET 10.0.0.9:6379' -f $at
        }
        else {
            '{0:yyyy-MM-ddTHH:mm:ssZ} INFO  request handled status=200 response code: 200' -f $start.AddSeconds($n)
        }
    }
    $script:Plain = Join-Path $script:LogDir 'app.log'
    [IO.File]::WriteAllLines($script:Plain, [string[]]$lines)
    # The same log, gzipped, as logrotate leaves it.
    $script:Gz = Join-Path $script:LogDir 'app.log.1.gz'
    $out = [IO.File]::Create($script:Gz)
    try {
        $gzip = [IO.Compression.GZipStream]::new($out, [IO.Compression.CompressionLevel]::Fastest)
        $bytes = [IO.File]::ReadAllBytes($script:Plain)
        $gzip.Write($bytes, 0, $bytes.Length)
        $gzip.Dispose()
    }
    finally { $out.Dispose() }
    $script:Binary = Join-Path $script:LogDir 'core.bin'
    [IO.File]::WriteAllBytes($script:Binary, [byte[]](0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0))
}

Describe 'Get-SocketErrorInfo -Path' {
    It 'writes one object per error line, with file, line number, time, error and runtime' {
        $rows = @(Get-SocketErrorInfo -Path $script:Plain)
        $rows.Count | Should -Be 10
        $rows.LineNumber | Should -Be $script:ErrorLines.ToArray()
        $rows[0].Path | Should -Be $script:Plain
        $rows[1].Time | Should -Be '2026-12-01T00:05:50.000Z'
        $rows.Key | Sort-Object -Unique | Should -Be 'ECONNRESET'
        $rows[0].Name | Should -Be 'ECONNRESET'
        $rows[0].Runtime | Should -Match 'Node'
        $rows[0].NextCommand | Should -Match "'10\.0\.0\.9' -Port 6379"
        (Get-Command Get-SocketErrorInfo).OutputType.Name | Should -Contain 'SocketProbe.Engine.LogScan.LogLineError'
    }

    It 'reads .gz, expands wildcards, and takes files from Get-ChildItem' {
        @(Get-SocketErrorInfo -Path $script:Gz).LineNumber | Should -Be $script:ErrorLines.ToArray()
        $both = @(Get-SocketErrorInfo -Path (Join-Path $script:LogDir 'app.log*'))
        $both.Count | Should -Be 20
        @($both.Path | Sort-Object -Unique) | Should -Be @($script:Plain, $script:Gz)
        @(Get-ChildItem $script:LogDir -Filter 'app.log*' | Get-SocketErrorInfo).Count | Should -Be 20
        @(Get-ChildItem $script:LogDir -Filter 'app.log*' | Get-SocketErrorInfo -Summary).Count | Should -Be 1
        @(Get-SocketErrorInfo -LiteralPath $script:Plain).Count | Should -Be 10
    }

    It 'sums up per error with the intervals, and names an idle timeout for a reset every 350 s' {
        $summary = Get-SocketErrorInfo -Path $script:Plain -Summary
        $summary.Count | Should -Be 10
        $summary.First | Should -Be '2026-12-01T00:00:00.000Z'
        $summary.Last | Should -Be '2026-12-01T00:52:30.000Z'
        $summary.TypicalIntervalSeconds | Should -Be 350
        $summary.Verdict | Should -Match 'idle timeout'
        $summary.NextCommand | Should -Be "Find-TcpIdleTimeout -ComputerName '10.0.0.9' -Port 6379"
    }

    It 'counts per bucket for -Timeline -Bucket <Bucket>' -TestCases @(
        @{ Bucket = '5m'; Rows = 11 }
        @{ Bucket = '1h'; Rows = 1 }
        @{ Bucket = [timespan]::FromMinutes(10); Rows = 6 }
    ) {
        param($Bucket, $Rows)
        $timeline = @(Get-SocketErrorInfo -Path $script:Plain -Timeline -Bucket $Bucket)
        $timeline.Count | Should -Be $Rows
        ($timeline | Measure-Object Count -Sum).Sum | Should -Be 10
        $csv = Join-Path $TestDrive 'timeline.csv'
        $timeline | Export-Csv -Path $csv -NoTypeInformation
        @(Import-Csv $csv)[0].PSObject.Properties.Name | Should -Be @('Start', 'BucketSeconds', 'Key', 'Count')
        @(Import-Csv $csv)[0].Start | Should -Be '2026-12-01T00:00:00.000Z'
    }

    It 'shows lines, summary and timeline in 80 columns' {
        $text = @(
            Get-SocketErrorInfo -Path $script:Plain | Out-String -Width 80
            Get-SocketErrorInfo -Path $script:Plain -Summary | Out-String -Width 80
            Get-SocketErrorInfo -Path $script:Plain -Timeline | Out-String -Width 80
        ) -join "`n"
        foreach ($line in $text -split "`r?`n") { $line.Length | Should -BeLessOrEqual 80 -Because "'$line'" }
        $text | Should -Match 'Line\s+Time\s+Key\s+Matched'
        $text | Should -Match '2026-12-01T00:05:50\.000Z\s+ECONNRESET\s+connect ECONNRESET'
        $text | Should -Match 'Verdict\s+: Regular: ECONNRESET every ~350 s'
    }

    It 'gives one clear error for a binary file and goes on with the next' {
        $rows = @(Get-SocketErrorInfo -Path $script:Binary, $script:Plain -ErrorVariable err -ErrorAction SilentlyContinue)
        $rows.Count | Should -Be 10
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'LogFileNotText,SocketProbe.Commands.GetSocketErrorInfoCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        "$($err[0])" | Should -Match 'not a text log'
    }

    It 'says ObjectNotFound for a path that names no file, and refuses a bucket that is none' {
        Get-SocketErrorInfo -Path (Join-Path $script:LogDir 'nothing*.log') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        { Get-SocketErrorInfo -Path $script:Plain -Timeline -Bucket soon } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,SocketProbe.Commands.GetSocketErrorInfoCommand'
        { Get-SocketErrorInfo -Path $script:Plain -Summary -Timeline } | Should -Throw -ErrorId 'SummaryAndTimeline,SocketProbe.Commands.GetSocketErrorInfoCommand'
    }
}

Describe 'Get-SocketErrorInfo with many strings piped in' {
    It 'skips a line that is no error with a Verbose line, not an error record' {
        $verbose = Get-Content $script:Plain | Get-SocketErrorInfo -Platform Linux -ErrorVariable err -ErrorAction SilentlyContinue -Verbose 4>&1
        $rows = @($verbose | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
        $rows.Count | Should -Be 10
        $err | Should -BeNullOrEmpty
        @($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Skipped:*' }).Count | Should -Be 50
    }

    It 'still errors when the only string, piped or given, means nothing' {
        'GET /index.html 200' | Get-SocketErrorInfo -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'SocketErrorNotFound,SocketProbe.Commands.GetSocketErrorInfoCommand'
        Get-SocketErrorInfo 'GET /index.html 200' -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2.Count | Should -Be 1
    }
}
