#Requires -Version 7.4
<#
.SYNOPSIS
    A socket call's own ElapsedMs: the loopback connects and the calls the kernel ends at once, cold
    and warm, alone and inside the full matrix.
.DESCRIPTION
    DESIGN section 3: ElapsedMs is the call's own time, with no scheduling, queueing or JIT of ours;
    section 8: a refused loopback connect reads < 5 ms in a cold and in a warm full matrix. Each
    round is a fresh PowerShell: the scenario alone twice (cold: the process's first socket call;
    warm: the second run), then Get-SocketErrorMatrix -ThrottleLimit 16 twice (cold: a fresh process's
    first matrix; warm: the second). Reported per call: median and max over -Rounds of ElapsedMs.
    -ModulePath measures another build (e.g. a copy of bin/ from before a change). Writes
    bench/results/call-time.md (or -OutFile).
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 50)][int] $Rounds = 3,
    [string] $ModulePath,
    [string] $OutFile,
    [string] $Label = 'this build'
)

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')   # $ErrorActionPreference Stop, $RepoRoot, $Manifest, the helpers
$machine = Initialize-Bench -NoImport   # each build runs in processes of its own
if (-not $ModulePath) { $ModulePath = $Manifest }
if (-not $OutFile) { $OutFile = Join-Path $ResultsDir 'call-time.md' }

# The calls: loopback connects (the issue's three step-1 connects) and calls the kernel ends at once.
$calls = @(
    @{ Scenario = 'ConnectRefused'; Step = 1; What = 'Connect, refused' }
    @{ Scenario = 'ResetBeforeAccept'; Step = 1; What = 'Connect, accepted' }
    @{ Scenario = 'AcceptThenReset'; Step = 1; What = 'Connect, accepted' }
    @{ Scenario = 'AcceptThenReset'; Step = 2; What = 'Accept' }
    @{ Scenario = 'UdpPortUnreachable'; Step = 3; What = 'Receive, ended by ICMP port unreachable' }
)
$names = @($calls.Scenario | Select-Object -Unique)

# One round in a fresh PowerShell: JSON of (Phase, Scenario, Step, ElapsedMs) for the calls above.
$child = {
    param($ModulePath, $Names, $Wanted)
    $Names = $Names -split ','; $Wanted = $Wanted -split ','
    Import-Module $ModulePath
    $pick = { param($Phase, $Rows) foreach ($r in $Rows) { if ("$($r.Scenario)#$($r.Step)" -in $Wanted -and $r.Actor -in 'Client', 'Peer') { [pscustomobject]@{ Phase = $Phase; Scenario = $r.Scenario; Step = $r.Step; ElapsedMs = $r.ElapsedMs } } } }
    $out = [Collections.Generic.List[object]]::new()
    foreach ($phase in 'alone cold', 'alone warm') {
        foreach ($n in $Names) { $out.AddRange(@(& $pick $phase @(Invoke-SocketScenario -Name $n))) }
    }
    $out | ConvertTo-Json -Compress
}
$matrixChild = {
    param($ModulePath, $Wanted)
    $Wanted = $Wanted -split ','
    $ProgressPreference = 'SilentlyContinue'
    Import-Module $ModulePath
    $pick = { param($Phase, $Rows) foreach ($r in $Rows) { if ("$($r.Scenario)#$($r.Step)" -in $Wanted -and $r.Actor -in 'Client', 'Peer' -and $r.AddressFamily -eq 'IPv4') { [pscustomobject]@{ Phase = $Phase; Scenario = $r.Scenario; Step = $r.Step; ElapsedMs = $r.ElapsedMs } } } }
    $out = [Collections.Generic.List[object]]::new()
    foreach ($phase in 'matrix cold', 'matrix warm') {
        $wall = [Diagnostics.Stopwatch]::StartNew()
        $rows = @(Get-SocketErrorMatrix -ThrottleLimit 16 -InformationAction Ignore)
        $out.Add([pscustomobject]@{ Phase = $phase; Scenario = '(matrix wall)'; Step = 0; ElapsedMs = $wall.Elapsed.TotalMilliseconds })
        $out.AddRange(@(& $pick $phase $rows))
    }
    $out | ConvertTo-Json -Compress
}
$wanted = @($calls | ForEach-Object { "$($_.Scenario)#$($_.Step)" })
$pwsh = Get-PwshCommand

function Invoke-Child([scriptblock] $Block, [object[]] $Arguments) {
    # A fresh process per round: "cold" means the process's first call.
    $quoted = $Arguments | ForEach-Object { "'" + ($_ -replace "'", "''") + "'" }
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes("& { $Block } $($quoted -join ' ')"))
    $text = & $pwsh[0] @($pwsh[1..($pwsh.Length - 1)] | Where-Object { $_ }) -NoProfile -EncodedCommand $encoded
    if ($LASTEXITCODE -ne 0) { throw "child PowerShell failed ($LASTEXITCODE)" }
    $text | ConvertFrom-Json
}

$samples = [Collections.Generic.List[object]]::new()
for ($i = 1; $i -le $Rounds; $i++) {
    Write-Host "round $i of $Rounds"
    foreach ($s in Invoke-Child $child @($ModulePath, ($names -join ','), ($wanted -join ','))) { $samples.Add($s) }
    foreach ($s in Invoke-Child $matrixChild @($ModulePath, ($wanted -join ','))) { $samples.Add($s) }
}

$phases = 'alone cold', 'alone warm', 'matrix cold', 'matrix warm'
$lines = [Collections.Generic.List[string]]::new()
$lines.Add("| call | $(($phases | ForEach-Object { "$_ median / max" }) -join ' | ') |")
$lines.Add("|---|$(($phases | ForEach-Object { '---:' }) -join '|')|")
foreach ($c in $calls + @(@{ Scenario = '(matrix wall)'; Step = 0; What = 'Get-SocketErrorMatrix -ThrottleLimit 16, whole' })) {
    $cells = foreach ($p in $phases) {
        $v = @($samples | Where-Object { $_.Phase -eq $p -and $_.Scenario -eq $c.Scenario -and $_.Step -eq $c.Step -and $null -ne $_.ElapsedMs } | ForEach-Object { [double]$_.ElapsedMs })
        if ($v.Count -eq 0) { '' } else { $st = Get-Stats $v; "$(Format-Ms $st.Median) / $(Format-Ms $st.Max)" }
    }
    $lines.Add("| $($c.Scenario) step $($c.Step) ($($c.What)) | $($cells -join ' | ') |")
}

$body = @(
    "# A socket call's own time ($Label)"
    ''
    ($machine.GetEnumerator() | ForEach-Object { "- $($_.Key): $($_.Value)" })
    "- Load average at end: $(Get-LoadAverage)"
    "- Rounds: $Rounds fresh PowerShell processes each for the scenarios alone and for the matrix (IPv4 rows)"
    ''
    'ElapsedMs in ms, median / max over the rounds. Cold: the first run in a fresh process; warm: the second.'
    ''
    $lines
)
Set-Content -Path $OutFile -Value $body -Encoding utf8NoBOM
Write-Host "wrote $OutFile"
