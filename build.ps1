#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, documents, tests, benchmarks and packages SocketProbe.
.DESCRIPTION
    Tasks run in the order given. Build compiles into bin/ so `Import-Module ./SocketProbe.psd1`
    works from a clone. Docs turns docs/*.md (PlatyPS layout) into MAML help in en-US/.
    Test runs xunit and Pester and ends with one line "N passed, N failed". Run builds and runs
    the main job. NativePeer (Linux) also compiles SocketProbe.Peer with NativeAOT into bin/ so peer
    and lab processes start in ~10 ms instead of ~55-150 ms; Run, Test, Bench and Package do it too
    on Linux, and if it fails there (no ILCompiler package, no linker) they warn and the managed
    peer runs. Bench runs bench/*.Bench.ps1 (or those named by -Bench), each writing a markdown
    table to bench/results/; the soak fails it on any leftover. Any failure stops the build with a
    non-zero exit code.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench -Bench Scenarios, Startup
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task NativePeer, Bench -Bench Performance
#>
[CmdletBinding()]
param(
    # NativePeer: also compile SocketProbe.Peer with NativeAOT into bin/ (optional: about a minute on
    # 2 cores, needs the ILCompiler package from NuGet); peer processes then start in ~10 ms, not ~55.
    [ValidateSet('Build', 'NativePeer', 'Docs', 'Test', 'Run', 'Bench', 'Package')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester -Tag filter (e.g. Lab, or -Tag Lab,Reliability for either); empty runs everything.
    [string[]] $Tag = @(),

    # Test: the Pester files or folder to run (default: tests/).
    [string[]] $TestPath = @(),

    # Test: run Pester only, not the xunit tests.
    [switch] $SkipXunit,

    # Test: how many Pester files run side by side, each in a PowerShell of its own.
    [ValidateRange(1, 16)]
    [int] $TestJobs = 4,

    # Run, Test, Bench, Package: use the build already in bin/ instead of building first.
    [switch] $NoBuild,

    # Benchmarks to run (bench/<Name>.Bench.ps1: Matrix, ProbeSweep, Scenarios, Soak, Startup); wildcards allowed.
    [string[]] $Bench = '*'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
# From a shell (pwsh -File build.ps1 -Tag A,B) a list arrives as the one string 'A,B': split it.
$Tag = [string[]]@($Tag | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
$TestPath = [string[]]@($TestPath | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
# PowerShell's own update check and telemetry load assemblies in the background some seconds after
# start: descriptors that the leftover checks of the tests would count as ours.
$env:POWERSHELL_UPDATECHECK = 'Off'
$env:POWERSHELL_TELEMETRY_OPTOUT = '1'

function Invoke-Native {
    # Run a native command; fail loudly on a non-zero exit code.
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-PwshCommand {
    # The PowerShell running this script, as a command line: pwsh itself, or the dotnet muxer with
    # pwsh.dll when PowerShell runs as a .NET local tool.
    $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $arguments = [string[]]@(if ((Split-Path -Leaf $exe) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })
    , $exe + , $arguments
}

function Invoke-Build {
    $bin = Join-Path $root 'bin'
    foreach ($project in 'src/SocketProbe.Loader/SocketProbe.Loader.csproj', 'src/SocketProbe/SocketProbe.csproj', 'src/SocketProbe.Peer/SocketProbe.Peer.csproj') {
        Invoke-Native dotnet @('publish', (Join-Path $root $project), '-c', $Configuration, '-o', $bin, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    }
    Write-Host "Built into $bin"
}

function Invoke-NativePeer {
    # SocketProbe.Peer compiled ahead of time, beside the managed one; DotNetHost picks it for every
    # mode (serve, sigpipe, lab) while it is not older than the managed build.
    if (-not $IsLinux) { Write-Host 'NativePeer: Linux only; the managed peer is used.'; return }
    $arch = switch ([Runtime.InteropServices.RuntimeInformation]::OSArchitecture) { 'X64' { 'x64' } 'Arm64' { 'arm64' } default { throw "NativePeer: no NativeAOT target for $_" } }
    $out = Join-Path $root "obj/native-peer/linux-$arch"
    Invoke-Native dotnet @('publish', (Join-Path $root 'src/SocketProbe.Peer/SocketProbe.Peer.csproj'), '-c', $Configuration, '-r', "linux-$arch",
        '-p:PublishAot=true', '-p:UseAppHost=true', '-o', $out, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    $native = Join-Path $root 'bin/SocketProbe.Peer'
    Copy-Item (Join-Path $out 'SocketProbe.Peer') $native -Force
    # Compiled from the sources just built: newer than bin/'s managed files (DotNetHost's staleness check).
    (Get-Item $native).LastWriteTimeUtc = [DateTime]::UtcNow
    Write-Host "Native peer in $(Join-Path $root 'bin/SocketProbe.Peer')"
}

function Invoke-Docs {
    & (Join-Path $root 'build/ConvertTo-MamlHelp.ps1') -DocsPath (Join-Path $root 'docs') -OutputPath (Join-Path $root 'en-US')
    Write-Host 'Help written to en-US/'
}

function Get-PesterModulePath {
    # Pester comes from NuGet through a restore-only project (PackageDownload), pinned there; the
    # restore runs when that project changed since its last restore in this clone (or never ran).
    $project = [xml](Get-Content -Raw (Join-Path $root 'tests/tools/tools.csproj'))
    $version = ($project.Project.ItemGroup.PackageDownload | Where-Object Include -EQ 'Pester').Version.Trim('[', ']')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $manifest = Join-Path $packages "pester/$version/tools/Pester.psd1"
    $assets = Get-Item (Join-Path $root 'tests/tools/obj/project.assets.json') -ErrorAction Ignore
    if (-not (Test-Path $manifest) -or -not $assets -or $assets.LastWriteTimeUtc -lt (Get-Item (Join-Path $root 'tests/tools/tools.csproj')).LastWriteTimeUtc) {
        Invoke-Native dotnet @('restore', (Join-Path $root 'tests/tools/tools.csproj'), '--nologo', '-v', 'quiet')
    }
    if (-not (Test-Path $manifest)) { throw "Pester $version was restored but $manifest is missing" }
    $manifest
}

function Invoke-PesterFiles {
    param([string] $PesterPath, [string[]] $Paths, [string] $ResultsDir, [int] $Jobs = $TestJobs, [switch] $KeepDurations)
    $files = @(foreach ($path in $Paths) {
            $item = Get-Item (Resolve-Path $path).Path
            if ($item.PSIsContainer) { Get-ChildItem $item.FullName -Filter '*.Tests.ps1' -File } else { $item }
        })
    $total = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; Failures = [Collections.Generic.List[string]]::new(); Files = [Collections.Generic.List[object]]::new() }
    if ($files.Count -eq 0) { return $total }
    $durationsFile = Join-Path $ResultsDir 'durations.json'
    # Each file's seconds: this clone's last run, else the committed tests/durations.json (a clean
    # clone's CI run would otherwise start the largest files first, not the longest).
    $known = @{}
    foreach ($seconds in (Join-Path $root 'tests/durations.json'), $durationsFile) {
        if (Test-Path $seconds) { (Get-Content -Raw $seconds | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $known[$_.Name] = [double]$_.Value } }
    }
    # The queue: one "<order>.todo" file per test file, longest first (build/Invoke-PesterWorker.ps1 claims them in name order).
    $queue = Join-Path $ResultsDir "queue-$PID"
    Remove-Item -Recurse -Force $queue -ErrorAction Ignore
    New-Item -ItemType Directory -Path $queue | Out-Null
    $order = 0
    $files | Sort-Object @{ Expression = { if ($known.ContainsKey($_.Name)) { $known[$_.Name] } else { $_.Length / 1000 } } } -Descending |
        ForEach-Object { Set-Content -Path (Join-Path $queue ('{0:D4}.todo' -f $order++)) -Value $_.FullName }

    $pwsh, $pwshArgs = Get-PwshCommand
    $workers = [Collections.Generic.List[object]]::new()
    try {
        for ($i = 0; $i -lt [Math]::Min($Jobs, $files.Count); $i++) {
            $start = [Diagnostics.ProcessStartInfo]::new($pwsh)
            foreach ($a in @($pwshArgs) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'build/Invoke-PesterWorker.ps1'),
                    '-PesterPath', $PesterPath, '-QueuePath', $queue, '-Tags', ($Tag -join "`n"))) { $start.ArgumentList.Add($a) }
            # stdin closed at once: whatever a test starts inherits an empty one.
            $start.RedirectStandardInput = $true
            $start.RedirectStandardOutput = $true
            $process = [Diagnostics.Process]::Start($start)
            $process.StandardInput.Close()
            $workers.Add([pscustomobject]@{ Process = $process; File = $null; Since = [DateTime]::UtcNow; Lines = [Collections.Generic.List[string]]::new(); Read = $process.StandardOutput.ReadLineAsync() })
        }
        # A file that runs longer than this is killed with its worker and counted as a failure.
        $fileBound = [TimeSpan]::FromMinutes(15)
        while ($busy = @($workers | Where-Object Read)) {
            $index = [Threading.Tasks.Task]::WaitAny([Threading.Tasks.Task[]]@($busy.Read), 1000)
            if ($index -lt 0) {
                foreach ($w in $busy | Where-Object { $_.File -and [DateTime]::UtcNow - $_.Since -gt $fileBound }) {
                    $w.Lines | ForEach-Object { Write-Host $_ }
                    Write-Host "$($w.File) ran over $($fileBound.TotalMinutes) minutes: its worker is killed" -ForegroundColor Red
                    $total.Failed++; $total.Failures.Add("$(Split-Path -Leaf $w.File): ran over the bound"); $w.Process.Kill($true); $w.File = $null
                }
                continue
            }
            $w = $busy[$index]
            $line = $w.Read.Result
            if ($null -eq $line) {
                $w.Read = $null
                if ($w.File) {
                    # The worker died under this file: what it printed, and a failure.
                    $w.Lines | ForEach-Object { Write-Host $_ }
                    Write-Host "the Pester worker for $($w.File) ended without a result (exit code $(if ($w.Process.WaitForExit(5000)) { $w.Process.ExitCode }))" -ForegroundColor Red
                    $total.Failed++; $total.Failures.Add("$(Split-Path -Leaf $w.File): its worker ended without a result")
                }
                continue
            }
            $w.Read = $w.Process.StandardOutput.ReadLineAsync()
            if ($line -like '##PESTER-START## *') { $w.File = $line -replace '^##PESTER-START## '; $w.Since = [DateTime]::UtcNow; continue }
            if ($line -notlike '##PESTER-RESULT## *') { $w.Lines.Add($line); continue }
            $r = ($line -replace '^##PESTER-RESULT## ') | ConvertFrom-Json
            $w.Lines | ForEach-Object { Write-Host $_ }
            $w.Lines.Clear(); $w.File = $null
            $total.Passed += $r.Passed; $total.Failed += $r.Failed; $total.Skipped += $r.Skipped
            foreach ($f in @($r.Failures)) { if ($f) { $total.Failures.Add("$(Split-Path -Leaf $r.Path) > $f") } }
            $total.Files.Add($r)
            $known[(Split-Path -Leaf $r.Path)] = $r.Seconds
            Write-Host ("-- {0}: {1} passed, {2} failed in {3:N1} s (CPU {4:N1} s)" -f (Split-Path -Leaf $r.Path), $r.Passed, $r.Failed, $r.Seconds, $r.CpuSeconds)
        }
        # A test file nobody claimed (every worker died first) is a failure too.
        foreach ($left in Get-ChildItem $queue -Filter '*.todo') { Write-Host "$(Get-Content $left) never ran" -ForegroundColor Red; $total.Failed++; $total.Failures.Add("$(Get-Content $left): never ran") }
    }
    finally {
        # Done, failed or stopped: no worker outlives the run.
        foreach ($w in $workers) { if (-not $w.Process.WaitForExit(10000)) { $w.Process.Kill($true) }; $w.Process.Dispose() }
        Remove-Item -Recurse -Force $queue -ErrorAction Ignore
    }
    if (-not $KeepDurations) { $known | ConvertTo-Json | Set-Content -Path $durationsFile }
    $total
}

function Invoke-Test {
    $results = Join-Path $root 'TestResults'
    New-Item -ItemType Directory -Force -Path $results | Out-Null
    $testsStarted = [DateTime]::UtcNow
    $passed = 0; $failed = 0; $skipped = 0
    $xunitExit = 0

    # xunit: the engine's pure logic, side by side with Pester (its output is printed when both are done).
    if (-not $SkipXunit) {
        $trx = Join-Path $results "engine-$PID.trx"   # per process: a test may run this script inside a run of it
        Remove-Item $trx -ErrorAction Ignore
        $start = [Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in 'test', (Join-Path $root 'tests/SocketProbe.Engine.Tests'), '-c', $Configuration, '--nologo', '-v', 'quiet',
            '--logger', "trx;LogFileName=$trx", '--logger', 'console;verbosity=minimal') { $start.ArgumentList.Add($a) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        # dotnet test's own machinery leaves two empty temp folders behind per run (the same with a
        # filter that matches no test): a folder of the run's own holds them and goes when xunit ends.
        $xunitTemp = Join-Path $results "tmp-$PID"
        New-Item -ItemType Directory -Force -Path $xunitTemp | Out-Null
        $start.Environment['TMPDIR'] = $xunitTemp
        $xunit = [Diagnostics.Process]::Start($start)
        $xunitOut = $xunit.StandardOutput.ReadToEndAsync(); $xunitErr = $xunit.StandardError.ReadToEndAsync()
    }

    # Pester in child processes, so the module under test never loads into this one; -TestJobs of
    # them side by side (most tests wait on kernel timers, not on a core), each handed the next file
    # as it finishes one, longest first by the last run's times (TestResults/durations.json; first
    # time: the largest files first). Each file's output is printed whole when it is done.
    $pesterClock = [Diagnostics.Stopwatch]::StartNew()
    $pester = Get-PesterModulePath
    $paths = if ($TestPath) { $TestPath } else { @(Join-Path $root 'tests') }
    try { $p = Invoke-PesterFiles -PesterPath $pester -Paths $paths -ResultsDir $results }
    catch {
        # Stopped or failed before the end: xunit does not outlive the run either.
        if (-not $SkipXunit -and -not $xunit.HasExited) { $xunit.Kill($true); $null = $xunit.WaitForExit(10000) }
        if (-not $SkipXunit) { Remove-Item -Recurse -Force $xunitTemp -ErrorAction Ignore }
        throw
    }
    # A file that failed side by side runs once more, alone. Its tests wait on kernel timers and real
    # servers; four files and xunit on two cores can starve a timer-bound test past its bound. A file
    # that passes alone counts as its rerun says and is named below as flaky under load; one that
    # fails again fails the run, with its first run's count and failures.
    $flaky = [Collections.Generic.List[string]]::new()
    $failedFiles = @($p.Files | Where-Object Failed -GT 0)
    if ($failedFiles.Count -gt 0 -and $failedFiles.Count -le 3) {
        Write-Host "Rerunning alone: $(($failedFiles | ForEach-Object { Split-Path -Leaf $_.Path }) -join ', ')"
        $again = Invoke-PesterFiles -PesterPath $pester -Paths @($failedFiles.Path) -ResultsDir $results -Jobs 1 -KeepDurations
        foreach ($r in $again.Files) {
            $first = $failedFiles | Where-Object Path -EQ $r.Path | Select-Object -First 1
            if ($r.Failed -gt 0) { continue }   # failed alone too: the first run's count and failures stand
            $leaf = Split-Path -Leaf $r.Path
            foreach ($f in @($p.Failures | Where-Object { $_ -like "$leaf > *" })) { $null = $p.Failures.Remove($f); $flaky.Add($f) }
            $p.Passed += $r.Passed - $first.Passed; $p.Failed -= $first.Failed; $p.Skipped += $r.Skipped - $first.Skipped
        }
    }
    $passed += $p.Passed; $failed += $p.Failed; $skipped += $p.Skipped
    Write-Host ("Pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped in {0:N0} s ({1} side by side)" -f $pesterClock.Elapsed.TotalSeconds, $TestJobs)

    if (-not $SkipXunit) {
        $ended = $xunit.WaitForExit(600000)
        if (-not $ended) { $xunit.Kill($true); $null = $xunit.WaitForExit(10000) }
        Remove-Item -Recurse -Force $xunitTemp -ErrorAction Ignore
        if (-not $ended) { throw 'xunit ran over 10 minutes' }
        Write-Host $xunitOut.GetAwaiter().GetResult()
        Write-Host $xunitErr.GetAwaiter().GetResult()
        $xunitExit = $xunit.ExitCode
        if (-not (Test-Path $trx)) { throw "xunit wrote no results (exit code $xunitExit)" }
        $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed; $failed += [int]$counters.failed + [int]$counters.error
        $skipped += [int]$counters.notExecuted
        Write-Host "xunit: $($counters.passed) passed, $($counters.failed) failed"
        $trxXml = [xml](Get-Content -Raw $trx)
        foreach ($u in @($trxXml.TestRun.Results.UnitTestResult | Where-Object outcome -eq 'Failed')) {
            $p.Failures.Add("xunit > $($u.testName): $("$($u.Output.ErrorInfo.Message)" -split "`n" | Select-Object -First 1)")
        }
    }

    # A run that executed no test proved nothing (a tag that matches nothing, an empty folder): it
    # fails, for Pester and for xunit alike (xunit's tests do not excuse a Pester filter that ran none).
    $empty = @(
        if ($p.Passed + $p.Failed -eq 0) { "Pester ran no test (-Tag $($Tag -join ', '), $($paths -join ', '))" }
        if (-not $SkipXunit -and [int]$counters.passed + [int]$counters.failed + [int]$counters.error -eq 0) { 'xunit ran no test' }
    )
    foreach ($e in $empty) { Write-Host "$e`: a run that executes zero tests fails" -ForegroundColor Red }
    if ($flaky.Count -gt 0) {
        Write-Host "Flaky under load ($($flaky.Count)): failed side by side, passed when their file ran alone:" -ForegroundColor Yellow
        foreach ($f in $flaky) { Write-Host "  $(if ($f.Length -gt 400) { $f.Substring(0, 400) + '…' } else { $f })" -ForegroundColor Yellow }
    }
    # The failures again, last, so a log that keeps only its tail still names them.
    if ($p.Failures.Count -gt 0) {
        Write-Host "Failed ($($p.Failures.Count)):" -ForegroundColor Red
        foreach ($f in $p.Failures) { Write-Host "  $(if ($f.Length -gt 400) { $f.Substring(0, 400) + '…' } else { $f })" -ForegroundColor Red }
    }
    Remove-KilledPwshPipes -Since $testsStarted
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $xunitExit -ne 0 -or $empty.Count -gt 0) { exit 1 }
}

function Remove-KilledPwshPipes([DateTime] $Since) {
    # Each pwsh makes a socket file for its host process (CoreFxPipe_PSHost.<start>.<pid>.<name>) and
    # removes it when it exits; the tests kill some of theirs with SIGKILL, which removes nothing (3 a
    # run). Those of this run whose process is gone are removed here; Linux only (/proc tells).
    if (-not $IsLinux) { return }
    foreach ($pipe in Get-ChildItem -Path ([IO.Path]::GetTempPath()) -Filter 'CoreFxPipe_PSHost.*' -ErrorAction Ignore) {
        $owner = $pipe.Name.Split('.')[2]
        if ($pipe.LastWriteTimeUtc -ge $Since -and $owner -match '^\d+$' -and -not (Test-Path "/proc/$owner")) { Remove-Item -Force $pipe.FullName -ErrorAction Ignore }
    }
}

function Invoke-Run {
    # The main job: reproduce the catalogue on this machine and show what really came back.
    $pwsh, $pwshArgs = Get-PwshCommand
    & $pwsh @pwshArgs -NoProfile -NonInteractive -File (Join-Path $root 'build/Run-MainJob.ps1')
    if ($LASTEXITCODE -ne 0) { throw "main job failed with exit code $LASTEXITCODE" }
}

function Invoke-Bench {
    # Each benchmark in its own PowerShell (a fresh process, the module loaded there only); each writes
    # bench/results/<Name>.md. A benchmark that fails (the soak on any growth) fails the task.
    $pwsh, $pwshArgs = Get-PwshCommand
    $benches = @(Get-ChildItem (Join-Path $root 'bench') -Filter '*.Bench.ps1' | Sort-Object Name |
            Where-Object { $name = $_.Name -replace '\.Bench\.ps1$'; @($Bench | Where-Object { $name -like $_ }).Count -gt 0 })
    if (-not $benches) { throw "no benchmark matches -Bench $($Bench -join ', ')" }
    foreach ($b in $benches) {
        Write-Host "== $($b.Name)"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        & $pwsh @pwshArgs -NoProfile -NonInteractive -File $b.FullName
        if ($LASTEXITCODE -ne 0) { throw "$($b.Name) failed with exit code $LASTEXITCODE" }
        Write-Host ("== {0} done in {1:N0} s" -f $b.Name, $clock.Elapsed.TotalSeconds)
    }
}

function Invoke-Package {
    $manifest = Import-PowerShellDataFile (Join-Path $root 'SocketProbe.psd1')
    $target = Join-Path $root "output/SocketProbe/$($manifest.ModuleVersion)"
    Remove-Item -Recurse -Force $target -ErrorAction Ignore
    New-Item -ItemType Directory -Force -Path $target | Out-Null
    foreach ($file in 'SocketProbe.psd1', 'SocketProbe.psm1', 'LICENSE', 'CHANGELOG.md') { Copy-Item (Join-Path $root $file) $target }
    Copy-Item -Recurse (Join-Path $root 'bin') (Join-Path $target 'bin')
    Copy-Item -Recurse (Join-Path $root 'en-US') (Join-Path $target 'en-US')
    Get-ChildItem (Join-Path $target 'bin') -Filter '*.pdb' | Remove-Item
    # The published manifest names its cmdlets (the Gallery lists them; discovery needs no import), read from the
    # built assembly in a PowerShell of its own: the source manifest says '*', so a new cmdlet is not one more file to edit.
    $pwsh, $pwshArgs = Get-PwshCommand
    # The manifest's path reaches the child through its environment, never inside the command's text.
    $env:SOCKETPROBE_PACKAGED_MANIFEST = Join-Path $target 'SocketProbe.psd1'
    try { $names = @(& $pwsh @pwshArgs -NoProfile -NonInteractive -Command 'Import-Module $env:SOCKETPROBE_PACKAGED_MANIFEST; (Get-Module SocketProbe).ExportedCmdlets.Keys | Sort-Object') }
    finally { Remove-Item Env:SOCKETPROBE_PACKAGED_MANIFEST -ErrorAction Ignore }
    if ($LASTEXITCODE -ne 0 -or $names.Count -eq 0) { throw "could not list the cmdlets of $target`: $names" }
    $packaged = Join-Path $target 'SocketProbe.psd1'
    $list = "@(`n" + (($names | ForEach-Object { "        '$_'" }) -join "`n") + "`n    )"
    $text = (Get-Content -Raw $packaged) -replace "(?m)^(\s*CmdletsToExport\s*=\s*)'\*'", "`${1}$list"
    if ($text -notmatch "'$($names[0])'") { throw "the manifest's CmdletsToExport = '*' line was not found in $packaged" }
    [IO.File]::WriteAllText($packaged, $text)
    Write-Host "Module laid out in $target ($($names.Count) cmdlets exported)"
}

$order = 'Build', 'NativePeer', 'Docs', 'Run', 'Test', 'Bench', 'Package'
# Run, Test, Bench and Package need a build; the build is cheap when nothing changed.
$wanted = [Collections.Generic.List[string]]::new([string[]]$Task)
if (-not $NoBuild -and ($wanted | Where-Object { $_ -in 'NativePeer', 'Run', 'Test', 'Bench', 'Package' }) -and 'Build' -notin $wanted) { $wanted.Add('Build') }
# On Linux they also want the native peer, as a bonus: without it the managed peer runs.
$nativeBonus = $IsLinux -and -not $NoBuild -and 'NativePeer' -notin $wanted -and ($wanted | Where-Object { $_ -in 'Run', 'Test', 'Bench', 'Package' })
if ($nativeBonus) { $wanted.Add('NativePeer') }
foreach ($name in $order | Where-Object { $_ -in $wanted }) {
    Write-Host "=== $name" -ForegroundColor Cyan
    if ($name -eq 'NativePeer' -and $nativeBonus) {
        try { Invoke-NativePeer }
        catch {
            Remove-Item (Join-Path $root 'bin/SocketProbe.Peer') -ErrorAction SilentlyContinue
            Write-Warning "NativePeer failed, so the managed peer runs (slower starts): $_"
        }
        continue
    }
    & "Invoke-$name"
}
