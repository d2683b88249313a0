#Requires -Version 7.4
<#
.SYNOPSIS
    The full matrix: wall time vs its slowest scenario and vs the sum of all scenarios.
.DESCRIPTION
    Side by side in one run: every scenario alone (Invoke-SocketScenario, one after another) and the
    whole catalogue at once. The matrix is Get-SocketErrorMatrix when this build has it; otherwise
    (or with -Engine) every scenario is started concurrently through the engine's own path
    (ScenarioRunner.RunAsync, bench/EngineMatrix.cs), which also gives each scenario's own wall time
    inside the matrix. Rounds are interleaved (every scenario alone, then the matrix) after one
    warm-up round. Target (DESIGN.md section 8): matrix wall <= 1.5 x its slowest single scenario.
    Writes bench/results/Matrix.md.
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 1000)][int] $Iterations = 5,
    # Concurrent scenarios at most (engine path); default: all at once.
    [ValidateRange(1, 1000)][int] $ThrottleLimit = 64,
    # Use the engine path even when Get-SocketErrorMatrix exists.
    [switch] $Engine
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
$machine = Get-BenchMachine
Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
$catalog = @([SocketProbe.Engine.ScenarioCatalog]::All)

$useCmdlet = Initialize-BenchMatrix -Engine:$Engine
$how = if ($useCmdlet) { 'Get-SocketErrorMatrix (all scenarios, its own -ThrottleLimit default)' }
else { "every scenario started at once through ScenarioRunner.RunAsync (bench/EngineMatrix.cs), at most $ThrottleLimit at a time; Get-SocketErrorMatrix is not in this build" }
function Invoke-Matrix { Invoke-BenchMatrix -ThrottleLimit $ThrottleLimit }

# Warm-up round (JIT, first peer and lab start), then interleaved rounds; the first matrix is kept as "cold".
$peerSeen = @{}
foreach ($s in $catalog) { $peerSeen[$s.Name] = @((Invoke-TimedScenario -Name $s.Name).PeerStartMs).Count -gt 0 }
$coldMatrix = Invoke-Matrix
$alone = @{}; foreach ($s in $catalog) { $alone[$s.Name] = [Collections.Generic.List[double]]::new() }
$inside = @{}; foreach ($s in $catalog) { $inside[$s.Name] = [Collections.Generic.List[double]]::new() }
$matrix = [Collections.Generic.List[double]]::new()
$slowestPerRound = [Collections.Generic.List[double]]::new()
$sumPerRound = [Collections.Generic.List[double]]::new()
for ($i = 1; $i -le $Iterations; $i++) {
    $round = foreach ($s in $catalog) {
        $w = (Invoke-TimedScenario -Name $s.Name).WallMs
        $alone[$s.Name].Add($w)
        $w
    }
    $slowestPerRound.Add(($round | Measure-Object -Maximum).Maximum)
    $sumPerRound.Add(($round | Measure-Object -Sum).Sum)
    $m = Invoke-Matrix
    $matrix.Add($m.WallMs)
    foreach ($t in $m.Scenarios) { $inside[$t.Name].Add($t.WallMs) }
    Write-Host ("round {0}: matrix {1:N0} ms, slowest alone {2:N0} ms, sum {3:N0} ms" -f $i, $m.WallMs, $slowestPerRound[-1], $sumPerRound[-1])
}

# Diagnosis (engine path only): the same matrix once the thread pool may start a thread per scenario
# at once. The engine blocks pool threads in places (spawning, select waits); with 2 cores the pool
# starts with 2 threads and adds about one per half second when starved: scenarios wait for a thread.
# Process-wide and sticky, so it runs after every other measurement.
$pooled = @{}; $pooledMatrix = [Collections.Generic.List[double]]::new()
$poolMin = 0
if (-not $useCmdlet) {
    $workers = 0; $io = 0
    [Threading.ThreadPool]::GetMinThreads([ref]$workers, [ref]$io)
    $poolMin = [Math]::Max($workers, 2 * $catalog.Count)
    $null = [Threading.ThreadPool]::SetMinThreads($poolMin, [Math]::Max($io, $poolMin))
    foreach ($s in $catalog) { $pooled[$s.Name] = [Collections.Generic.List[double]]::new() }
    for ($i = 1; $i -le $Iterations; $i++) {
        $m = Invoke-Matrix
        $pooledMatrix.Add($m.WallMs)
        foreach ($t in $m.Scenarios) { $pooled[$t.Name].Add($t.WallMs) }
    }
    $null = [Threading.ThreadPool]::SetMinThreads($workers, $io)
}

$mx = Get-Stats $matrix
$slowAlone = $catalog | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Median = (Get-Stats $alone[$_.Name]).Median } } |
    Sort-Object Median -Descending | Select-Object -First 1
$sum = Get-Stats $sumPerRound
$ratioSlowest = $mx.Median / $slowAlone.Median
$ratioSum = $mx.Median / $sum.Median

$summaryRows = @(
    [pscustomobject]@{ 'measure' = 'matrix wall'; 'median' = Format-Ms $mx.Median; 'p95' = Format-Ms $mx.P95; 'ratio' = ''; 'target' = '' }
    [pscustomobject]@{ 'measure' = "slowest scenario alone ($($slowAlone.Name))"; 'median' = Format-Ms $slowAlone.Median; 'p95' = ''
        'ratio' = ('matrix / slowest = **{0:N2}**' -f $ratioSlowest); 'target' = ('<= 1.5: {0}' -f $(if ($ratioSlowest -le 1.5) { 'met' } else { 'missed' })) }
    [pscustomobject]@{ 'measure' = 'sum of all scenarios alone'; 'median' = Format-Ms $sum.Median; 'p95' = Format-Ms $sum.P95
        'ratio' = ('matrix / sum = **{0:N2}**' -f $ratioSum); 'target' = '' }
    [pscustomobject]@{ 'measure' = 'first matrix in this process (after the warm-up round)'; 'median' = Format-Ms $coldMatrix.WallMs; 'p95' = ''; 'ratio' = ''; 'target' = '' }
    if ($pooledMatrix.Count) {
        $pm = Get-Stats $pooledMatrix
        [pscustomobject]@{ 'measure' = "diagnosis: matrix wall with thread-pool minimum $poolMin"; 'median' = Format-Ms $pm.Median; 'p95' = Format-Ms $pm.P95
            'ratio' = ('matrix / slowest = {0:N2}' -f ($pm.Median / $slowAlone.Median)); 'target' = '' }
    }
)
$perScenario = foreach ($s in $catalog) {
    $a = Get-Stats $alone[$s.Name]
    $in = Get-Stats $inside[$s.Name]
    [pscustomobject]@{
        'scenario' = $s.Name; 'kind' = Get-ScenarioKind $s -PeerSeen $peerSeen[$s.Name]; 'alone median' = Format-Ms $a.Median
        'in the matrix median' = if ($in.N) { Format-Ms $in.Median } else { 'n/a' }
        'slow-down' = if ($in.N -and $a.Median -gt 0) { '{0:N2}x' -f ($in.Median / $a.Median) } else { '' }
        'in the matrix, pool minimum raised' = if ($pooled.ContainsKey($s.Name)) { Format-Ms (Get-Stats $pooled[$s.Name]).Median } else { 'n/a' }
    }
}
Write-BenchResult -Name Matrix -Title 'Full matrix: concurrency vs the slowest scenario' -Machine $machine -Sections @(
    @{ Heading = 'Summary'; Text = @(
            ("Matrix wall median **$(Format-Ms $mx.Median) ms** = **$('{0:N2}' -f $ratioSlowest) x** the slowest scenario alone ($($slowAlone.Name), $(Format-Ms $slowAlone.Median) ms) " +
                "and **$('{0:N2}' -f $ratioSum) x** the sum of all $($catalog.Count) scenarios run one after another ($(Format-Ms $sum.Median) ms).")
            "Matrix: $how. $Iterations interleaved rounds after a warm-up round.") }
    @{ Heading = 'Matrix vs its parts'; Rows = $summaryRows }
    @{ Heading = 'Each scenario alone and inside the matrix'; Rows = $perScenario; Text = @(
            ("Inside the matrix every scenario shares the $([Environment]::ProcessorCount) cores with the others: process starts (peer, lab) contend for CPU, kernel timers do not. " +
                'In-process scenarios that take milliseconds alone can wait seconds inside the matrix for a thread-pool thread: the engine blocks pool threads ' +
                '(the spawner hand-off, select-based waits) and the pool grows by about one thread per half second when starved. ' +
                'The last column is the same matrix with ThreadPool.SetMinThreads raised to twice the scenario count (engine path only), which tells that wait apart from CPU contention.')) }
) | Out-Null
