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

# utime + stime of a process, and of its runtime's background JIT thread apart (".NET Tiered Com":
# it recompiles hot code at full optimisation during a process's first tens of seconds of work).
function Get-CpuTicks([int] $ProcessId) {
    $total = 0.0; $jit = 0.0
    foreach ($task in [IO.Directory]::GetDirectories("/proc/$ProcessId/task")) {
        try { $stat = [IO.File]::ReadAllText("$task/stat") } catch { continue }   # a thread that just ended
        $f = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
        $ticks = [double]$f[11] + [double]$f[12]   # utime, stime (fields 14 and 15)
        $total += $ticks
        if ($stat -match '\(\.NET Tiered Com') { $jit += $ticks }
    }
    [pscustomobject]@{ Total = $total; Jit = $jit }
}

# One watch (a pwsh of its own, -Port on the load's port) under a paced load of $Windows windows of
# $Seconds each, its CPU read at every window's edge: the first window pays the process's warm-up
# (the runtime recompiling the code the events run through), the last one is the watch's steady cost.
function Invoke-LoadRun([int] $Rate, [int] $Windows) {
    # A closed port below the ephemeral range: no other test's socket lands on it during the run.
    $port = (Get-ClosedLoopbackPort -Count 1)[0]
    $pwsh, $pre = Get-PwshCommand
    $out = Join-Path ([IO.Path]::GetTempPath()) "watch-bench-$PID-$Rate.json"
    $drawn = Join-Path ([IO.Path]::GetTempPath()) "watch-bench-$PID-$Rate.count"
    $script = Join-Path ([IO.Path]::GetTempPath()) "watch-bench-$PID.ps1"
    $loadSeconds = $Seconds * $Windows
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
    $arguments = @($pre) + @('-NoProfile', '-NonInteractive', '-File', $script, (Join-Path $RepoRoot 'SocketProbe.psd1'), $port, ($loadSeconds + 6), $out)
    $watch = Start-Process -FilePath $pwsh -ArgumentList $arguments -PassThru
    $loader = $null
    try {
        for ($i = 0; $i -lt 400 -and -not (Get-OwnInstance $watch.Id); $i++) { Start-Sleep -Milliseconds 25 }
        if (-not (Get-OwnInstance $watch.Id)) { throw 'the watch did not start its instance within 10 s' }
        Start-Sleep -Milliseconds 2000   # module load and start-up, before any event
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $edges = [Collections.Generic.List[object]]::new()
        $edges.Add((Get-CpuTicks $watch.Id))
        $loader = Start-Process -FilePath $python -ArgumentList $load, $port, $Rate, $loadSeconds -RedirectStandardOutput $drawn -PassThru
        for ($w = 1; $w -le $Windows; $w++) {
            $wait = $w * $Seconds * 1000 - $clock.ElapsedMilliseconds
            if ($wait -gt 0) { Start-Sleep -Milliseconds $wait }
            $edges.Add((Get-CpuTicks $watch.Id))
        }
        if (-not $loader.WaitForExit(30000)) { throw 'the load did not end within 30 s of its duration' }
        $window = $clock.Elapsed.TotalSeconds
        $refused = [long](Get-Content $drawn -Raw)
        if (-not $watch.WaitForExit(30000)) { throw 'the watch did not end within 30 s of its duration' }
        $r = Get-Content $out -Raw | ConvertFrom-Json
        $percent = { param($a, $b, $field) 100 * ($b.$field - $a.$field) / $ticks / $Seconds }
        $first = & $percent $edges[0] $edges[1] 'Total'
        $steady = & $percent $edges[$Windows - 1] $edges[$Windows] 'Total'
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
            'CPU per window (% of a core)' = (1..$Windows | ForEach-Object { '{0:N1}' -f (& $percent $edges[$_ - 1] $edges[$_] 'Total') }) -join ' / '
            'of which the JIT thread' = (1..$Windows | ForEach-Object { '{0:N1}' -f (& $percent $edges[$_ - 1] $edges[$_] 'Jit') }) -join ' / '
            'trace events read (host-wide)' = $r.Read
            _First                   = $first
            _Steady                  = $steady
            _SteadyJit               = & $percent $edges[$Windows - 1] $edges[$Windows] 'Jit'
            _FirstJit                = & $percent $edges[0] $edges[1] 'Jit'
            _Read                    = $r.Read
            _Missing                 = $refused - $r.Sent
            _Lost                    = $r.Lost
        }
    }
    finally {
        if ($loader -and -not $loader.HasExited) { $loader.Kill() }
        if (-not $watch.HasExited) { $watch.Kill() }
        Remove-Item $out, $script, $drawn -ErrorAction Ignore
    }
}

# Windows: enough for the runtime's recompiling to end (about 30 s of events at 1,000 a second,
# measured by thread), so the last window is the steady cost.
$high = Invoke-LoadRun $HighRate -Windows 3
Write-Host "high rate done"
$low = Invoke-LoadRun $LowRate -Windows 4
Write-Host "low rate done"
# The same watch with no load: what the host's other resets and the watch's own wake-ups cost.
$quiet = Invoke-LoadRun 0 -Windows 3
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
    ("CPU at $($low.'achieved (RST/s)') RST/s, steady (the last $Seconds s window): $('{0:N1}' -f $low._Steady) % of one core (target < 5 %: $(if ($low._Steady -lt 5) { 'met' } else { 'NOT met' })), " +
        "the runtime's JIT thread $('{0:N1}' -f $low._SteadyJit) % of it. The first $Seconds s of events cost $('{0:N1}' -f $low._First) %, $('{0:N1}' -f $low._FirstJit) % of it the JIT thread recompiling the code the events run through (once a process). " +
        "At $($high.'achieved (RST/s)') RST/s: $('{0:N1}' -f $high._Steady) % steady, $('{0:N1}' -f $high._First) % in the first window. With no load: $('{0:N1}' -f $quiet._Steady) % in the last window, $('{0:N1}' -f $quiet._SteadyJit) % of it the JIT thread (with nothing to read, the code it recompiles is called a few times a second and reaches its turn later; $($quiet._Read) events of other programs read).")
    ("-Trace: the trace's own time per scenario (lease + final read and rows), median of the scenario medians $(Format-Ms (Get-Stats ($rows._Own)).Median) ms, worst $(Format-Ms (($rows._Own | Measure-Object -Maximum).Maximum)) ms; " +
        "wall time with minus without, paired: median of the scenario medians $(Format-Ms (Get-Stats ($rows._Diff)).Median) ms (target < 20 ms). " +
        'The first -Trace run of a process also makes the shared instance (tens of ms, once; the warm-up round pays it).')
)
$notes = @(
    'Load: bench/ResetLoad.py, refused blocking connects to one closed port below the ephemeral range, paced; each draws one tcp_send_reset (NO_SOCKET) and one tcp_receive_reset. The watch keeps that port only (-Port), reading every event of the host.'
    'Other events: trace events read beyond the load''s own two per RST (other programs'' resets on the shared host, each parsed at least as far as its ports). The no-load row is the same watch with nothing drawn.'
    "Lost: the sum of the instance's per_cpu/cpuN/stats overrun and dropped events, and trace_pipe's LOST notes, as Watch-TcpReset reports them in its warning. Missing: drawn minus Sent reported."
    "CPU: the watch process's utime + stime (every thread, the PowerShell host's included) per $Seconds s window of the load, as a share of one core; the load starts 2 s after the watch's instance appears (module load and start-up are not counted). The JIT column is the runtime's background thread that recompiles hot methods at full optimisation (.NET tiered compilation): in a process's first tens of seconds of events it is most of the cost (measured by thread: PowerShell's pipeline and collections, then the module's own parsing), and it ends; the last window is what a watch costs while it runs. The watch reads every reset event of the host, other programs' included."
)
Write-BenchResult -Name 'Watch-TcpReset' -Title 'Watch-TcpReset: throughput, CPU, and what -Trace adds' -Machine $machine -Sections @(
    @{ Heading = 'Summary'; Text = $summary }
    @{ Heading = 'Load runs'; Rows = @($high, $low, $quiet | Select-Object * -ExcludeProperty _*) }
    @{ Heading = '-Trace per scenario'; Rows = @($rows | Select-Object * -ExcludeProperty _*) }
    @{ Heading = 'How to read it'; Text = $notes }
) | Out-Null
