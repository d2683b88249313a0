# Runs in a mount namespace of its own (tests/Get-SocketScenario.Tests.ps1: unshare --map-root-user --mount
#   --propagation private ... pwsh -File Lab-ReadOnlySysctl.ps1 <repo> <out.json>), where it makes /proc/sys
# read-only as a container does (a read-only bind mount over itself); the caller's /proc/sys stays as it is.
# Reports what Get-SocketScenario says of a lab scenario, and what a lab run of it gives: once as the lab
# check finds it, once with a check that passes (a fake unshare answers it), so that the lab itself meets
# the read-only /proc/sys.
param([string] $RepoRoot, [string] $OutFile)
$ErrorActionPreference = 'Stop'
$out = [ordered]@{}
& mount --bind /proc/sys /proc/sys 2>&1 | Out-Null
if ($LASTEXITCODE -eq 0) { & mount -o remount,ro,bind /proc/sys 2>&1 | Out-Null }
$out.ReadOnly = [bool]((Get-Content /proc/self/mountinfo) -match '^\S+ \S+ \S+ \S+ /proc/sys ro[, ]')
if (-not $out.ReadOnly) { $out | ConvertTo-Json | Set-Content -Path $OutFile; return }

Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
$pick = { param($rows) @($rows | Select-Object Step, Operation, Result, Note) }
$out.WhyNot = (Get-SocketScenario PeerReboot).WhyNot
$out.Run = & $pick (Invoke-PeerCrash -Mode Reboot -ErrorVariable errs -ErrorAction SilentlyContinue)
$out.RunErrors = @($errs | ForEach-Object { "$_" })

# The check passes (this unshare answers it with success); the lab runs with the real one.
$tools = Join-Path ([IO.Path]::GetTempPath()) "socketprobe-ro-$PID"
New-Item -ItemType Directory -Path $tools -Force | Out-Null
try {
    $unshare = [SocketProbe.Engine.Lab.LabEnvironment]::FindTool('unshare')
    Set-Content -Path (Join-Path $tools 'unshare') -Value "#!/bin/sh`ncase `"`$*`" in *$([SocketProbe.Engine.Lab.LabEnvironment]::CheckName)*) exit 0;; esac`nexec '$unshare' `"`$@`""
    & chmod +x (Join-Path $tools 'unshare')
    foreach ($t in 'ip', 'nft', 'setpriv') {
        if ($real = [SocketProbe.Engine.Lab.LabEnvironment]::FindTool($t)) { New-Item -ItemType SymbolicLink -Path (Join-Path $tools $t) -Target $real | Out-Null }
    }
    $env:SOCKETPROBE_LAB_PATH = $tools
    $out.CheckPassed = $null -eq [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()
    $out.LabRun = & $pick (Invoke-PeerCrash -Mode Reboot -ErrorVariable errs -ErrorAction SilentlyContinue)
    $out.LabRunErrors = @($errs | ForEach-Object { "$_" })
}
finally {
    Remove-Item Env:SOCKETPROBE_LAB_PATH -ErrorAction Ignore
    Remove-Item -Recurse -Force $tools
}
$out | ConvertTo-Json -Depth 4 | Set-Content -Path $OutFile
