#Requires -Version 7.4
<#
.SYNOPSIS
    Issue 18's table in one run: the lab, peer processes, the matrix, the prober vs nmap, the prober's memory.
.DESCRIPTION
    Every row of DESIGN.md section 8 / issue 18, side by side in one run on one machine, with the load
    average at the start and the end (the table says how busy the machine was):
      - lab scenario with no kernel timer (ConnectNoRoute), PeerReboot, ConnectHostUnreachable and the
        peer-process scenario PeerExit: warm median of -Iterations interleaved runs (whole
        Invoke-SocketScenario call), after one warm-up round;
      - Get-SocketErrorMatrix wall / the longest single kernel wait in it (the slowest call's
        ElapsedMs among the matrix's own rows), median over -MatrixRuns matrices, and where the
        rest of the wall time goes (the last run to end: when it started, its own wait, what came after);
      - 1,000 closed loopback ports: Test-TcpEndpoint / nmap -sT, median of 5 alternations;
      - all 65,535 ports on 127.0.0.1: Test-TcpEndpoint / nmap -sT -p-, median of -SweepRuns alternations;
      - peak memory growth of Test-TcpEndpoint (VmHWM after the sweep minus VmRSS before it, in a fresh
        PowerShell per measurement, peak reset through /proc/self/clear_refs): 65,535 ports once, and
        the same 30,000 attempts as 30k x 1, 10k x 3 rounds and 10k x 3 targets (127.0.0.1-3).
    nmap comes from the distribution (apt-get install -y nmap); without it the nmap ratios say so.
    Loopback and lab-namespace traffic only. Writes bench/results/performance.md.
#>
[CmdletBinding()]
param(
    [ValidateRange(3, 100)][int] $Iterations = 9,
    [ValidateRange(1, 20)][int] $MatrixRuns = 3,
    [ValidateRange(1, 20)][int] $SweepRuns = 3,
    # Memory: fresh PowerShells per shape, interleaved by round; the median growth counts (one run's
    # peak moves by several MB with where the GC happened to collect).
    [ValidateRange(1, 20)][int] $MemoryRuns = 3,
    # Skip the peak-memory rows (one fresh PowerShell each).
    [switch] $NoMemory
)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench
$nmap = Get-Nmap
$labReason = [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()
$results = [Collections.Generic.List[object]]::new()
function Add-Row([string] $What, [string] $Now, [string] $Target, $Met) {
    $verdict = if ($Met -is [bool]) { if ($Met) { 'yes' } else { '**no**' } } else { "$Met" }
    $results.Add([pscustomobject]@{ 'what' = $What; 'now' = $Now; 'target' = $Target; 'met?' = $verdict })
}

# --- lab and peer-process scenarios: whole runs, interleaved --------------------------------------
$scenarioTargets = [ordered]@{ ConnectNoRoute = 50; PeerReboot = 60; ConnectHostUnreachable = 60; PeerExit = 30 }
# The peer the module picks (native when ./build.ps1 -Task NativePeer built one), and the managed
# peer under the muxer in the same rounds, for comparison.
$nativePeer = [SocketProbe.Engine.Lab.DotNetHost]::UsableNativePeer()
$peerKind = if ($nativePeer) { 'NativeAOT peer' } else { 'managed peer (no native peer in bin/: ./build.ps1 -Task NativePeer)' }
$labels = @($scenarioTargets.Keys) + @(if ($nativePeer) { 'PeerExit (managed peer)' })
function Invoke-Labelled([string] $Label) {
    if ($Label -notlike '* (managed peer)') { return Invoke-TimedScenario -Name $Label }
    $env:SOCKETPROBE_PEER_HOST = 'dotnet'
    try { Invoke-TimedScenario -Name ($Label -replace ' \(managed peer\)$') } finally { Remove-Item Env:SOCKETPROBE_PEER_HOST }
}
$series = @{}; $peerStarts = @{}
foreach ($name in $labels) { $series[$name] = [Collections.Generic.List[double]]::new(); $peerStarts[$name] = [Collections.Generic.List[double]]::new() }
foreach ($name in $labels) { $null = Invoke-Labelled $name }   # warm-up round
for ($i = 1; $i -le $Iterations; $i++) {
    foreach ($name in $labels) {
        $r = Invoke-Labelled $name
        $series[$name].Add($r.WallMs)
        foreach ($p in $r.PeerStartMs) { $peerStarts[$name].Add($p) }
    }
}
$skippedNote = if ($labReason) { " (lab Skipped: $labReason)" } else { '' }
$scenarioRows = foreach ($name in $labels) {
    $st = Get-Stats $series[$name]; $ps = Get-Stats $peerStarts[$name]
    [pscustomobject]@{ 'scenario' = $name; 'median' = Format-Ms $st.Median; 'p95' = Format-Ms $st.P95; 'min' = Format-Ms $st.Min
        'peer start (median)' = if ($ps.N) { Format-Ms $ps.Median } else { '' }; 'target' = if ($scenarioTargets.Contains($name)) { "<= $($scenarioTargets[$name])" } else { '' }; _Median = $st.Median }
}
$m = @{}; foreach ($r in $scenarioRows) { $m[$r.scenario] = $r._Median }
Add-Row "lab scenario with no kernel timer (ConnectNoRoute), whole run$skippedNote" "$(Format-Ms $m.ConnectNoRoute) ms" '<= 50 ms' ($m.ConnectNoRoute -le 50)
Add-Row 'PeerReboot / ConnectHostUnreachable (no long timer)' "$(Format-Ms $m.PeerReboot) / $(Format-Ms $m.ConnectHostUnreachable) ms" '<= 60 ms' ([Math]::Max($m.PeerReboot, $m.ConnectHostUnreachable) -le 60)
Add-Row "peer-process scenario (PeerExit), $peerKind$(if ($nativePeer) { "; managed peer in the same rounds: $(Format-Ms $m['PeerExit (managed peer)']) ms" })" "$(Format-Ms $m.PeerExit) ms" '<= 30 ms' ($m.PeerExit -le 30)
Write-Host ("scenarios: " + (($scenarioRows | ForEach-Object { "$($_.scenario) $($_.median) ms" }) -join ', '))

# --- the matrix: wall / its longest kernel wait -------------------------------------------------
$null = Invoke-BenchMatrix   # warm-up
$matrices = for ($i = 1; $i -le $MatrixRuns; $i++) {
    $mx = Invoke-BenchMatrix
    Write-Host ("matrix ${i}: wall {0:N0} ms, longest call {1:N0} ms" -f $mx.WallMs, $mx.LongestCallMs)
    $mx
}
$ratios = @($matrices | ForEach-Object { $_.WallMs / $_.LongestCallMs })
$ratio = (Get-Stats $ratios).Median
$mWall = (Get-Stats ($matrices | ForEach-Object WallMs)).Median
$mLong = (Get-Stats ($matrices | ForEach-Object LongestCallMs)).Median
Add-Row "Get-SocketErrorMatrix wall / the longest single kernel wait in it (default timers, -ThrottleLimit $([SocketProbe.Engine.Matrix.MatrixRunner]::DefaultThrottleLimit))" ('{0} / {1} ms = {2:N2}' -f (Format-Ms $mWall), (Format-Ms $mLong), $ratio) '<= 1.15' ($ratio -le 1.15)
# Where the time goes, from the matrix's own per-run timings (median matrix by ratio).
$typical = $matrices | Sort-Object { $_.WallMs / $_.LongestCallMs } | Select-Object -Index ([Math]::Floor(($matrices.Count - 1) / 2))
$matrixRows = $typical.Scenarios | Sort-Object FinishedAtMs -Descending | ForEach-Object {
    [pscustomobject]@{ 'scenario' = $_.Name; 'started at' = Format-Ms $_.StartedAtMs; 'own wall' = Format-Ms $_.WallMs
        'longest call' = Format-Ms $_.LongestCallMs; 'rest of its run' = Format-Ms ($_.WallMs - $_.LongestCallMs); 'ended at' = Format-Ms $_.FinishedAtMs }
}
$last = $typical.Scenarios | Sort-Object FinishedAtMs -Descending | Select-Object -First 1
$matrixText = ("In the median matrix (wall $(Format-Ms $typical.WallMs) ms, longest call $(Format-Ms $typical.LongestCallMs) ms) the last run to end was $($last.Name): " +
    "it started at $(Format-Ms $last.StartedAtMs) ms (waiting for a slot and for the runs started before it), spent $(Format-Ms $last.LongestCallMs) ms in its slowest call and " +
    "$(Format-Ms ($last.WallMs - $last.LongestCallMs)) ms in the rest of its run (process starts, lab set-up, other steps), and the cmdlet returned $(Format-Ms ($typical.WallMs - $last.FinishedAtMs)) ms after it ended.")

# --- the prober vs nmap -------------------------------------------------------------------------
function Compare-Sweep($a, $b) { @($a.Keys | Where-Object { $b[$_] -ne $a[$_] }).Count }
$closed = Get-ClosedLoopbackPort -Count 1000
$null = Invoke-ProbeSweep -Ports $closed   # warm-up (JIT)
$sweeps = [ordered]@{ '1,000 closed loopback ports' = @{ Ports = $closed; Spec = ($closed -join ','); Runs = 5; Target = 0.6; Nmap = 'nmap -sT' }
    'all 65,535 ports on 127.0.0.1' = @{ Ports = [int[]](1..65535); Spec = '1-65535'; Runs = $SweepRuns; Target = 1.0; Nmap = 'nmap -sT -p-' } }
$sweepRows = [Collections.Generic.List[object]]::new()
foreach ($label in $sweeps.Keys) {
    $s = $sweeps[$label]
    $ours = [Collections.Generic.List[double]]::new(); $theirs = [Collections.Generic.List[double]]::new(); $self = [Collections.Generic.List[double]]::new()
    $wrong = 0; $closedSeen = 0
    for ($i = 1; $i -le $s.Runs; $i++) {
        $sp = Invoke-ProbeSweep -Ports $s.Ports
        $ours.Add($sp.Ms)
        $closedSeen = @($sp.States.Values | Where-Object { $_ -eq 'closed' }).Count
        if ($nmap) {
            $nm = Invoke-NmapSweep -Nmap $nmap -PortSpec $s.Spec
            $theirs.Add($nm.Ms); $self.Add($nm.SelfMs)
            $wrong += Compare-Sweep $nm.States $sp.States
        }
        Write-Host ("{0} run {1}: Test-TcpEndpoint {2:N0} ms, nmap {3}" -f $label, $i, $sp.Ms, $(if ($nmap) { '{0:N0} ms' -f $nm.Ms } else { 'n/a' }))
    }
    $o = (Get-Stats $ours).Median
    $sweepRows.Add([pscustomobject]@{ 'sweep' = $label; 'tool' = 'Test-TcpEndpoint -ThrottleLimit 200'; 'runs' = ($ours | ForEach-Object { Format-Ms $_ }) -join ' / '; 'median' = Format-Ms $o })
    if ($nmap) {
        $n = (Get-Stats $theirs).Median
        $sweepRows.Add([pscustomobject]@{ 'sweep' = $label; 'tool' = 'nmap -sT -n -Pn (wall)'; 'runs' = ($theirs | ForEach-Object { Format-Ms $_ }) -join ' / '; 'median' = Format-Ms $n })
        $sweepRows.Add([pscustomobject]@{ 'sweep' = $label; 'tool' = 'nmap (its own "scanned in")'; 'runs' = ($self | ForEach-Object { Format-Ms $_ }) -join ' / '; 'median' = Format-Ms (Get-Stats $self).Median })
        $r = (Get-Stats @(for ($k = 0; $k -lt $ours.Count; $k++) { $ours[$k] / $theirs[$k] })).Median
        $agree = if ($wrong) { "; the tools disagreed on $wrong port results over $($s.Runs) runs (listeners of other processes come and go)" } else { '; both tools agreed on every port' }
        Add-Row "$label, Test-TcpEndpoint / $($s.Nmap) (median of $($s.Runs) alternations; $closedSeen closed$agree)" ('{0} / {1} ms = {2:N2}' -f (Format-Ms $o), (Format-Ms $n), $r) "<= $($s.Target)" ($r -le $s.Target)
    }
    else {
        Add-Row "$label, Test-TcpEndpoint / $($s.Nmap)" "$(Format-Ms $o) ms; no ratio: nmap is not installed (apt-get install -y nmap)" "<= $($s.Target)" 'n/a'
    }
}

# --- peak memory growth of the prober -----------------------------------------------------------
$memoryRows = [Collections.Generic.List[object]]::new()
if (-not $NoMemory -and (Test-Path /proc/self/clear_refs)) {
    $pwsh, $pwshArgs = Get-PwshCommand
    $shapes = [ordered]@{
        '10,000 ports x 1 round x 1 target' = @('1..10000', "-ComputerName 127.0.0.1")
        '65,535 ports x 1 round x 1 target' = @('1..65535', "-ComputerName 127.0.0.1")
        '30,000 ports x 1 round x 1 target' = @('1..30000', "-ComputerName 127.0.0.1")
        '10,000 ports x 3 rounds x 1 target' = @('1..10000', "-ComputerName 127.0.0.1 -Count 3 -IntervalMs 0")
        '10,000 ports x 1 round x 3 targets' = @('1..10000', "-ComputerName 127.0.0.1, 127.0.0.2, 127.0.0.3")
    }
    $samples = @{}
    foreach ($shape in $shapes.Keys) { $samples[$shape] = [Collections.Generic.List[object]]::new() }
    for ($round = 1; $round -le $MemoryRuns; $round++) {
    foreach ($shape in $shapes.Keys) {
        # A fresh PowerShell: the module loaded and warmed on 100 ports, the caller's port list made
        # (it is the caller's memory, 65,535 boxed ints: ~3 MB), then the peak reset (clear_refs 5)
        # just before the sweep; results stream through Measure-Object (not held).
        $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$($Manifest.Replace("'", "''"))'; " +
        "`$null = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port (1..100) -ThrottleLimit 200; [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect(); " +
        "function kb([string] `$f) { [double]((Get-Content /proc/self/status | Where-Object { `$_ -like `"`${f}:*`" }) -replace '\D', '') }; " +
        "`$ports = [int[]]($($shapes[$shape][0])); [GC]::Collect(); `$before = kb VmRSS; [IO.File]::WriteAllText('/proc/self/clear_refs', '5'); " +
        "`$n = (Test-TcpEndpoint $($shapes[$shape][1]) -Port `$ports -ThrottleLimit 200 | Measure-Object).Count; " +
        "@{ BeforeKB = `$before; PeakKB = (kb VmHWM); Results = `$n } | ConvertTo-Json -Compress"
        $out = & $pwsh @pwshArgs -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE -ne 0) { throw "memory run '$shape' failed ($LASTEXITCODE): $out" }
        $r = ($out | Select-Object -Last 1) | ConvertFrom-Json
        $samples[$shape].Add($r)
        Write-Host ("memory {0}, round {1}: +{2:N1} MB ({3} results)" -f $shape, $round, (($r.PeakKB - $r.BeforeKB) / 1024), $r.Results)
    }
    }
    $growth = @{}
    foreach ($shape in $shapes.Keys) {
        $runs = $samples[$shape]
        $growth[$shape] = (Get-Stats @($runs | ForEach-Object { ($_.PeakKB - $_.BeforeKB) / 1024 })).Median
        $memoryRows.Add([pscustomobject]@{ 'shape' = $shape; 'results' = $runs[0].Results
                'RSS before (MB, median)' = '{0:N1}' -f ((Get-Stats @($runs | ForEach-Object BeforeKB)).Median / 1024)
                'growth (MB, median)' = '{0:N1}' -f $growth[$shape]
                'growth, every run (MB)' = ($runs | ForEach-Object { '{0:N1}' -f (($_.PeakKB - $_.BeforeKB) / 1024) }) -join ' / ' })
    }
    $g = $growth['65,535 ports x 1 round x 1 target']
    # Flat: more ports, rounds or targets cost no more memory than 10,000 ports once (within 4 MB or 25 %).
    $base = $growth['10,000 ports x 1 round x 1 target']
    $more = @('30,000 ports x 1 round x 1 target', '65,535 ports x 1 round x 1 target', '10,000 ports x 3 rounds x 1 target', '10,000 ports x 1 round x 3 targets' | ForEach-Object { $growth[$_] })
    $worst = ($more | Measure-Object -Maximum).Maximum
    $flat = ($worst - $base) -le [Math]::Max(4, 0.25 * $base)
    Add-Row "peak memory growth for 65,535 ports (one round; median of $MemoryRuns fresh processes)" ('+{0:N1} MB' -f $g) '<= +24 MB' ($g -le 24)
    Add-Row 'flat in ports x rounds x targets: 10k x 1 vs 30k x 1 / 65k x 1 / 10k x 3 rounds / 10k x 3 targets' (('+{0:N1} vs ' -f $base) + (($more | ForEach-Object { '+{0:N1}' -f $_ }) -join ' / ') + ' MB') 'worst - 10k <= max(4 MB, 25 %)' $flat
}
else {
    Add-Row 'peak memory growth for 65,535 ports (one round)' 'not measured (-NoMemory, or no /proc/self/clear_refs)' '<= +24 MB' 'n/a'
}

Write-BenchResult -Name Performance -Title 'Performance: issue 18 / DESIGN.md section 8, side by side in one run' -Machine $machine -Sections @(
    @{ Heading = 'The table'; Rows = $results; Text = "Medians. Scenario rows: $Iterations interleaved warm runs of Invoke-SocketScenario after a warm-up round. Matrix: $MatrixRuns runs after a warm-up. Ratios are taken within one alternation (ours, then nmap) so a busy moment hits both." }
    @{ Heading = 'Scenarios (whole Invoke-SocketScenario call)'; Rows = @($scenarioRows | Select-Object * -ExcludeProperty _*) }
    @{ Heading = 'Where the matrix''s time goes (the median matrix, runs by end time)'; Text = $matrixText; Rows = @($matrixRows) }
    @{ Heading = 'Prober vs nmap'; Rows = @($sweepRows); Text = "nmap: $(if ($nmap) { (& $nmap.Source --version | Select-Object -First 1) } else { 'not installed' }). The 65,535-port sweep includes whatever else listens on this machine's loopback." }
    @{ Heading = 'Prober peak memory (VmHWM - VmRSS before, fresh PowerShell each)'; Rows = @($memoryRows) }
) | Out-Null
