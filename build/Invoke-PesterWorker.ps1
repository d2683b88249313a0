<#
.SYNOPSIS
    One of build.ps1's Pester workers: runs test files from a shared queue folder, one at a time.
.DESCRIPTION
    build.ps1 -Task Test starts a few of these side by side (most tests wait on kernel timers, not
    on a core). The queue is a folder of "<order>.todo" files, each holding one test file's path;
    a worker claims the next by renaming it (atomic: two workers never claim the same file). For
    every file the worker writes Pester's own output, then one line "##PESTER-RESULT## {json}" with
    the file's counts. It ends when the queue is empty. Its stdin is not used (a test's child
    process inherits it), so nothing a test runs can take a file from the queue.
#>
param([Parameter(Mandatory)][string] $PesterPath, [Parameter(Mandatory)][string] $QueuePath, [string] $Tags = '')
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$tagList = [string[]]@($Tags -split "`n" | Where-Object { $_ })
function Get-CpuSeconds {
    # This worker's CPU time and its reaped children's (a test's child pwsh, servers, labs), on
    # Linux from /proc/self/stat (utime, stime, cutime, cstime in clock ticks of 1/100 s); elsewhere
    # this process's own. The suite runs on 2 cores, so CPU is its budget, not wall time alone.
    if (Test-Path /proc/self/stat) {
        $fields = ([IO.File]::ReadAllText('/proc/self/stat') -replace '^.*\) ', '') -split ' '
        return ([long]$fields[11] + [long]$fields[12] + [long]$fields[13] + [long]$fields[14]) / 100.0
    }
    [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds
}
while ($true) {
    $file = $null
    foreach ($todo in [IO.Directory]::GetFiles($QueuePath, '*.todo') | Sort-Object) {
        $claimed = [IO.Path]::ChangeExtension($todo, ".$PID")
        try { [IO.File]::Move($todo, $claimed) } catch [IO.IOException] { continue }   # another worker took it
        $file = [IO.File]::ReadAllText($claimed).Trim()
        break
    }
    if (-not $file) { break }
    [Console]::Out.WriteLine("##PESTER-START## $file")
    $config = New-PesterConfiguration
    $config.Run.Path = $file
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    if ($tagList.Count -gt 0) { $config.Filter.Tag = $tagList }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $cpu = Get-CpuSeconds
    $run = Invoke-Pester -Configuration $config
    $result = @{
        Path = $file; Seconds = [math]::Round($clock.Elapsed.TotalSeconds, 1); CpuSeconds = [math]::Round((Get-CpuSeconds) - $cpu, 1)
        Passed = $run.PassedCount; Failed = $run.FailedCount + $run.FailedBlocksCount + $run.FailedContainersCount; Skipped = $run.SkippedCount
        # Each failure's name and the first line of its error, for the run's closing recap.
        Failures = @(foreach ($f in @($run.Failed) + @($run.FailedBlocks) + @($run.FailedContainers)) {
                if (-not $f) { continue }
                $why = if ($f.ErrorRecord) { "$($f.ErrorRecord[0].Exception.Message)" -split "`n" | Select-Object -First 1 } else { '' }
                $name = if ($f.ExpandedPath) { $f.ExpandedPath } elseif ($f.Name) { $f.Name } else { "$($f.Item)" }
                "$name`: $why"
            })
    }
    [Console]::Out.WriteLine('##PESTER-RESULT## ' + ($result | ConvertTo-Json -Compress))
    [Console]::Out.Flush()
}
