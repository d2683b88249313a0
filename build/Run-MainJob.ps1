# The main job (README's first command): run the whole scenario catalogue on this machine, side by
# side, and print one line per step, observed next to expected, then the totals.
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../SocketProbe.psd1')

# A scenario whose engine fails is an error record, not the end of the job: collect and count them.
# 6>$null: the count line the host would show now, above the table, is printed once below it instead.
$steps = Get-SocketErrorMatrix -Steps -InformationVariable info -ErrorVariable failures -ErrorAction Continue 6>$null
$order = @{}
Get-SocketScenario | ForEach-Object { $order[$_.Name] = $order.Count }
# Scenarios finish in any order; show them in catalogue order (the MatrixStep view: a Skipped row shows why).
$steps | Sort-Object -Stable { $order[$_.Scenario] }, Step | Out-String -Width 200 | Write-Host

$total = $info.MessageData | Where-Object { $_ -is [SocketProbe.Engine.Matrix.MatrixResult] }
Write-Host "$total"
if ($failures) { exit 1 }
