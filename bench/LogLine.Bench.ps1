#Requires -Version 7.4
<#
.SYNOPSIS
    Get-SocketErrorInfo's line reader on long and hostile lines: time per line, and whether the error was found.
.DESCRIPTION
    Each line is about 100 kB, built to make a backtracking engine try every split or to repeat one pattern's
    keyword over and over; most end in a real error. LogPatterns.Match is timed in-process (best and median of
    -Runs after one warm-up). Target (issue 23 item 10): no line over 10 ms. Writes bench/results/logline.md.
#>
[CmdletBinding()]
param([ValidateRange(3, 1000)][int] $Runs = 9)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench
$patterns = [SocketProbe.Engine.Errors.LogPatterns]

$K = 100000
$every = (($patterns::All | ForEach-Object { $_.Anchors }) -join ' x ') + ' '
$lines = [ordered]@{
    'error after 10 kB of prefix' = ('x' * 10240) + ' Error: read ECONNRESET'
    'letters, then "(os error 104)"' = ('a' * $K) + ' Connection reset by peer (os error 104)'
    'letters, no error' = ('a' * $K)
    '"read tcp ", no space, error at end' = 'read tcp ' + ('a' * $K) + ' Error: read ECONNRESET'
    '"read tcp a: " x 8,333, Go error at end' = ('read tcp a: ' * [int]($K / 12)) + 'read tcp 10.0.0.5:1->10.0.0.9:5432: read: connection reset by peer'
    '"[Errno 1] " x 10,000' = ('[Errno 1] ' * [int]($K / 10))
    '"Error 1 connecting to a" x 4,348' = ('Error 1 connecting to a' * [int]($K / 23))
    'spaces, then ": EOF"' = (' ' * $K) + 'x: EOF'
    '"the transport connection: " x 1,886' = ('Unable to read data from the transport connection: ' * [int]($K / 52))
    'curl error, then 100 kB' = 'curl: (56) Recv failure: Connection reset by peer ' + ('z' * $K)
    'every pattern''s keywords, repeated' = ($every * [int]([Math]::Ceiling($K / $every.Length))).Substring(0, $K)
}

$rows = foreach ($name in $lines.Keys) {
    $line = $lines[$name]
    $found = @($patterns::Match($line))   # warm-up: the engine builds its automata lazily
    $times = foreach ($i in 1..$Runs) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $null = $patterns::Match($line)
        $clock.Elapsed.TotalMilliseconds
    }
    $stats = Get-Stats $times
    [pscustomobject]@{
        Line = $name; Characters = '{0:N0}' -f $line.Length; Best = Format-Ms $stats.Min; Median = Format-Ms $stats.Median
        Max = Format-Ms $stats.Max; Found = (($found | ForEach-Object { "$($_.Entry.Key) ($($_.Pattern.Id))" }) -join ', ')
    }
}

Write-BenchResult -Name LogLine -Title 'Log lines: time per line on long and hostile lines' -Machine $machine -Sections @(
    @{ Text = @(
        "LogPatterns.Match on lines of about 100 kB, $Runs runs each after a warm-up. Target: every line under 10 ms."
        'Every expression runs on the non-backtracking engine (linear in the length of what it reads) and only in windows of ' +
        "$($patterns::WindowReach) characters before / $(3 * $patterns::WindowReach) after a place where one of its keywords occurs, " +
        "at most $($patterns::MaxWindows) windows per expression and line; the message texts are searched in the whole line.") }
    @{ Rows = $rows }
)
