#Requires -Version 7.4
<#
.SYNOPSIS
    Loopback port sweep: Test-TcpEndpoint -ThrottleLimit 200 vs nmap -sT vs Test-Connection -TcpPort.
.DESCRIPTION
    Starts its own 1,000 listeners on 127.0.0.1 (open ports) and takes 1,000 ports below the
    ephemeral range that nothing listens on (closed ports: no bind(0) lands there, so they stay
    closed during the run). Then, in one run and one process, times each tool on
      A) the 1,000 closed ports, and
      B) all 2,000 ports,
    checks that the tools agree on every port (and with what the bench set up), and writes a
    markdown table to bench/results/probe-sweep.md. Loopback only: nothing else is touched.
.PARAMETER Repeat
    Runs per tool and sweep; every run is reported, and the median.
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 20)] [int] $Repeat = 3,
    [string] $OutFile = (Join-Path $PSScriptRoot 'results/probe-sweep.md')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = Split-Path -Parent $PSScriptRoot
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
Import-Module (Join-Path $root 'SocketProbe.psd1') -Force

$nmap = Get-Nmap

function Invoke-Timed([scriptblock] $work) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $out = & $work
    $clock.Stop()
    [pscustomobject]@{ Ms = $clock.Elapsed.TotalMilliseconds; States = $out }
}

function Invoke-TestConnectionSweep([int[]] $ports) {
    Invoke-Timed {
        $states = @{}
        foreach ($port in $ports) {
            $states[$port] = if (Test-Connection -TargetName 127.0.0.1 -TcpPort $port -TimeoutSeconds 5) { 'open' } else { 'closed' }
        }
        $states
    }
}

function Compare-State($expected, $states, [string] $tool) {
    $wrong = @($expected.Keys | Where-Object { $states[$_] -ne $expected[$_] })
    if ($wrong.Count) {
        $sample = ($wrong | Select-Object -First 5 | ForEach-Object { "$_ expected $($expected[$_]) got $($states[$_])" }) -join '; '
        Write-Warning "$tool disagrees on $($wrong.Count) ports: $sample"
    }
    $wrong.Count
}

function Get-Median([double[]] $values) {
    $s = @($values | Sort-Object)
    if ($s.Count % 2) { $s[[math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 }
}

$loadBefore = (Get-Content /proc/loadavg -ErrorAction Ignore) -replace '^(\S+ \S+ \S+).*', '$1'

# --- set up: 1,000 open ports (our listeners), 1,000 closed ports -------------------------------
$listeners = [Collections.Generic.List[Net.Sockets.Socket]]::new()
try {
    for ($i = 0; $i -lt 1000; $i++) {
        $l = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $l.Bind([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
        $l.Listen(64)
        $listeners.Add($l)
    }
    $openPorts = @($listeners | ForEach-Object { $_.LocalEndPoint.Port } | Sort-Object)
    $closedPorts = Get-ClosedLoopbackPort -Count 1000

    $sweeps = [ordered]@{
        'A: 1,000 closed' = $closedPorts
        'B: 1,000 closed + 1,000 open' = @($closedPorts + $openPorts | Sort-Object)
    }
    $rows = [Collections.Generic.List[object]]::new()
    $disagreements = 0
    foreach ($name in $sweeps.Keys) {
        $ports = [int[]]$sweeps[$name]
        $expected = @{}
        foreach ($p in $ports) { $expected[$p] = if ($openPorts -contains $p) { 'open' } else { 'closed' } }
        $runs = @{ SocketProbe = @(); nmap = @(); nmapSelf = @(); TestConnection = @() }
        for ($rep = 1; $rep -le $Repeat; $rep++) {
            $sp = Invoke-ProbeSweep -Ports $ports
            $disagreements += Compare-State $expected $sp.States 'Test-TcpEndpoint'
            $runs.SocketProbe += $sp.Ms
            if ($nmap) {
                $nm = Invoke-NmapSweep -Nmap $nmap -PortSpec ($ports -join ',')
                $disagreements += Compare-State $expected $nm.States 'nmap'
                $runs.nmap += $nm.Ms
                $runs.nmapSelf += $nm.SelfMs
            }
            $tc = Invoke-TestConnectionSweep $ports
            $disagreements += Compare-State $expected $tc.States 'Test-Connection'
            $runs.TestConnection += $tc.Ms
            Write-Host ("{0} run {1}: Test-TcpEndpoint {2:N0} ms, nmap {3} ms, Test-Connection {4:N0} ms" -f $name, $rep, $sp.Ms,
                $(if ($nmap) { '{0:N0} (self-reported {1:N0})' -f $nm.Ms, $nm.SelfMs } else { 'n/a' }), $tc.Ms)
        }
        $fmt = { param($v) ($v | ForEach-Object { '{0:N0}' -f $_ }) -join ' / ' }
        $rows.Add([pscustomobject]@{ Sweep = $name; Tool = 'Test-TcpEndpoint -ThrottleLimit 200'; Runs = & $fmt $runs.SocketProbe; Median = Get-Median $runs.SocketProbe })
        if ($nmap) {
            $rows.Add([pscustomobject]@{ Sweep = $name; Tool = 'nmap -sT -n -Pn (wall, incl. process start)'; Runs = & $fmt $runs.nmap; Median = Get-Median $runs.nmap })
            $rows.Add([pscustomobject]@{ Sweep = $name; Tool = 'nmap -sT -n -Pn (its own "scanned in")'; Runs = & $fmt $runs.nmapSelf; Median = Get-Median $runs.nmapSelf })
        }
        $rows.Add([pscustomobject]@{ Sweep = $name; Tool = 'Test-Connection -TcpPort (one port per call)'; Runs = & $fmt $runs.TestConnection; Median = Get-Median $runs.TestConnection })
    }
}
finally {
    $listeners | ForEach-Object { $_.Dispose() }
}

# --- report -----------------------------------------------------------------------------------
$cpu = (Get-Content /proc/cpuinfo -ErrorAction Ignore | Select-String '^model name' | Select-Object -First 1) -replace '^model name\s*:\s*', ''
$kernel = if ($IsLinux) { (uname -r) } else { [Environment]::OSVersion.VersionString }
$module = (Get-Module SocketProbe).Version
$nmapVersion = if ($nmap) { ((& $nmap.Source --version) | Select-Object -First 1) } else { 'not installed' }
$lines = @(
    '# Probe sweep: Test-TcpEndpoint vs nmap -sT vs Test-Connection -TcpPort'
    ''
    "Measured $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC by bench/ProbeSweep.Bench.ps1, all tools in one run, one after another, $Repeat runs each."
    'Loopback only (127.0.0.1): 1,000 open ports are the bench''s own listeners; 1,000 closed ports lie below the ephemeral range and nothing listens there.'
    ''
    '| | |'
    '|---|---|'
    "| Kernel | $kernel |"
    "| CPU | $cpu, $([Environment]::ProcessorCount) cores |"
    "| PowerShell / .NET | $($PSVersionTable.PSVersion) / $([Environment]::Version) |"
    "| SocketProbe | $module |"
    "| nmap | $nmapVersion |"
    "| Load average (1/5/15 min) at start | $(if ($loadBefore) { $loadBefore } else { 'n/a' }) (a shared machine: other jobs ran meanwhile) |"
    ''
    '| Sweep | Tool | Runs (ms) | Median (ms) |'
    '|---|---|---:|---:|'
)
$lines += $rows | ForEach-Object { "| $($_.Sweep) | $($_.Tool) | $($_.Runs) | $('{0:N0}' -f $_.Median) |" }
$lines += ''
$lines += if ($disagreements -eq 0) {
    'Every tool agreed with the set-up on every port in every run (open = Open / open / True, closed = Refused / closed / False).'
} else {
    "**$disagreements port results disagreed** with the set-up (see the bench output)."
}
$lines += ''
$lines += 'Test-TcpEndpoint is timed as the cmdlet call inside this PowerShell process, results written to the pipeline included; its first run also pays for loading and compiling the module''s code (the median is over all runs). nmap is timed as a child process (wall) and by its own report. Test-Connection takes one port per call, so it runs one call per port, sequentially.'
New-Item -ItemType Directory -Force -Path (Split-Path $OutFile) | Out-Null
$lines | Set-Content -Path $OutFile -Encoding utf8
Write-Host "Wrote $OutFile"
if ($disagreements) { exit 1 }
