@{
    RootModule           = 'SocketProbe.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '3f1d6c52-8a0e-4a57-9d43-5b7e1c2f9a61'
    Author               = 'SocketProbe developers'
    CompanyName          = 'SocketProbe'
    Copyright            = '(c) SocketProbe developers. MIT License.'
    Description          = 'Reproduces and diagnoses TCP failures (connection reset by peer, broken pipe, refused, timed out, unreachable) with real sockets, and probes real host:port targets.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('bin/SocketProbe.Format.ps1xml', 'bin/ErrorInfo.Format.ps1xml', 'bin/Probe.Format.ps1xml', 'bin/Matrix.Format.ps1xml', 'bin/Watch.Format.ps1xml', 'bin/Counters.Format.ps1xml', 'bin/LogScan.Format.ps1xml', 'bin/Capture.Format.ps1xml')
    # Every cmdlet the assembly has. build.ps1 -Task Package writes them by name into the published manifest.
    CmdletsToExport      = '*'
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('TCP', 'Socket', 'Network', 'Networking', 'Diagnostics', 'Troubleshooting', 'ECONNRESET', 'EPIPE',
                'ConnectionReset', 'BrokenPipe', 'Probe', 'Linux', 'Windows', 'MacOS', 'PSEdition_Core')
            ProjectUri   = 'https://github.com/socketprobe/SocketProbe'
            LicenseUri   = 'https://github.com/socketprobe/SocketProbe/blob/main/LICENSE'
            ReleaseNotes = 'See CHANGELOG.md (https://github.com/socketprobe/SocketProbe/blob/main/CHANGELOG.md). 0.1.0: scenarios for every classic TCP failure with real sockets, a peer process and a Linux namespace lab; Test-TcpRefused probes; Get-SocketErrorMatrix; Get-SocketErrorInfo explains errno, WSA and SocketError codes and whole log lines of many runtimes; the module loads in an assembly load context of its own.'
        }
    }
}
