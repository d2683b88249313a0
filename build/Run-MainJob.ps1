# The main job (README's first command): reproduce the failures on this machine and print what came back.
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../SocketProbe.psd1')
Test-TcpRefused -AddressFamily Any | Format-Table -AutoSize | Out-Host
