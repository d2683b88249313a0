#Requires -Version 7.4
<#
.SYNOPSIS
    Soak: many consecutive scenario runs and full matrix runs; nothing may be left behind.
.DESCRIPTION
    After one warm-up round (first use opens a few descriptors for good: the socket engine's epoll,
    the spawner's pipes, loaded assemblies), counts what a run could leave behind - this
    PowerShell's open file descriptors, its child processes, processes of ours anywhere, network
    namespaces they hold, nft tables in the host namespace - then runs -Runs scenarios (cycling
    through the catalogue with Invoke-SocketScenario) and -MatrixRuns Get-SocketErrorMatrix runs, and counts
    again. Any growth is a failure: the script exits 1. Writes bench/results/Soak.md.
    Not part of the test run (too long); tests/Reliability.Tests.ps1 holds a short version.
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 100000)][int] $Runs = 500,
    [ValidateRange(0, 10000)][int] $MatrixRuns = 50
)

$ErrorActionPreference = 'Stop'
if (-not $IsLinux) { throw 'The soak counts resources through /proc: Linux only.' }
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
. (Join-Path $RepoRoot 'tests/common.ps1')   # Get-ResourceSnapshot, Compare-ResourceSnapshot; imports the module
$ErrorActionPreference = 'Stop'
$machine = Get-BenchMachine
$catalog = @([SocketProbe.Engine.ScenarioCatalog]::All)
$started = [Diagnostics.Stopwatch]::StartNew()

function Invoke-Checked([string] $Name) {
    # A run that fails or returns nothing would leave nothing behind for the wrong reason: count it.
    try { $o = @(Invoke-SocketScenario -Name $Name -ErrorAction Stop) }
    catch { $null = $script:runErrors.Add("${Name}: $($_.Exception.Message)"); return }
    if ($o.Count -eq 0) { $script:emptyRuns++ }
    if ($o | Where-Object Result -EQ 'Skipped') { $script:skipped++ }
}
$script:runErrors = [Collections.ArrayList]::new()
$script:emptyRuns = 0
$script:skipped = 0

# Warm-up: every scenario once, one matrix.
foreach ($s in $catalog) { Invoke-Checked $s.Name }
$null = Invoke-BenchMatrix
$script:runErrors.Clear(); $script:emptyRuns = 0; $script:skipped = 0

$samples = [Collections.Generic.List[object]]::new()
function Add-Sample([string] $When, $Snapshot) {
    $samples.Add([pscustomobject]@{
            'when' = $When; 'elapsed s' = '{0:N0}' -f $started.Elapsed.TotalSeconds
            'fds' = $Snapshot.FileDescriptors; 'threads' = $Snapshot.Threads; 'child processes' = $Snapshot.ChildProcesses
            'our processes' = $Snapshot.OurProcesses; 'our namespaces' = $Snapshot.OurNamespaces
            'namespaces on the host' = $Snapshot.HostNamespaces; 'nft tables (host)' = $Snapshot.NftTables
            'working set MB' = '{0:N0}' -f ([Diagnostics.Process]::GetCurrentProcess().WorkingSet64 / 1MB)
        })
}
$before = Get-ResourceSnapshot
Add-Sample 'before' $before

$sampleEvery = [Math]::Max(1, [Math]::Floor($Runs / 10))
for ($i = 1; $i -le $Runs; $i++) {
    Invoke-Checked $catalog[($i - 1) % $catalog.Count].Name
    if ($i % $sampleEvery -eq 0) {
        Add-Sample "after $i scenario runs" (Get-ResourceSnapshot)
        Write-Host ("{0} scenario runs, {1:N0} s" -f $i, $started.Elapsed.TotalSeconds)
    }
}
$grownScenarios = Compare-ResourceSnapshot -Before $before
Add-Sample "after $Runs scenario runs, settled" (Get-ResourceSnapshot)

$matrixErrors = [Collections.Generic.List[string]]::new()
$matrixWall = [Collections.Generic.List[double]]::new()   # a run that slows down over time would show here
$matrixEvery = [Math]::Max(1, [Math]::Floor($MatrixRuns / 5))
$beforeMatrix = Get-ResourceSnapshot
for ($i = 1; $i -le $MatrixRuns; $i++) {
    try { $matrixWall.Add((Invoke-BenchMatrix).WallMs) } catch { $matrixErrors.Add("matrix run ${i}: $($_.Exception.Message)") }
    if ($i % $matrixEvery -eq 0) {
        Add-Sample "after $i matrix runs" (Get-ResourceSnapshot)
        Write-Host ("{0} matrix runs, {1:N0} s" -f $i, $started.Elapsed.TotalSeconds)
    }
}
$grownMatrix = Compare-ResourceSnapshot -Before $beforeMatrix
$grownTotal = Compare-ResourceSnapshot -Before $before
Add-Sample 'end, settled' (Get-ResourceSnapshot)

$failures = @(
    foreach ($g in $grownScenarios) { "after the scenario runs: $g" }
    foreach ($g in $grownMatrix) { "after the matrix runs: $g" }
    foreach ($g in $grownTotal) { "overall: $g" }
    foreach ($e in $script:runErrors) { "error: $e" }
    if ($script:emptyRuns) { "$($script:emptyRuns) scenario runs returned no observation" }
    $matrixErrors
)
$verdict = if ($failures) { "**FAILED**: $($failures.Count) problem(s)." } else { '**Zero growth**: nothing left behind, no run failed.' }
$how = "Get-SocketErrorMatrix, default -ThrottleLimit $([SocketProbe.Engine.Matrix.MatrixRunner]::DefaultThrottleLimit)"
Write-BenchResult -Name Soak -Title 'Soak: consecutive runs leave nothing behind' -Machine $machine -Sections @(
    @{ Heading = 'Summary'; Text = @(
            ("$verdict $Runs consecutive scenario runs (Invoke-SocketScenario, cycling through all $($catalog.Count) scenarios; $($script:skipped) of them Skipped) " +
                "and $MatrixRuns full matrix runs ($how) in $('{0:N0}' -f $started.Elapsed.TotalSeconds) s.")
            ('Counted before and after, once a warm-up round had run: file descriptors of this PowerShell (/proc/self/fd), its child processes (ppid), ' +
                'processes of ours anywhere (descendants, and any process running this clone''s SocketProbe.Peer.dll), network namespaces those hold, and nft tables in the host namespace (`nft list tables`). ' +
                'Growth of any of them is a failure. Threads, namespaces on the whole host and the working set are shown, not judged: the thread pool and the GC size themselves, and other programs make namespaces.')) }
    @{ Heading = 'Failures'; Text = @(if ($failures) { $failures | ForEach-Object { "- $_" } } else { 'none' }) }
    if ($matrixWall.Count -ge 2) {
        $fifth = [Math]::Max(1, [Math]::Floor($matrixWall.Count / 5))
        $first = Get-Stats $matrixWall.GetRange(0, $fifth).ToArray()
        $last = Get-Stats $matrixWall.GetRange($matrixWall.Count - $fifth, $fifth).ToArray()
        $allRuns = Get-Stats $matrixWall.ToArray()
        @{ Heading = 'Matrix wall time over the soak'; Text = (
                "All $($matrixWall.Count) runs: median $(Format-Ms $allRuns.Median) ms, min $(Format-Ms $allRuns.Min), max $(Format-Ms $allRuns.Max). " +
                "First $fifth runs median $(Format-Ms $first.Median) ms, last $fifth runs median $(Format-Ms $last.Median) ms (a leak that costs time would show as a rise; the machine's own load moves it too).") }
    }
    @{ Heading = 'Samples'; Rows = $samples }
) | Out-Null
if ($failures) {
    $failures | ForEach-Object { Write-Host "SOAK: $_" -ForegroundColor Red }
    exit 1
}
