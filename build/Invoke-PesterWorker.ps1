<#
.SYNOPSIS
    One of build.ps1's Pester workers: runs the test files it is handed on stdin, one at a time.
.DESCRIPTION
    build.ps1 -Task Test starts a few of these side by side (most tests wait on kernel timers, not
    on a core) and hands each the next file as it finishes one. For every file the worker writes
    Pester's own output, then one line "##PESTER-RESULT## {json}" with the file's counts. An empty
    line or the end of stdin ends the worker.
#>
param([Parameter(Mandatory)][string] $PesterPath, [string] $Tags = '')
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$tagList = [string[]]@($Tags -split "`n" | Where-Object { $_ })
while ($file = [Console]::In.ReadLine()) {
    $config = New-PesterConfiguration
    $config.Run.Path = $file
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    if ($tagList.Count -gt 0) { $config.Filter.Tag = $tagList }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $run = Invoke-Pester -Configuration $config
    $result = @{
        Path = $file; Seconds = [math]::Round($clock.Elapsed.TotalSeconds, 1)
        Passed = $run.PassedCount; Failed = $run.FailedCount + $run.FailedBlocksCount + $run.FailedContainersCount; Skipped = $run.SkippedCount
    }
    [Console]::Out.WriteLine('##PESTER-RESULT## ' + ($result | ConvertTo-Json -Compress))
    [Console]::Out.Flush()
}
