#Requires -Version 7.4
<#
.SYNOPSIS
    What -Capture costs: per scenario with and without it, side by side in one run, and the matrix.
.DESCRIPTION
    Every catalogue scenario runs through Invoke-SocketScenario, without and with -Capture, in
    interleaved pairs (the order inside a pair alternates) after one warm-up round, so a busy moment
    hits both sides. Per scenario: the wall medians, the median of the paired differences, and the
    capture's own time as the engine measured it (opening the ring, and the final drain, decode and
    row building: the Debug line "Capture for ..."). Then Get-SocketErrorMatrix without and with
    -Capture, interleaved, and the ratio of the medians (target < 1.2x). DESIGN.md section 8:
    -Capture adds < 20 ms to a scenario. Needs root or CAP_NET_RAW for the loopback scenarios.
    Writes bench/results/capture.md.
#>
[CmdletBinding()]
param(
    [ValidateRange(3, 1000)][int] $Iterations = 7,
    [ValidateRange(1, 100)][int] $MatrixRounds = 3,
    [string[]] $Scenario
)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench
$why = [SocketProbe.Engine.Wire.WireCapture]::WhyUnavailable()
if ($why) { Write-Warning "loopback scenarios cannot capture here: $why" }

$catalog = [SocketProbe.Engine.ScenarioCatalog]::All | Where-Object { -not $Scenario -or $_.Name -in $Scenario }

function Invoke-Run {
    param([string] $Name, [switch] $Capture)
    $DebugPreference = 'Continue'   # not -Debug: that asks for confirmation in older hosts
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $all = @(Invoke-SocketScenario -Name $Name -Capture:$Capture 5>&1)
    $wall = $clock.Elapsed.TotalMilliseconds
    $own = $all | Where-Object { $_ -is [Management.Automation.DebugRecord] -and $_.Message -match 'Capture for \w+: (\d+) of (\d+) packets.*open ([\d.]+) ms, finish ([\d.]+) ms' } |
        Select-Object -First 1 | ForEach-Object { [pscustomobject]@{ Kept = [int]$Matches[1]; Seen = [int]$Matches[2]; OpenMs = [double]$Matches[3]; FinishMs = [double]$Matches[4] } }
    [pscustomobject]@{
        WallMs = $wall
        Rows = @($all | Where-Object { $_ -is [SocketProbe.Engine.Observation] })
        Own = $own
    }
}

foreach ($s in $catalog) { $null = Invoke-Run $s.Name; $null = Invoke-Run $s.Name -Capture }
$plain = @{}; $captured = @{}
foreach ($s in $catalog) { $plain[$s.Name] = [Collections.Generic.List[object]]::new(); $captured[$s.Name] = [Collections.Generic.List[object]]::new() }
for ($i = 1; $i -le $Iterations; $i++) {
    foreach ($s in $catalog) {
        if ($i % 2) { $plain[$s.Name].Add((Invoke-Run $s.Name)); $captured[$s.Name].Add((Invoke-Run $s.Name -Capture)) }
        else { $captured[$s.Name].Add((Invoke-Run $s.Name -Capture)); $plain[$s.Name].Add((Invoke-Run $s.Name)) }
    }
    Write-Host "round $i of $Iterations done"
}

$rows = foreach ($s in $catalog) {
    $p = $plain[$s.Name]; $c = $captured[$s.Name]
    $without = Get-Stats ($p | ForEach-Object WallMs)
    $with = Get-Stats ($c | ForEach-Object WallMs)
    $diff = Get-Stats (0..($Iterations - 1) | ForEach-Object { $c[$_].WallMs - $p[$_].WallMs })
    $own = @($c | ForEach-Object Own | Where-Object { $_ })
    $ownMs = Get-Stats ($own | ForEach-Object { $_.OpenMs + $_.FinishMs })
    $skipped = @($c[0].Rows | Where-Object { $_.Actor -eq 'Client' -and $_.Result -eq 'Skipped' }).Count -gt 0
    $wireSkipped = @($c[0].Rows | Where-Object { $_.Actor -eq 'Wire' -and $_.Result -eq 'Skipped' }).Count -gt 0
    [pscustomobject]@{
        'scenario'             = $s.Name
        'kind'                 = Get-ScenarioKind $s -PeerSeen $false
        'without (median)'     = Format-Ms $without.Median
        'with -Capture'        = Format-Ms $with.Median
        'ratio'                = if ($without.Median -gt 0) { '{0:N2}x' -f ($with.Median / $without.Median) } else { '' }
        'paired diff (median)' = Format-Ms $diff.Median
        'capture own (median)' = if ($ownMs.N) { Format-Ms $ownMs.Median } else { '' }
        'open'                 = if ($own) { Format-Ms (Get-Stats ($own | ForEach-Object OpenMs)).Median } else { '' }
        'finish'               = if ($own) { Format-Ms (Get-Stats ($own | ForEach-Object FinishMs)).Median } else { '' }
        'wire rows'            = if ($own) { $own[0].Kept } else { '' }
        'packets seen'         = if ($own) { $own[0].Seen } else { '' }
        'met (< 20)'           = if ($skipped) { 'skipped' } elseif ($wireSkipped) { 'no capture' } elseif ($ownMs.N -and $ownMs.Median -lt 20) { 'yes' } else { 'no' }
        _Own                   = $ownMs.Median
        _Diff                  = $diff.Median
    }
}

# The matrix: interleaved rounds without and with -Capture, one warm-up each.
$null = Invoke-BenchMatrix; $null = Invoke-BenchMatrix -Capture
$matrixPlain = [Collections.Generic.List[double]]::new(); $matrixCaptured = [Collections.Generic.List[double]]::new()
for ($i = 1; $i -le $MatrixRounds; $i++) {
    $matrixPlain.Add((Invoke-BenchMatrix).WallMs)
    $matrixCaptured.Add((Invoke-BenchMatrix -Capture).WallMs)
    Write-Host "matrix round $i of $MatrixRounds done"
}
$mp = Get-Stats $matrixPlain; $mc = Get-Stats $matrixCaptured
$matrixRow = [pscustomobject]@{
    'runs'                 = $MatrixRounds
    'without (median)'     = Format-Ms $mp.Median
    'with -Capture'        = Format-Ms $mc.Median
    'ratio'                = '{0:N2}x' -f ($mc.Median / $mp.Median)
    'target'               = '< 1.2x'
    'met'                  = if ($mc.Median / $mp.Median -lt 1.2) { 'yes' } else { 'no' }
    'all runs without'     = ($matrixPlain | ForEach-Object { Format-Ms $_ }) -join ', '
    'all runs with'        = ($matrixCaptured | ForEach-Object { Format-Ms $_ }) -join ', '
}

$measured = @($rows | Where-Object { $_.'met (< 20)' -in 'yes', 'no' })
# Every scenario skipped, or without a capture here: there is no figure to give (and no _Own to read).
if ($measured.Count -eq 0) { throw "No scenario was measured: every one was skipped or had no capture ($(@($rows | ForEach-Object { "$($_.scenario): $($_.'met (< 20)')" }) -join ', '))" }
$worst = $measured | Sort-Object _Own -Descending | Select-Object -First 1
$summary = @(
    ("Capture's own time per scenario (ring open + final drain, decode, rows): median $(Format-Ms (Get-Stats ($measured._Own)).Median) ms, worst $(Format-Ms $worst._Own) ms ($($worst.scenario)); " +
        "$(@($measured | Where-Object 'met (< 20)' -EQ 'yes').Count) of $($measured.Count) under 20 ms. Wall time with minus without, paired: median of the scenario medians $(Format-Ms (Get-Stats ($measured._Diff)).Median) ms.")
    "Matrix: $(Format-Ms $mc.Median) ms with -Capture vs $(Format-Ms $mp.Median) ms without: $($matrixRow.ratio) (target < 1.2x)."
    'Without -Capture the instrument returns before opening anything (ScenarioRequest.Capture is false): it costs one property read.'
)
if ($why) { $summary += "Loopback scenarios could not capture: $why." }
$notes = @(
    ("Pairs: $Iterations interleaved runs of each scenario without and with -Capture (order alternating), after one warm-up of each; the wall times include peer-process and lab starts, whose spread (several ms) is larger than the capture's cost, so the paired difference is noisy. " +
        'Capture own: the engine''s Stopwatch around opening the AF_PACKET ring (socket, BPF, 1 MiB ring, bind) and around the final drain (a 1 ms settle, the ring read, decoding, picking the run''s own flows, building rows); for lab scenarios it is measured inside the lab.')
    'Packets seen: every packet in the ring during the run (on the host: all of lo); wire rows: the run''s own.'
)
Write-BenchResult -Name Capture -Title 'Capture: what -Capture adds' -Machine $machine -Sections @(
    @{ Heading = 'Summary'; Text = $summary }
    @{ Heading = 'Per scenario'; Rows = @($rows | Select-Object * -ExcludeProperty _*) }
    @{ Heading = 'Matrix'; Rows = @($matrixRow) }
    @{ Heading = 'How to read it'; Text = $notes }
) | Out-Null
