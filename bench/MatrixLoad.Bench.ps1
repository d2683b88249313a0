#Requires -Version 7.4
<#
.SYNOPSIS
    Several full matrices at once: which rows stop matching under load, and why.
.DESCRIPTION
    Issue 23 item 14: under 5-6 matrices at once, PeerHostCrashKeepalive step 3 fell outside its time
    window and ServerIdleClose step 4 read ECONNRESET where EOF was expected. Each of -Rounds rounds
    starts -Concurrent PowerShells side by side, each running Get-SocketErrorMatrix -AddressFamily Any
    once; every row that does not match is kept (scenario, family, step, observed, expected,
    ElapsedMs, note), with the ElapsedMs of PeerHostCrashKeepalive step 3 and the reads of
    ServerIdleClose step 4 whatever they gave. -ModulePath measures another build (a copy of bin/
    from before a change). Prints a JSON summary; -OutJson keeps every row kept.
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 20)][int] $Rounds = 5,
    [ValidateRange(1, 8)][int] $Concurrent = 4,
    [string] $ModulePath,
    [string] $OutJson
)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
if (-not $ModulePath) { $ModulePath = $Manifest }
$pwsh, $pwshArgs = Get-PwshCommand

$child = @'
param($ModulePath, $OutFile)
Import-Module $ModulePath
# Beside the matrix, ServerIdleClose again and again (bounded), each run's client state after the
# server's close and the read's result: does the read give ECONNRESET only when the FIN came late?
$side = [PowerShell]::Create()
$null = $side.AddScript({
        param($ModulePath)
        Import-Module $ModulePath
        for ($i = 0; $i -lt 200; $i++) {
            foreach ($family in 'IPv4', 'IPv6') {
                $o = @(Invoke-SocketScenario ServerIdleClose -AddressFamily $family)
                [pscustomobject]@{
                    Family = $family
                    AfterClose = ($o | Where-Object Step -EQ 2).TcpState
                    AfterWrite = ($o | Where-Object Step -EQ 3).TcpState
                    Read = (($o | Where-Object Step -EQ 4) | ForEach-Object { "$($_.Result) $($_.ErrnoName)".Trim() })
                    Matches = -not @($o | Where-Object Matches -EQ $false)
                }
            }
            if ($stop.IsSet) { break }
        }
    }).AddArgument($ModulePath)
$stop = [Threading.ManualResetEventSlim]::new($false)
$side.Runspace = [runspacefactory]::CreateRunspace(); $side.Runspace.Open(); $side.Runspace.SessionStateProxy.SetVariable('stop', $stop)
$sideRun = $side.BeginInvoke()
$rows = @(Get-SocketErrorMatrix -AddressFamily Any -ErrorVariable errs -ErrorAction SilentlyContinue)
$stop.Set()
$idleRuns = @($side.EndInvoke($sideRun))
$side.Dispose()
$keep = @($rows | Where-Object {
        $_.Matches -eq $false -or
        ($_.Scenario -eq 'PeerHostCrashKeepalive' -and $_.Step -eq 3) -or
        ($_.Scenario -eq 'ServerIdleClose' -and $_.Step -eq 4)
    } | Select-Object Scenario, AddressFamily, Step, Operation, Observed, Result, ErrnoName, Expected, Matches, ElapsedMs, Note)
[ordered]@{ Rows = $rows.Count; Kept = $keep; IdleRuns = $idleRuns; Errors = @($errs | ForEach-Object { "$_" }) } | ConvertTo-Json -Depth 4 | Set-Content $OutFile
'@
$script = Join-Path ([IO.Path]::GetTempPath()) "socketprobe-matrixload-$PID.ps1"
Set-Content -Path $script -Value $child

$all = [Collections.Generic.List[object]]::new()
$clock = [Diagnostics.Stopwatch]::StartNew()
try {
    for ($round = 1; $round -le $Rounds; $round++) {
        $runs = for ($i = 1; $i -le $Concurrent; $i++) {
            $out = Join-Path ([IO.Path]::GetTempPath()) "socketprobe-matrixload-$PID-$round-$i.json"
            $p = Start-Process -FilePath $pwsh -ArgumentList (@($pwshArgs) + @('-NoProfile', '-NonInteractive', '-File', $script, $ModulePath, $out)) -PassThru
            [pscustomobject]@{ Process = $p; Out = $out; Matrix = $i }
        }
        foreach ($r in $runs) {
            # Bounded: a matrix that hangs is killed and counted as such.
            if (-not $r.Process.WaitForExit(300000)) { $r.Process.Kill($true); $null = $r.Process.WaitForExit(5000) }
            $report = if (Test-Path $r.Out) { Get-Content -Raw $r.Out | ConvertFrom-Json } else { $null }
            Remove-Item $r.Out -ErrorAction Ignore
            $all.Add([pscustomobject]@{ Round = $round; Matrix = $r.Matrix; Report = $report; Load = Get-LoadAverage })
        }
        Write-Host ("round {0}: done at {1:N0} s, load {2}" -f $round, $clock.Elapsed.TotalSeconds, (Get-LoadAverage))
    }
}
finally { Remove-Item $script -ErrorAction Ignore }

$kept = @(foreach ($m in $all) { foreach ($k in @($m.Report.Kept)) { if ($k) { $k | Add-Member -PassThru Round $m.Round } } })
$keepalive = @($kept | Where-Object { $_.Scenario -eq 'PeerHostCrashKeepalive' -and $_.Step -eq 3 })
$idleRead = @($kept | Where-Object { $_.Scenario -eq 'ServerIdleClose' -and $_.Step -eq 4 })
$idleRuns = @(foreach ($m in $all) { @($m.Report.IdleRuns) | Where-Object { $_ } })
$summary = [ordered]@{
    Module         = $ModulePath
    Matrices       = $all.Count
    Missing        = @($all | Where-Object { -not $_.Report }).Count
    Errors         = @($all | ForEach-Object { @($_.Report.Errors) } | Where-Object { $_ })
    Seconds        = [math]::Round($clock.Elapsed.TotalSeconds)
    Mismatches     = @($kept | Where-Object Matches -EQ $false | Group-Object { "$($_.Scenario) ($($_.AddressFamily)) #$($_.Step) $($_.Observed)$($_.Result) $($_.ErrnoName)" } |
            Sort-Object Count -Descending | ForEach-Object { "$($_.Count) x $($_.Name)" })
    KeepaliveStep3 = "$(@($keepalive | Where-Object Matches -EQ $false).Count) of $($keepalive.Count) outside; ElapsedMs " +
        (($keepalive | Sort-Object ElapsedMs | ForEach-Object { '{0:F0}' -f $_.ElapsedMs }) -join ' ')
    IdleCloseRead  = "$(@($idleRead | Where-Object Matches -EQ $false).Count) of $($idleRead.Count) differ: " +
        (($idleRead | Group-Object { "$($_.Result) $($_.ErrnoName)".Trim() } | ForEach-Object { "$($_.Count) x $($_.Name)" }) -join ', ')
    # Beside the matrices: the read's result by the client's state right after the server's close.
    IdleCloseBeside = @($idleRuns | Group-Object { "client $($_.AfterClose) after the close, $($_.AfterWrite) after the write: read $($_.Read)" } |
            Sort-Object Count -Descending | ForEach-Object { "$($_.Count) x $($_.Name)" })
    IdleCloseBesideDiffer = "$(@($idleRuns | Where-Object { -not $_.Matches }).Count) of $($idleRuns.Count) runs"
}
if ($OutJson) { [ordered]@{ Summary = $summary; Kept = $kept } | ConvertTo-Json -Depth 5 | Set-Content $OutJson }
$summary | ConvertTo-Json -Depth 3
