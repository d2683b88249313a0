<#
.SYNOPSIS
    The corpus table: per runtime, how many lines the log patterns recognise, explain with the right error(s), and name
    the runtime of. Read-only; for the report and for before/after comparisons (the pass/fail is ClientCorpusTests).
.EXAMPLE
    ./tests/corpus/Measure-ClientCorpus.ps1 -EngineDll tests/SocketProbe.Engine.Tests/bin/Release/net8.0/SocketProbe.Engine.dll
#>
param(
    [Parameter(Mandatory)] [string] $EngineDll,
    [string[]] $Path = @("$PSScriptRoot/client-lines.tsv", "$PSScriptRoot/source-lines.tsv"),
    [switch] $Wrong
)
$ErrorActionPreference = 'Stop'
Add-Type -Path (Resolve-Path $EngineDll)
$rows = foreach ($file in $Path) {
    Get-Content $file | Where-Object { $_ -notmatch '^#' } | ConvertFrom-Csv -Delimiter "`t" | ForEach-Object {
        $_ | Add-Member -NotePropertyName File -NotePropertyValue (Split-Path -Leaf $file) -PassThru
    }
}
$checked = foreach ($r in $rows) {
    $matches = [SocketProbe.Engine.Errors.LogPatterns]::Match($r.line)
    $answered = @($matches | ForEach-Object { $_.Entry.Key } | Sort-Object -Unique)
    $expected = @(if ($r.keys -ne '-') { $r.keys -split '\+' | Sort-Object -Unique })
    $says = $r.keys -ne '-'
    [pscustomobject]@{
        Runtime    = $r.runtime
        Source     = if ($r.version -eq 'from source') { 'source' } else { 'real' }
        Says       = $says
        Recognised = $answered.Count -gt 0
        Right      = (($answered -join '+') -eq ($expected -join '+'))
        Named      = (-not $says) -or $r.runtime -eq '' -or ($matches.Count -gt 0 -and $matches[0].Pattern.Runtime -like "*$($r.runtime)*")
        Line       = $r.line
        Answered   = $answered -join '+'
        Expected   = $expected -join '+'
    }
}
if ($Wrong) { return $checked | Where-Object { -not ($_.Right -and $_.Named) } }
$checked | Group-Object Runtime, Source | ForEach-Object {
    $g = $_.Group
    $says = @($g | Where-Object Says)
    [pscustomobject]@{
        Runtime = $g[0].Runtime; Lines = $g.Count; From = $g[0].Source
        'Name an error' = $says.Count
        Recognised = @($says | Where-Object Recognised).Count
        'Right error(s)' = @($g | Where-Object Right).Count
        'Runtime named' = @($says | Where-Object { $_.Named -and $_.Recognised }).Count
        'No false answer' = @($g | Where-Object { -not $_.Says -and -not $_.Recognised }).Count
    }
} | Sort-Object From, Runtime
