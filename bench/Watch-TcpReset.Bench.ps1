#Requires -Version 7.4
<#
.SYNOPSIS
    What Watch-TcpReset keeps up with, what it costs, and what -Trace adds to a scenario.
.DESCRIPTION
    1. Throughput: bench/ResetLoad.py makes refused loopback connects to one closed port at a paced
       rate (each one RST sent and one received) while Watch-TcpReset -Port (a pwsh of its own) reads;
       every RST the load drew must come out, or the loss is what the kernel's ring counted as overrun.
    2. CPU: the watch's own process CPU (utime + stime from /proc/PID/stat) over the load's window, at
       1,000 resets a second, as a share of one core.
    3. -Trace: scenarios without and with -Trace in interleaved pairs, and the trace's own time as the
       engine measured it (the Debug line "Trace for ...": taking a lease on the shared instance, and
       the final read and row building).
    Linux, root. Writes bench/results/watch-tcpreset.md.
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 60)][int] $Seconds = 10,
    [ValidateRange(100, 50000)][int] $HighRate = 10000,
    [ValidateRange(10, 10000)][int] $LowRate = 1000,
    [ValidateRange(3, 100)][int] $Iterations = 9,
    [string[]] $Scenario = @('ConnectRefused', 'PeerAbort', 'AcceptThenReset', 'ListenerClosedWithQueue', 'ServerClosesUnreadRequest', 'PeerKilledWithUnreadData')
)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench
$python = '/usr/bin/python3'
$load = Join-Path $PSScriptRoot 'ResetLoad.py'
$ticks = [double](& getconf CLK_TCK)

function Get-OwnInstance([int] $ProcessId) {
    @(Get-Content /proc/self/mounts | ForEach-Object { $f = $_.Split(' '); if ($f[2] -eq 'tracefs') { $f[1] } } |
        ForEach-Object { Get-ChildItem -Directory (Join-Path $_ 'instances') -Filter "socketprobe-$ProcessId-*" -ErrorAction SilentlyContinue })
}

function Get-CpuTicks([int] $ProcessId) {
    $stat = [IO.File]::ReadAllText("/proc/$ProcessId/stat")
    $f = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    [double]$f[11] + [double]$f[12]   # utime, stime (fields 14 and 15)
}

function Invoke-LoadRun([int] $Rate) {
    # A closed port below the ephemeral range: no other test's socket lands on it during the run.
    $port = (Get-ClosedLoopbackPort -Count 1)[0]
    $pwsh, $pre = Get-PwshCommand
    $out = Join-Path ([IO.Path]::GetTempPath()) "watch-bench-$PID-$Rate.json"
    $script = Join-Path ([IO.Path]::GetTempPath()) "watch-bench-$PID.ps1"
    Set-Content -Path $script -Value {
        param($Module, $Port, $Duration, $Out)
        Import-Module $Module
        $c0 = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds
        $all = @(Watch-TcpReset -Port $Port -DurationSeconds $Duration -Verbose -WarningVariable w -WarningAction SilentlyContinue 4>&1)
        $cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds - $c0
        $log = ($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
        $read = if ($log -match 'Read (\d+) trace events') { [long]$Matches[1] } else { 0 }
        $lost = if ("$w" -match 'overwrote (\d+)') { [long]$Matches[1] } else { 0 }
        $e = @($all | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] } | Group-Object Direction -NoElement)
        @{ Sent = ($e | Where-Object Name -EQ Sent).Count; Received = ($e | Where-Object Name -EQ Received).Count; Lost = $lost; Read = $read; Cpu = $cpu } |
            ConvertTo-Json -Compress | Set-Content $Out
    }.ToString()
    $arguments = @($pre) + @('-NoProfile', '-NonInteractive', '-File', $script, (Join-Path $RepoRoot 'SocketProbe.psd1'), $port, ($Seconds + 6), $out)
    $watch = Start-Process -FilePath $pwsh -ArgumentList $arguments -PassThru
    try {
        for ($i = 0; $i -lt 400 -and -not (Get-OwnInstance $watch.Id); $i++) { Start-Sleep -Milliseconds 25 }
        if (-not (Get-OwnInstance $watch.Id)) { throw 'the watch did not start its instance within 10 s' }
        # The window starts once the process is warm: its start-up (module load, the runtime's
        # background recompiling of the code it just ran) is paid once, not per reset.
        Start-Sleep -Milliseconds 2000
        $before = Get-CpuTicks $watch.Id
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $refused = [long](& $python $load $port $Rate $Seconds)
        $window = $clock.Elapsed.TotalSeconds
        $after = Get-CpuTicks $watch.Id
        $total = $clock.Elapsed.TotalSeconds
        if (-not $watch.WaitForExit(30000)) { throw 'the watch did not end within 30 s of its duration' }
        $r = Get-Content $out -Raw | ConvertFrom-Json
        [pscustomobject]@{
            'rate asked (RST/s)'     = $Rate
            'seconds'                = '{0:N1}' -f $window
            'RSTs drawn (refused)'   = $refused
            'achieved (RST/s)'       = '{0:N0}' -f ($refused / $window)
            'other events (host)'    = [Math]::Max(0, $r.Read - 2 * $refused)
            'Sent reported'          = $r.Sent
            'Received reported'      = $r.Received
            'missing'                = $refused - $r.Sent
            'ring overrun (lost)'    = $r.Lost
            'watch CPU (% of a core)' = '{0:N1}' -f (100 * ($after - $before) / $ticks / $window)
            'trace events read (host-wide)' = $r.Read
            'CPU per event read (us)' = '{0:N1}' -f (1e6 * $r.Cpu / [Math]::Max(1, $r.Read))
            _PerEventUs              = 1e6 * $r.Cpu / [Math]::Max(1, $r.Read)
            _CpuPercent              = 100 * ($after - $before) / $ticks / $window
            _Read                    = $r.Read
            _Missing                 = $refused - $r.Sent
            _Lost                    = $r.Lost
        }
    }
    finally {
        if (-not $watch.HasExited) { $watch.Kill() }
        Remove-Item $out, $script -ErrorAction Ignore
    }
}

$high = Invoke-LoadRun $HighRate
Write-Host "high rate done"
$low = Invoke-LoadRun $LowRate
Write-Host "low rate done"
# The same watch with no load: what the host's other resets (5 helpers' test suites on a shared
# machine) and the watch's own wake-ups cost over the same window.
$quiet = Invoke-LoadRun 0
Write-Host "no-load run done"

function Invoke-Run([string] $Name, [switch] $Trace) {
    $DebugPreference = 'Continue'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $all = @(Invoke-SocketScenario -Name $Name -Trace:$Trace 5>&1)
    $wall = $clock.Elapsed.TotalMilliseconds
    $own = $all | Where-Object { $_ -is [Management.Automation.DebugRecord] -and $_.Message -match 'Trace for \w+: (\d+) of (\d+) events.*open ([\d.]+) ms, finish ([\d.]+) ms' } |
        Select-Object -First 1 | ForEach-Object { [pscustomobject]@{ Kept = [int]$Matches[1]; Seen = [int]$Matches[2]; OpenMs = [double]$Matches[3]; FinishMs = [double]$Matches[4] } }
    [pscustomobject]@{ WallMs = $wall; Own = $own; Rows = @($all | Where-Object { $_ -is [SocketProbe.Engine.Observation] }) }
}

foreach ($s in $Scenario) { $null = Invoke-Run $s; $null = Invoke-Run $s -Trace }
$plain = @{}; $traced = @{}
foreach ($s in $Scenario) { $plain[$s] = [Collections.Generic.List[object]]::new(); $traced[$s] = [Collections.Generic.List[object]]::new() }
for ($i = 1; $i -le $Iterations; $i++) {
    foreach ($s in $Scenario) {
        if ($i % 2) { $plain[$s].Add((Invoke-Run $s)); $traced[$s].Add((Invoke-Run $s -Trace)) }
        else { $traced[$s].Add((Invoke-Run $s -Trace)); $plain[$s].Add((Invoke-Run $s)) }
    }
}
$rows = foreach ($s in $Scenario) {
    $p = $plain[$s]; $t = $traced[$s]
    $diff = Get-Stats (0..($Iterations - 1) | ForEach-Object { $t[$_].WallMs - $p[$_].WallMs })
    $own = @($t | ForEach-Object Own | Where-Object { $_ })
    $ownMs = Get-Stats ($own | ForEach-Object { $_.OpenMs + $_.FinishMs })
    [pscustomobject]@{
        'scenario'             = $s
        'without (median)'     = Format-Ms (Get-Stats ($p | ForEach-Object WallMs)).Median
        'with -Trace'          = Format-Ms (Get-Stats ($t | ForEach-Object WallMs)).Median
        'paired diff (median)' = Format-Ms $diff.Median
        'trace own (median)'   = Format-Ms $ownMs.Median
        'trace own (max)'      = Format-Ms $ownMs.Max
        'kernel rows'          = @($t[0].Rows | Where-Object { $_.Actor -eq 'Kernel' -and $_.Operation -like 'Rst*' }).Count
        'reasons'              = (@($t[0].Rows | Where-Object { $_.Actor -eq 'Kernel' -and $_.Operation -eq 'RstSent' }).Message | Sort-Object -Unique) -join ', '
        'met (< 20)'           = if ($ownMs.N -and $ownMs.Median -lt 20) { 'yes' } else { 'no' }
        _Own                   = $ownMs.Median
        _Diff                  = $diff.Median
    }
}

$summary = @(
    ("Throughput: $($high.'RSTs drawn (refused)') RSTs drawn in $($high.seconds) s ($($high.'achieved (RST/s)')/s); Watch-TcpReset reported $($high.'Sent reported') Sent and $($high.'Received reported') Received: " +
        "$($high._Missing) missing, $($high._Lost) counted lost by the ring's overrun. " + $(if ($high._Missing -le $high._Lost) { 'Every missing one is counted.' } else { 'Some went missing without being counted: NOT met.' }))
    ("CPU at $($low.'achieved (RST/s)') RST/s: $($low.'watch CPU (% of a core)') % of one core over the load's window (target < 5 %: $(if ($low._CpuPercent -lt 5) { 'met' } else { 'NOT met' })), " +
        "of which the host's other resets read meanwhile ($($low.'other events (host)') events) are a part; with no load, the same window cost $('{0:N1}' -f $quiet._CpuPercent) % ($($quiet._Read) events of others); at $($high.'achieved (RST/s)') RST/s: $($high.'watch CPU (% of a core)') %. " +
        "Per trace event read (whole run, host-wide events included): $('{0:N1}' -f $low._PerEventUs) us at the low rate, $('{0:N1}' -f $high._PerEventUs) us at the high rate; 1,000 resets a second are 2,000 events, so $('{0:N1}' -f ($high._PerEventUs * 2000 / 1e4)) % of a core at the high rate's cost per event.")
    ("-Trace: the trace's own time per scenario (lease + final read and rows), median of the scenario medians $(Format-Ms (Get-Stats ($rows._Own)).Median) ms, worst $(Format-Ms (($rows._Own | Measure-Object -Maximum).Maximum)) ms; " +
        "wall time with minus without, paired: median of the scenario medians $(Format-Ms (Get-Stats ($rows._Diff)).Median) ms (target < 20 ms). " +
        'The first -Trace run of a process also makes the shared instance (tens of ms, once; the warm-up round pays it).')
)
$notes = @(
    'Load: bench/ResetLoad.py, refused blocking connects to one closed port below the ephemeral range, paced; each draws one tcp_send_reset (NO_SOCKET) and one tcp_receive_reset. The watch keeps that port only (-Port), reading every event of the host.'
    'Other events: trace events read beyond the load''s own two per RST (other programs'' resets on the shared host, each parsed at least as far as its ports). The no-load row is the same watch with nothing drawn.'
    "Lost: the sum of the instance's per_cpu/cpuN/stats overrun and dropped events, and trace_pipe's LOST notes, as Watch-TcpReset reports them in its warning. Missing: drawn minus Sent reported."
    'CPU: the watch process''s utime + stime over the load''s window (PowerShell host included), divided by the window; the window starts 2 s after the watch''s instance appears (a window starting at once also paid the process''s warm-up: 1.5 % of a core with no load at all, against 7.8 % then 6.0 % at 1,000 RST/s). The watch reads every reset event of the host, other programs'' included (on a shared machine other work makes resets too): the per-event figure is the one that does not depend on them.'
)
Write-BenchResult -Name 'Watch-TcpReset' -Title 'Watch-TcpReset: throughput, CPU, and what -Trace adds' -Machine $machine -Sections @(
    @{ Heading = 'Summary'; Text = $summary }
    @{ Heading = 'Load runs'; Rows = @($high, $low, $quiet | Select-Object * -ExcludeProperty _*) }
    @{ Heading = '-Trace per scenario'; Rows = @($rows | Select-Object * -ExcludeProperty _*) }
    @{ Heading = 'How to read it'; Text = $notes }
) | Out-Null
