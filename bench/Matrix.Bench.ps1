#Requires -Version 7.4
<#
.SYNOPSIS
    The full matrix: wall time vs its slowest scenario and vs the sum of all scenarios.
.DESCRIPTION
    Side by side in one run: every scenario alone (Invoke-SocketScenario, one after another) and the
    whole catalogue at once with Get-SocketErrorMatrix (its default -ThrottleLimit, and every
    scenario at once). Rounds are interleaved (every scenario alone, then the matrix) after one
    warm-up round. A last set of matrix runs has the thread pool's minimum raised, which tells time
    spent waiting for a pool thread apart from CPU contention. Target (DESIGN.md section 8): matrix
    wall <= 1.5 x its slowest single scenario. Writes bench/results/matrix.md.
#>
[CmdletBinding()]
param([ValidateRange(1, 1000)][int] $Iterations = 5)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench
$catalog = @([SocketProbe.Engine.ScenarioCatalog]::All)
$all = [Math]::Min(64, $catalog.Count)

$default = [SocketProbe.Engine.Matrix.MatrixRunner]::DefaultThrottleLimit

# Variants of the matrix measured in every round: what a user gets, and (cmdlet) everything at once.
$variants = [ordered]@{ 'default' = $default }
if ($all -ne $default) { $variants["ThrottleLimit $all"] = $all }

function New-Series { $h = @{}; foreach ($s in $catalog) { $h[$s.Name] = [Collections.Generic.List[double]]::new() }; $h }
$peerSeen = @{}
foreach ($s in $catalog) { $peerSeen[$s.Name] = @((Invoke-TimedScenario -Name $s.Name).PeerStartMs).Count -gt 0 }
$coldMatrix = Invoke-BenchMatrix -ThrottleLimit $default
$alone = New-Series
$wall = @{}; $inside = @{}
foreach ($v in $variants.Keys) { $wall[$v] = [Collections.Generic.List[double]]::new(); $inside[$v] = New-Series }
$sumPerRound = [Collections.Generic.List[double]]::new()
for ($i = 1; $i -le $Iterations; $i++) {
    $round = foreach ($s in $catalog) {
        $w = (Invoke-TimedScenario -Name $s.Name).WallMs
        $alone[$s.Name].Add($w)
        $w
    }
    $sumPerRound.Add(($round | Measure-Object -Sum).Sum)
    $line = "round ${i}: sum alone {0:N0} ms" -f $sumPerRound[-1]
    foreach ($v in $variants.Keys) {
        $m = Invoke-BenchMatrix -ThrottleLimit $variants[$v]
        $wall[$v].Add($m.WallMs)
        foreach ($t in $m.Scenarios) { $inside[$v][$t.Name].Add($t.WallMs) }
        $line += "; matrix ($v) {0:N0} ms" -f $m.WallMs
    }
    Write-Host $line
}

# Diagnosis: the default matrix once the thread pool may start a thread per scenario at once (with 2
# cores it starts with 2 and adds about one per half second while starved). Process-wide and
# sticky, so it runs after every other measurement.
$workers = 0; $io = 0
[Threading.ThreadPool]::GetMinThreads([ref]$workers, [ref]$io)
$poolMin = [Math]::Max($workers, 2 * $catalog.Count)
$null = [Threading.ThreadPool]::SetMinThreads($poolMin, [Math]::Max($io, $poolMin))
$pooledWall = [Collections.Generic.List[double]]::new(); $pooled = New-Series
for ($i = 1; $i -le $Iterations; $i++) {
    $m = Invoke-BenchMatrix -ThrottleLimit $default
    $pooledWall.Add($m.WallMs)
    foreach ($t in $m.Scenarios) { $pooled[$t.Name].Add($t.WallMs) }
}
$null = [Threading.ThreadPool]::SetMinThreads($workers, $io)

$slowAlone = $catalog | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Median = (Get-Stats $alone[$_.Name]).Median } } |
    Sort-Object Median -Descending | Select-Object -First 1
$sum = Get-Stats $sumPerRound
$mx = Get-Stats $wall['default']
$ratioSlowest = $mx.Median / $slowAlone.Median
$ratioSum = $mx.Median / $sum.Median
function Get-Verdict([double] $Ratio) { if ($Ratio -le 1.5) { 'met' } else { 'missed' } }

$summaryRows = @(
    foreach ($v in $variants.Keys) {
        $st = Get-Stats $wall[$v]
        $r = $st.Median / $slowAlone.Median
        [pscustomobject]@{ 'measure' = "matrix wall ($v$(if ($v -eq 'default') { ", -ThrottleLimit $default" }))"; 'median' = Format-Ms $st.Median; 'p95' = Format-Ms $st.P95
            'matrix / slowest' = ('**{0:N2}**' -f $r); 'matrix / sum' = ('{0:N2}' -f ($st.Median / $sum.Median)); 'target <= 1.5' = Get-Verdict $r }
    }
    $pw = Get-Stats $pooledWall
    [pscustomobject]@{ 'measure' = "matrix wall (default), thread-pool minimum $poolMin"; 'median' = Format-Ms $pw.Median; 'p95' = Format-Ms $pw.P95
        'matrix / slowest' = ('{0:N2}' -f ($pw.Median / $slowAlone.Median)); 'matrix / sum' = ('{0:N2}' -f ($pw.Median / $sum.Median)); 'target <= 1.5' = '' }
    [pscustomobject]@{ 'measure' = 'first matrix in this process (after the warm-up round)'; 'median' = Format-Ms $coldMatrix.WallMs; 'p95' = ''
        'matrix / slowest' = ('{0:N2}' -f ($coldMatrix.WallMs / $slowAlone.Median)); 'matrix / sum' = ''; 'target <= 1.5' = '' }
    [pscustomobject]@{ 'measure' = "slowest scenario alone ($($slowAlone.Name))"; 'median' = Format-Ms $slowAlone.Median; 'p95' = ''; 'matrix / slowest' = ''; 'matrix / sum' = ''; 'target <= 1.5' = '' }
    [pscustomobject]@{ 'measure' = "sum of all $($catalog.Count) scenarios alone"; 'median' = Format-Ms $sum.Median; 'p95' = Format-Ms $sum.P95; 'matrix / slowest' = ''; 'matrix / sum' = ''; 'target <= 1.5' = '' }
)
$perScenario = foreach ($s in $catalog) {
    $a = Get-Stats $alone[$s.Name]
    $row = [ordered]@{ 'scenario' = $s.Name; 'kind' = Get-ScenarioKind $s -PeerSeen $peerSeen[$s.Name]; 'alone' = Format-Ms $a.Median }
    foreach ($v in $variants.Keys) { $row["in the matrix ($v)"] = Format-Ms (Get-Stats $inside[$v][$s.Name]).Median }
    $row['in the matrix (default), pool minimum raised'] = Format-Ms (Get-Stats $pooled[$s.Name]).Median
    [pscustomobject]$row
}
Write-BenchResult -Name Matrix -Title 'Full matrix: concurrency vs the slowest scenario' -Machine $machine -Sections @(
    @{ Heading = 'Summary'; Text = @(
            ("Matrix wall median **$(Format-Ms $mx.Median) ms** = **$('{0:N2}' -f $ratioSlowest) x** the slowest scenario alone ($($slowAlone.Name), $(Format-Ms $slowAlone.Median) ms; target <= 1.5: $(Get-Verdict $ratioSlowest)) " +
                "and **$('{0:N2}' -f $ratioSum) x** the sum of all $($catalog.Count) scenarios run one after another ($(Format-Ms $sum.Median) ms).")
            "Matrix: Get-SocketErrorMatrix, default -ThrottleLimit $default, and with every scenario at once. $Iterations interleaved rounds after a warm-up round; medians.") }
    @{ Heading = 'Matrix vs its parts'; Rows = $summaryRows }
    @{ Heading = 'Each scenario alone and inside the matrix (median of its own run time)'; Rows = $perScenario; Text = @(
            ("Inside the matrix every scenario shares the $([Environment]::ProcessorCount) cores with the others: process starts (peer, lab: each a .NET runtime start) contend for CPU, kernel timers do not. " +
                'A run''s time inside the matrix counts from its own start, not from the matrix''s (with a throttle, a scenario may wait for a slot first). ' +
                'The last column is the default matrix with ThreadPool.SetMinThreads raised to twice the scenario count: where it is much lower than the column before, runs were waiting for a pool thread, not for CPU.')) }
) | Out-Null
