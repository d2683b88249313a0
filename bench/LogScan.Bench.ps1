#Requires -Version 7.4
<#
.SYNOPSIS
    Get-SocketErrorInfo -Path on a generated log of -Lines lines (5 % socket errors in real clients' wordings, the
    rest realistic noise) against grep -E and ripgrep with the same patterns; peak memory on a log 1x and 4x as big.
.DESCRIPTION
    The log comes from bench/LogScanGenerator.cs. grep gets every LogPatterns expression translated to POSIX ERE plus
    every message text (-i -c -E -f), once in the C locale and once in the machine's own (UTF-8) locale; ripgrep the
    .NET expressions with the group names dropped. Each of our runs is a fresh PowerShell (Import-Module, then the
    cmdlet, timed inside; its VmHWM read at the end), so the first-use cost of the patterns is in every figure; the
    engine's second scan in the same process is the warm figure. Every tool must count the same lines.
    Target (issue 29, DESIGN.md section 8): at most 5x grep -E's time, memory flat in the file's size.
    Writes bench/results/logscan.md.
#>
[CmdletBinding()]
param(
    [ValidateRange(100000, 100000000)][int] $Lines = 1000000,
    [ValidateRange(1, 20)][int] $Runs = 3,
    # The memory check's second log is this many times as long.
    [ValidateRange(2, 10)][int] $Scale = 4
)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench
Add-Type -Path (Join-Path $PSScriptRoot 'LogScanGenerator.cs')
$patterns = [SocketProbe.Engine.Errors.LogPatterns]

function ConvertTo-Ere([string] $Expression) {
    # A LogPatterns expression (.NET syntax) as POSIX ERE for GNU grep: groups unnamed, lazy quantifiers greedy (grep
    # reports lines, not spans, so which match wins does not matter), \d \s \S spelled out; case comes from -i.
    $e = $Expression -replace '^\(\?-i\)', '' -replace '\(\?<\w+>', '(' -replace '\(\?-i:', '(' -replace '\(\?:', '(' -replace '([+*?}])\?', '$1'
    $out = [Text.StringBuilder]::new()
    $inClass = $false
    for ($i = 0; $i -lt $e.Length; $i++) {
        $c = $e[$i]
        if ($c -eq '\' -and $i + 1 -lt $e.Length) {
            $n = [string]$e[++$i]
            $piece = if ($inClass) {
                switch -CaseSensitive ($n) { 'd' { '0-9' } 's' { '[:space:]' } 'r' { '' } 'n' { '' } ']' { 'RBRACKET' } default { $n } }
            }
            else {
                switch -CaseSensitive ($n) { 'd' { '[0-9]' } 'D' { '[^0-9]' } 's' { '[[:space:]]' } 'S' { '[^[:space:]]' } default { '\' + $n } }
            }
            $null = $out.Append($piece)
            continue
        }
        if ($c -eq '[' -and -not $inClass) { $inClass = $true }
        elseif ($c -eq ']' -and $inClass) { $inClass = $false }
        $null = $out.Append($c)
    }
    # In ERE a ']' goes first in its bracket; a bracket left empty by dropping \r\n is "any character".
    $ere = [regex]::Replace($out.ToString(), '\[(\^?)([^\]]*?)RBRACKET([^\]]*)\]', { param($m) "[$($m.Groups[1].Value)]$($m.Groups[2].Value)$($m.Groups[3].Value)]" })
    $ere -replace '\[\^\]', '.'
}

function Get-Median([double[]] $Values) { (Get-Stats $Values).Median }

function Invoke-Tool {
    # One external tool's run: wall time (ms) and the count it printed.
    param([string] $File, [string[]] $Arguments, [hashtable] $Environment = @{})
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $output = & $File @Arguments
        $ms = $clock.Elapsed.TotalMilliseconds
        if ($LASTEXITCODE -gt 1) { throw "$File exited with $LASTEXITCODE" }
        [pscustomobject]@{ Ms = $ms; Count = [long]($output | Select-Object -Last 1) }
    }
    finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
}

function Invoke-Ours {
    # Get-SocketErrorInfo in a fresh PowerShell: the call's time inside it, the lines it counted, its peak memory.
    param([string] $Log, [ValidateSet('Lines', 'Summary', 'Engine')][string] $Mode)
    $module = Join-Path $RepoRoot 'SocketProbe.psd1'
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$module'
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$count = switch ('$Mode') {
    'Lines'   { (Get-SocketErrorInfo -Path '$Log' | Measure-Object).Count }
    'Summary' { (Get-SocketErrorInfo -Path '$Log' -Summary | Measure-Object Count -Sum).Sum }
    'Engine'  { `$n = 0; foreach (`$e in [SocketProbe.Engine.LogScan.LogScanner]::Default.Scan('$Log')) { `$n++ }; `$n }
}
`$ms = `$clock.Elapsed.TotalMilliseconds
`$warm = `$null
if ('$Mode' -eq 'Engine') {
    `$clock.Restart(); `$n = 0; foreach (`$e in [SocketProbe.Engine.LogScan.LogScanner]::Default.Scan('$Log')) { `$n++ }; `$warm = `$clock.Elapsed.TotalMilliseconds
}
`$hwm = [long]((Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value)
[pscustomobject]@{ Ms = `$ms; WarmMs = `$warm; Count = `$count; PeakMB = [math]::Round(`$hwm / 1024) } | ConvertTo-Json -Compress
"@
    $pwsh = Get-PwshCommand
    $json = & $pwsh[0] @($pwsh[1]) -NoProfile -NonInteractive -Command $script
    if ($LASTEXITCODE -ne 0) { throw "Get-SocketErrorInfo ($Mode) failed: $json" }
    $json | Select-Object -Last 1 | ConvertFrom-Json
}

$work = Join-Path ([IO.Path]::GetTempPath()) "logscan-bench-$PID"
New-Item -ItemType Directory -Path $work | Out-Null
try {
    $errors = [string[]]@($patterns::All | ForEach-Object Sample)
    $log = Join-Path $work 'app.log'
    $expected = [LogScanGenerator]::Write($log, $Lines, 0.05, $errors, 29)
    $size = (Get-Item $log).Length
    Write-Host ("log: {0:N0} lines, {1:N0} bytes, {2:N0} error lines" -f $Lines, $size, $expected)

    $ereFile = Join-Path $work 'patterns.ere'
    $rgFile = Join-Path $work 'patterns.rg'
    $texts = @($patterns::MessageTexts)
    @(@($patterns::All | ForEach-Object { ConvertTo-Ere $_.Expression }) + @($texts | ForEach-Object { [regex]::Escape($_) -replace '\\ ', ' ' -replace '\\#', '#' })) |
        Set-Content -Path $ereFile
    @(@($patterns::All | ForEach-Object { $_.Expression -replace '\(\?<\w+>', '(?:' }) + @($texts | ForEach-Object { [regex]::Escape($_) -replace '\\ ', ' ' -replace '\\#', '#' })) |
        Set-Content -Path $rgFile

    $grep = (Get-Command grep -CommandType Application | Select-Object -First 1).Source
    $rg = (Get-Command rg -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    $locale = if ($env:LC_ALL) { $env:LC_ALL } elseif ($env:LANG) { $env:LANG } else { 'C' }

    $results = [ordered]@{}
    $results['grep -E (LC_ALL=C)'] = @(1..$Runs | ForEach-Object { Invoke-Tool $grep @('-c', '-i', '-E', '-f', $ereFile, $log) @{ LC_ALL = 'C' } })
    $results["grep -E (LC_ALL=$locale)"] = @(Invoke-Tool $grep @('-c', '-i', '-E', '-f', $ereFile, $log) @{ LC_ALL = $locale })
    if ($rg) { $results['ripgrep'] = @(1..$Runs | ForEach-Object { Invoke-Tool $rg @('-c', '-i', '-f', $rgFile, $log) }) }
    $results['Get-SocketErrorInfo -Path -Summary'] = @(1..$Runs | ForEach-Object { Invoke-Ours $log Summary })
    $results['Get-SocketErrorInfo -Path (one object per line)'] = @(1..$Runs | ForEach-Object { Invoke-Ours $log Lines })
    $engine = @(1..$Runs | ForEach-Object { Invoke-Ours $log Engine })
    $results['engine LogScanner, first scan in the process'] = $engine
    $results['engine LogScanner, second scan (patterns warm)'] = @($engine | ForEach-Object { [pscustomobject]@{ Ms = $_.WarmMs; Count = $_.Count } })

    $grepMs = Get-Median ($results['grep -E (LC_ALL=C)'].Ms)
    $rows = foreach ($name in $results.Keys) {
        $measured = $results[$name]
        $ms = Get-Median ($measured.Ms)
        [pscustomobject]@{
            Tool = $name; Runs = $measured.Count; 'Median ms' = Format-Ms $ms; 'Lines/s' = '{0:N0}' -f ($Lines / ($ms / 1000))
            'x grep (C)' = '{0:N2}' -f ($ms / $grepMs); 'Lines counted' = '{0:N0}' -f $measured[0].Count
            'Count right' = @($measured | Where-Object { $_.Count -ne $expected }).Count -eq 0
        }
    }

    # Memory: the same log written $Scale times over (line numbers go on, errors in the same share).
    $big = Join-Path $work 'app4.log'
    $null = [LogScanGenerator]::Write($big, $Lines * $Scale, 0.05, $errors, 29)
    $memory = foreach ($mode in 'Summary', 'Lines') {
        $one = Invoke-Ours $log $mode
        $many = Invoke-Ours $big $mode
        [pscustomobject]@{
            Mode = "Get-SocketErrorInfo -Path$(if ($mode -eq 'Summary') { ' -Summary' } else { ' | Measure-Object' })"
            ("Peak MB, 1x ({0:N0} MB)" -f ($size / 1MB)) = $one.PeakMB
            ("Peak MB, ${Scale}x ({0:N0} MB)" -f ((Get-Item $big).Length / 1MB)) = $many.PeakMB
            'Growth MB' = $many.PeakMB - $one.PeakMB
            "${Scale}x time ms" = Format-Ms $many.Ms
        }
    }
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

Write-BenchResult -Name LogScan -Title 'Log scan: Get-SocketErrorInfo -Path against grep -E and ripgrep' -Machine $machine -Sections @(
    @{ Text = @(
        ("A generated log (bench/LogScanGenerator.cs) of {0:N0} lines, {1:N0} MB: {2:N0} socket errors (5 %) in the wordings of " -f $Lines, ($size / 1MB), $expected) +
        "the catalogue's pattern samples (Go, Node.js, Python, Java, .NET, Rust, curl, nginx, HAProxy, Envoy, libpq, MySQL, Redis, Windows) " +
        'after a timestamp in one of six forms; the rest noise from the same runtimes and servers, some of it holding the words patterns look for ' +
        '(response code:, EOF, tcp, reset) without being an error.'
        "grep -E -i -c -f with every pattern translated to POSIX ERE ($(@($patterns::All).Count) expressions) and every message text ($(@($patterns::MessageTexts).Count)); " +
        'ripgrep -i -c -f with the .NET expressions (groups unnamed). Each of our runs is a fresh PowerShell: Import-Module, then the call timed inside, ' +
        'so the patterns'' first-use cost (the non-backtracking engine builds its automata lazily) is in every figure but the warm one.'
        "Target: at most 5x grep -E's time. Median of $Runs runs (grep in the machine's own locale: one run)."
    ) }
    @{ Rows = $rows }
    @{ Heading = 'Peak memory: flat in the file''s size'; Text = @(
        "Peak resident memory (VmHWM) of the whole PowerShell process, on the log above and on one $Scale times as long. " +
        'The scan streams through one 1 MiB buffer; -Summary keeps 8 bytes per timed error line (to sort times across files).'
    ) }
    @{ Rows = $memory }
)
