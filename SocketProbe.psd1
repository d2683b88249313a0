@{
    RootModule           = 'bin/SocketProbe.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '3f1d6c52-8a0e-4a57-9d43-5b7e1c2f9a61'
    Author               = 'SocketProbe developers'
    CompanyName          = 'SocketProbe'
    Copyright            = '(c) SocketProbe developers. MIT License.'
    Description          = 'Reproduces and diagnoses TCP failures (connection reset by peer, broken pipe, refused, timed out, unreachable) with real sockets, and probes real host:port targets.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('bin/SocketProbe.Format.ps1xml', 'bin/ErrorInfo.Format.ps1xml', 'bin/Probe.Format.ps1xml', 'bin/Matrix.Format.ps1xml', 'bin/Counters.Format.ps1xml')
    CmdletsToExport      = @(
        'Test-TcpRefused'
        'Invoke-PeerCrash'
        'Get-SocketErrorInfo'
        'Test-WriteAfterRst'
        'Invoke-SocketScenario'
        'Get-SocketErrorMatrix'
        'Get-SocketScenario'
        'Get-TcpCounter'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('TCP', 'Socket', 'Network', 'Diagnostics', 'ECONNRESET', 'Linux', 'Windows', 'macOS')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
