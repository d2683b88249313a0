#Requires -Version 7.4
<#
.SYNOPSIS
    Turns the observations a CI run recorded (observations-<OS>.csv, from Get-SocketErrorMatrix -Steps) into the
    rows to write into the scenarios' expectation tables.
.DESCRIPTION
    For every scenario step of every platform file it says what to do with the expectation of that platform:
    - Verified: the run observed what the expectation says. If the expectation's source still reads
      "documented, not verified", replace that with "observed on <Platform>" (the Platform column, e.g.
      "Windows 10.0.20348"), keeping the documentation it cites.
    - Differs: the run observed something else. Do not change the expectation to match blindly: check the cited
      source, rerun, and if the platform really does this, write what was observed with "observed on <Platform>"
      and say in the Note why the documentation differs.
    - Skipped: the scenario could not run there (the Note says why): nothing to verify.
    - NoExpectation: a socket call no expectation covers: consider adding one.
    Only real observations become verified rows: a row is never verified from another row or from the expectation.
.PARAMETER Path
    The observations-*.csv files (downloaded artifacts of the CI workflow).
.EXAMPLE
    ./build/Get-VerifiedRow.ps1 -Path ./artifacts/*/observations-*.csv | Where-Object Verdict -NE Verified | Format-Table
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [SupportsWildcards()]
    [string[]] $Path
)

$ErrorActionPreference = 'Stop'
$files = @(Resolve-Path -Path $Path | ForEach-Object ProviderPath)
if ($files.Count -eq 0) { throw "no observation files match $($Path -join ', ')" }

foreach ($file in $files) {
    foreach ($row in Import-Csv -LiteralPath $file) {
        $verdict = if ($row.Observed -eq 'Skipped') { 'Skipped' }
        elseif ([string]::IsNullOrEmpty($row.Expected)) { 'NoExpectation' }
        elseif ($row.Matches -eq 'True') { 'Verified' }
        else { 'Differs' }
        $unverified = "$($row.Source)" -match 'documented, not verified'
        [pscustomobject]@{
            Platform  = $row.Platform
            Scenario  = $row.Scenario
            Family    = $row.AddressFamily
            Step      = [int]$row.Step
            Actor     = $row.Actor
            Operation = $row.Operation
            Observed  = $row.Observed
            Expected  = $row.Expected
            Verdict   = $verdict
            Source    = $row.Source
            Action    = switch ($verdict) {
                'Verified' { if ($unverified) { "mark verified: 'documented, not verified' -> 'observed on $($row.Platform)'" } else { 'none (already observed)' } }
                'Differs' { "check the source, rerun; if real, write '$($row.Observed)' with 'observed on $($row.Platform)'" }
                'Skipped' { "none: $($row.Note)" }
                default { 'consider an expectation for this call' }
            }
            File      = $file
        }
    }
}
