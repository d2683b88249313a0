#Requires -Version 7.4
<#
.SYNOPSIS
    The prober's full sweep against a C loop of non-blocking connect(2) + poll(2) (DESIGN.md section 8:
    at most 1.1x), side by side, with the prober's peak memory growth.
.DESCRIPTION
    Compiles bench/connect-sweep.c with gcc (into a temporary folder: no binary is kept), then runs
    -Rounds alternations. Each round runs, in an order that rotates from round to round:
      - the C loop on ports 1-65535 of 127.0.0.1, -ThrottleLimit in flight (its own clock, no process start);
      - the engine's Prober.RunAsync on the same ports in a fresh PowerShell (module loaded, 1,000 ports
        swept first to warm up, then the sweep timed in that process, results counted by a compiled sink);
      - the same for each -ModulePath build (e.g. a copy of bin/ from before a change).
    Each PowerShell also reports the sweep's peak memory growth (VmHWM after it minus VmRSS before it,
    the peak reset through /proc/self/clear_refs just before it). Ratios are taken within a round, so
    a busy moment of this shared machine hits both sides. Both sides also report the CPU time (user +
    system) of their process over the sweep: other work on the machine stretches wall time far more
    than CPU time, so the CPU ratio says what the code costs when the wall ratio is noise. Loopback
    only. Writes bench/results/prober-sweep.md.
.PARAMETER ModulePath
    Other builds to time alongside this one: folders holding SocketProbe.Engine.dll (a bin/ copy).
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 50)][int] $Rounds = 7,
    [ValidateRange(1, 4096)][int] $ThrottleLimit = 200,
    [string[]] $ModulePath = @(),
    [string] $OutFile = (Join-Path $PSScriptRoot 'results/prober-sweep.md')
)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench -NoImport   # the engine loads in fresh processes
if (-not $IsLinux) { throw 'The C baseline is Linux code (SOCK_NONBLOCK, poll(2)); run this bench on Linux.' }
$gcc = Get-Command gcc -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $gcc) { throw 'gcc not found: apt-get install -y gcc' }
$work = Join-Path ([IO.Path]::GetTempPath()) "prober-sweep-$PID"
New-Item -ItemType Directory -Path $work | Out-Null

# One sweep in a fresh PowerShell: prints "<ms> <open> <refused> <other> <cpu ms> <peak growth kB>"
# (cpu: user + system time of the whole process over the sweep, every thread: GC and JIT count too).
$child = @'
param($Engine, $Throttle)
$ErrorActionPreference = 'Stop'
$asm = [Reflection.Assembly]::LoadFrom($Engine)
$logging = [Reflection.Assembly]::LoadFrom((Join-Path (Split-Path $Engine) 'Microsoft.Extensions.Logging.Abstractions.dll'))
Add-Type -IgnoreWarnings -WarningAction SilentlyContinue -ReferencedAssemblies $asm.Location, $logging.Location, 'System.Net.Primitives', 'System.Collections', 'System.Threading.Thread' -TypeDefinition @"
using System.Diagnostics;
using SocketProbe.Engine.Probe;
public static class Sweep
{
    public static string Run(int first, int last, int throttle, bool settle)
    {
        var ports = new int[last - first + 1];
        for (int i = 0; i < ports.Length; i++) ports[i] = first + i;
        ProbeTarget.TryParse("127.0.0.1", out var target, out _);
        var request = new ProbeRequest { Tasks = new[] { new ProbeTask(target!, ports) }, ThrottleLimit = throttle };
        long open = 0, refused = 0, other = 0;
        System.GC.Collect();
        if (settle) Settle(); // here, after the PowerShell lines before this call: they too get recompiled
        long cpu = CpuTicks();
        long started = Stopwatch.GetTimestamp();
        Prober.RunAsync(request, r => { if (r.Outcome == "Open") open++; else if (r.Outcome == "Refused") refused++; else other++; },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, System.Threading.CancellationToken.None).GetAwaiter().GetResult();
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        cpu = CpuTicks() - cpu;
        return ms.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " " + open + " " + refused + " " + other + " " + cpu * 10;
    }

    // utime + stime of this process (fields 14 and 15 of /proc/self/stat), in clock ticks (USER_HZ 100: 10 ms).
    private static long CpuTicks() => Ticks("/proc/self/stat");

    private static long Ticks(string statFile)
    {
        string stat = System.IO.File.ReadAllText(statFile);
        string[] f = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
        return long.Parse(f[11]) + long.Parse(f[12]);
    }

    // Waits (at most 10 s) until the runtime's background JIT (the ".NET Tiered Com" thread) has had nothing to
    // do for 300 ms: PowerShell's own start-up code is still being recompiled for seconds after the
    // prompt, and that thread's CPU would otherwise be charged to the sweep.
    private static void Settle()
    {
        long started = Stopwatch.GetTimestamp(), last = -1;
        int quiet = 0;
        while (quiet < 3 && Stopwatch.GetElapsedTime(started).TotalSeconds < 10)
        {
            long ticks = 0;
            foreach (string task in System.IO.Directory.GetDirectories("/proc/self/task"))
            {
                try
                {
                    if (System.IO.File.ReadAllText(task + "/comm").StartsWith(".NET Tiered Com")) ticks += Ticks(task + "/stat");
                }
                catch (System.IO.IOException) { } // a thread that ended
            }
            quiet = ticks == last ? quiet + 1 : 0;
            last = ticks;
            System.Threading.Thread.Sleep(100);
        }
    }
}
"@
$null = [Sweep]::Run(1, 1000, $Throttle, $false)
function kb([string] $f) { [double]((Get-Content /proc/self/status | Where-Object { $_ -like "${f}:*" }) -replace '\D', '') }
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$before = kb VmRSS
[IO.File]::WriteAllText('/proc/self/clear_refs', '5')
$line = [Sweep]::Run(1, 65535, $Throttle, $true)
"$line $((kb VmHWM) - $before)"
'@

try {
    $c = Join-Path $work 'connect-sweep'
    & $gcc.Source -O2 -Wall -o $c (Join-Path $PSScriptRoot 'connect-sweep.c')
    if ($LASTEXITCODE) { throw "gcc failed ($LASTEXITCODE)" }
    $childFile = Join-Path $work 'sweep-child.ps1'
    Set-Content -Path $childFile -Value $child
    $pwsh, $pwshArgs = Get-PwshCommand
    $builds = [ordered]@{ 'this build' = Join-Path $RepoRoot 'bin/SocketProbe.Engine.dll' }
    foreach ($p in $ModulePath) { $builds["$p"] = Join-Path (Resolve-Path $p) 'SocketProbe.Engine.dll' }
    $sides = @('C') + @($builds.Keys)
    $runs = @{}
    foreach ($s in $sides) { $runs[$s] = [Collections.Generic.List[object]]::new() }
    for ($round = 0; $round -lt $Rounds; $round++) {
        $times = @{}
        # Rotate the order so no side always runs right after another.
        $order = @($sides[($round % $sides.Count)..($sides.Count - 1)]) + @(if ($round % $sides.Count) { $sides[0..(($round % $sides.Count) - 1)] })
        foreach ($side in $order) {
            if ($side -eq 'C') {
                $out = & $c 127.0.0.1 1 65535 $ThrottleLimit
                $f = "$out" -split ' '
                $run = [pscustomobject]@{ Ms = [double]$f[0]; Open = [int]$f[3]; Refused = [int]$f[5]; Other = [int]$f[7]; CpuMs = [double]$f[9] + [double]$f[11]; PeakKB = $null }
            }
            else {
                $out = & $pwsh @pwshArgs -NoProfile -NonInteractive -File $childFile -Engine $builds[$side] -Throttle $ThrottleLimit
                if ($LASTEXITCODE) { throw "the sweep of $side failed: $out" }
                $f = "$($out | Select-Object -Last 1)" -split ' '
                $run = [pscustomobject]@{ Ms = [double]$f[0]; Open = [int]$f[1]; Refused = [int]$f[2]; Other = [int]$f[3]; CpuMs = [double]$f[4]; PeakKB = [double]$f[5] }
            }
            $runs[$side].Add($run)
            $times[$side] = $run
            Write-Host ('round {0} {1}: {2:N1} ms, CPU {7:N0} ms (open {3}, refused {4}, other {5}){6}' -f ($round + 1), $side, $run.Ms, $run.Open, $run.Refused, $run.Other,
                $(if ($null -ne $run.PeakKB) { ', peak +{0:N1} MB' -f ($run.PeakKB / 1024) }), $run.CpuMs)
        }
        foreach ($b in $builds.Keys) {
            $runs["$b ratio"] += , ($times[$b].Ms / $times['C'].Ms)
            $runs["$b cpu ratio"] += , ($times[$b].CpuMs / [Math]::Max(1, $times['C'].CpuMs))
        }
    }
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}

$machine['Load average at end'] = Get-LoadAverage
$lines = @(
    '# Prober sweep vs a C loop of connect(2) + poll(2)'
    ''
    "Written by ``bench/ProberSweep.Bench.ps1`` (DESIGN.md section 8: the prober's full sweep <= 1.1 x the C loop in the same run). All 65,535 ports of 127.0.0.1, -ThrottleLimit $ThrottleLimit on both sides, $Rounds rounds, the sides' order rotating from round to round; ratios are taken within a round."
    ''
    '| machine | |'
    '|---|---|'
)
$lines += $machine.GetEnumerator() | ForEach-Object { "| $($_.Key) | $($_.Value) |" }
$lines += '', '| side | runs (ms) | median (ms) | ratio to C within the round: median (min-max) | CPU user+sys: median (ms) | CPU ratio to C within the round: median (min-max) | peak memory growth: median (MB) | outcomes (open / refused / other, last run) |', '|---|---|---:|---|---:|---|---:|---|'
foreach ($side in $sides) {
    $ms = [double[]]@($runs[$side].Ms)
    $stats = Get-Stats $ms
    $ratio, $cpuRatio = if ($side -eq 'C') { '1', '1' } else {
        foreach ($key in "$side ratio", "$side cpu ratio") { $r = Get-Stats ([double[]]$runs[$key]); '{0:N2} ({1:N2}-{2:N2})' -f $r.Median, $r.Min, $r.Max }
    }
    $cpu = Format-Ms (Get-Stats ([double[]]@($runs[$side].CpuMs))).Median
    $peak = if ($side -eq 'C') { 'n/a' } else { '+{0:N1}' -f ((Get-Stats ([double[]]@($runs[$side].PeakKB))).Median / 1024) }
    $last = $runs[$side][-1]
    $name = if ($side -eq 'C') { 'C: connect-sweep.c (gcc -O2), its own clock' } else { "Prober.RunAsync, $side, timed in its process" }
    $lines += "| $name | $(($ms | ForEach-Object { '{0:N0}' -f $_ }) -join ' / ') | $(Format-Ms $stats.Median) | $ratio | $cpu | $cpuRatio | $peak | $($last.Open) / $($last.Refused) / $($last.Other) |"
}
$lines += ''
$lines += 'The prober is timed inside a fresh PowerShell after a 1,000-port warm-up sweep (module load and JIT not counted: the sweep starts once the runtime''s background JIT thread has been idle for 300 ms, PowerShell''s own start-up code being recompiled for seconds after the prompt); its results go to a compiled counting sink, so the figure is the engine''s, not PowerShell''s output. CPU: user + system time over the sweep, the C loop''s from getrusage, the prober''s from /proc/self/stat (its whole process: GC and JIT threads count; 10 ms ticks). Peak memory growth: VmHWM after the sweep minus VmRSS before it (peak reset through /proc/self/clear_refs).'
New-Item -ItemType Directory -Force -Path (Split-Path $OutFile) | Out-Null
$lines | Set-Content -Path $OutFile -Encoding utf8
Write-Host "Wrote $OutFile"
