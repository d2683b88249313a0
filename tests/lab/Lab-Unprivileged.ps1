# Runs as a user other than root (tests/Get-SocketScenario.Tests.ps1: setpriv --reuid 65534 ... pwsh -File
#   Lab-Unprivileged.ps1 <repo> <out.json>), with unprivileged user namespaces: the lab's namespace is
# then owned by that user, and its /proc/net/nf_conntrack stays root's of the host (unreadable).
# Reports what Get-SocketScenario says of a middlebox scenario and what its lab run gives.
param([string] $RepoRoot, [string] $OutFile)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
$out = [ordered]@{}
$out.Uid = (& id -u)
$out.LabUnavailable = [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable()
$out.WhyNot = (Get-SocketScenario MiddleboxIdleReset).WhyNot
if (-not $out.LabUnavailable) {
    $out.Run = @(Invoke-PeerCrash -Mode MiddleboxReset -ErrorVariable errs -ErrorAction SilentlyContinue |
            Select-Object Step, Operation, Result, ErrnoName, Matches, Note)
    $out.RunErrors = @($errs | ForEach-Object { "$_" })
}
$out | ConvertTo-Json -Depth 4 | Set-Content -Path $OutFile
