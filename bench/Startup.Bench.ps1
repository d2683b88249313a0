#Requires -Version 7.4
<#
.SYNOPSIS
    Start costs: Import-Module, the first cmdlet call, the peer process, the namespace lab.
.DESCRIPTION
    Import-Module is timed inside fresh `pwsh -NoProfile` processes (Measure-Command around
    Import-Module, median of -Runs). The peer process is started through the engine's own path
    (PeerProcess.StartAsync: spawn to its READY line), the lab's namespace with `unshare` alone, and a
    whole lab start with ConnectNoRoute (a lab scenario whose only call fails at once). Writes
    bench/results/Startup.md.
#>
[CmdletBinding()]
param([ValidateRange(3, 1000)][int] $Runs = 10)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench -NoImport   # the import is timed in fresh processes first
$pwsh, $pwshArgs = Get-PwshCommand

function Invoke-Child {
    # Run a script in a fresh PowerShell; its last output line is a number of milliseconds.
    param([string] $Script)
    $out = & $pwsh @pwshArgs -NoProfile -NonInteractive -Command $Script
    if ($LASTEXITCODE -ne 0) { throw "child PowerShell failed ($LASTEXITCODE): $out" }
    [double]($out | Select-Object -Last 1)
}

# Import-Module and the first call in fresh processes: nothing of the module is loaded or JIT-compiled.
$q = $Manifest.Replace("'", "''")
$import = [Collections.Generic.List[double]]::new()
$firstCall = [Collections.Generic.List[double]]::new()
$process = [Collections.Generic.List[double]]::new()
$bare = [Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt $Runs; $i++) {
    $import.Add((Invoke-Child "(Measure-Command { Import-Module '$q' }).TotalMilliseconds"))
    $firstCall.Add((Invoke-Child "Import-Module '$q'; (Measure-Command { Test-TcpRefused | Out-Null }).TotalMilliseconds"))
    # The whole process, seen from outside: PowerShell's own start, then with the import.
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & $pwsh @pwshArgs -NoProfile -NonInteractive -Command 'exit 0'
    $bare.Add($clock.Elapsed.TotalMilliseconds)
    $clock.Restart()
    & $pwsh @pwshArgs -NoProfile -NonInteractive -Command "Import-Module '$q'; exit 0"
    $process.Add($clock.Elapsed.TotalMilliseconds)
}

Import-Module $Manifest
# The engine logs through ILogger; nothing needs its lines here. The ILogger must be the one of the module's own
# assembly load context (SocketProbe.psm1), not a copy loaded into the default context.
$moduleContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext([SocketProbe.Engine.Lab.PeerProcess].Assembly)
$logging = $moduleContext.Assemblies | Where-Object { $_.GetName().Name -eq 'Microsoft.Extensions.Logging.Abstractions' }
$logger = $logging.GetType('Microsoft.Extensions.Logging.Abstractions.NullLogger', $true)::Instance

# The peer process: spawn to READY through the engine (posix_spawn of the dotnet muxer + the Peer program).
$peer = [Collections.Generic.List[double]]::new()
$peerFirst = $null
for ($i = 0; $i -le $Runs; $i++) {
    $p = [SocketProbe.Engine.Lab.PeerProcess]::StartAsync('serve', [string[]]@('--family', 'ipv4'), $logger, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
    try { if ($i -eq 0) { $peerFirst = $p.StartMs } else { $peer.Add($p.StartMs) } } finally { $p.Dispose() }
}

# The lab: a bare namespace (unshare, as the lab calls it, running `true`), then a whole lab scenario.
$labReason = [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()
$namespace = [Collections.Generic.List[double]]::new()
$labStart = [Collections.Generic.List[double]]::new()
$labPeer = [Collections.Generic.List[double]]::new()
if (-not $labReason) {
    $unshare = [SocketProbe.Engine.Lab.LabEnvironment]::Tool('unshare')
    for ($i = 0; $i -lt $Runs; $i++) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        & $unshare --map-root-user --net --fork --kill-child=SIGKILL true
        if ($LASTEXITCODE -ne 0) { throw "unshare failed ($LASTEXITCODE)" }
        $namespace.Add($clock.Elapsed.TotalMilliseconds)
    }
    $null = Invoke-TimedScenario ConnectNoRoute   # warm-up: the first lab run JITs the relay path
    for ($i = 0; $i -lt $Runs; $i++) { $labStart.Add((Invoke-TimedScenario ConnectNoRoute).WallMs) }
    # A peer process started inside the lab (PeerReboot needs no kernel timer).
    for ($i = 0; $i -lt [Math]::Min($Runs, 5); $i++) { (Invoke-TimedScenario PeerReboot).PeerStartMs | ForEach-Object { $labPeer.Add($_) } }
}

$rows = [Collections.Generic.List[object]]::new()
function Add-Row([string] $What, [double[]] $Values, [string] $Target, [string] $How) {
    $s = Get-Stats $Values
    $rows.Add([pscustomobject]@{
            'what' = $What; 'n' = $s.N; 'median' = Format-Ms $s.Median; 'p95' = Format-Ms $s.P95; 'min' = Format-Ms $s.Min
            'target' = $Target; 'how measured' = $How
        })
    $s
}
$importStats = Add-Row 'Import-Module' $import '< 300' 'Measure-Command { Import-Module ./SocketProbe.psd1 } in a fresh pwsh -NoProfile'
$null = Add-Row 'first Test-TcpRefused after import' $firstCall '' 'Measure-Command around the first call in a fresh process (JIT, first socket)'
$bareStats = Add-Row 'pwsh process, nothing loaded' $bare '' 'process start to exit, seen from the parent'
$procStats = Add-Row 'pwsh process with Import-Module' $process '' 'process start to exit, seen from the parent'
$peerStats = Add-Row 'peer process (spawn to READY)' $peer '' "PeerProcess.StartAsync('serve'); first in this process: $(Format-Ms $peerFirst) ms"
if (-not $labReason) {
    $nsStats = Add-Row 'network namespace (unshare ... true)' $namespace '' 'unshare --map-root-user --net --fork --kill-child true'
    $labStats = Add-Row 'lab start (ConnectNoRoute, whole run)' $labStart '< 150 (overhead)' 'Invoke-SocketScenario ConnectNoRoute: namespace, lab process, ip, nft, one connect'
    $null = Add-Row 'peer process inside the lab' $labPeer.ToArray() '' 'PeerReboot, Verbose "[lab] Peer process N (serve) ready in X ms"'
}

$text = @(
    ("Import-Module median **$(Format-Ms $importStats.Median) ms** (target < 300 ms: $(if ($importStats.Median -lt 300) { 'met' } else { 'missed' })); " +
        "seen from outside, the import adds $(Format-Ms ($procStats.Median - $bareStats.Median)) ms to a $(Format-Ms $bareStats.Median) ms PowerShell start.")
    ("Peer process start median **$(Format-Ms $peerStats.Median) ms**: every peer-process scenario pays it once " +
        '(a new .NET process: the runtime''s own start dominates).')
    if ($labReason) { "Lab not measured: $labReason." }
    else {
        "Lab: a namespace alone costs $(Format-Ms $nsStats.Median) ms; a whole lab run with no kernel timer (ConnectNoRoute) **$(Format-Ms $labStats.Median) ms** " +
        '(a .NET process inside unshare, ip, nft, the connect, the JSON relay); a lab scenario with a peer starts a second .NET process inside the lab.'
    }
)
Write-BenchResult -Name Startup -Title 'Start costs: Import-Module, peer process, lab' -Machine $machine -Sections @(
    @{ Heading = 'Summary'; Text = $text }
    @{ Heading = "Start costs ($Runs runs each)"; Rows = $rows }
) | Out-Null
