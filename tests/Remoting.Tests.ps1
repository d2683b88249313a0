# PowerShell remoting over SSH to this machine: a real sshd (started by the test on 127.0.0.1, a free port, with a
# config, host key and client key the test makes in a temp directory; the PowerShell subsystem runs this clone's
# PowerShell through a small wrapper), a probe and a scenario run remotely with Invoke-Command, and the
# deserialized results checked: properties, PSComputerName, default views. Everything is stopped and removed after.
BeforeDiscovery {
    $script:SshSkip = if (-not ($IsLinux -or $IsMacOS)) { 'the SSH remoting test starts an OpenSSH sshd, which it does on Linux and macOS' }
    elseif (-not (Test-Path '/usr/sbin/sshd')) { 'no /usr/sbin/sshd (apt-get install openssh-server; .ci/run does)' }
    elseif (-not (Get-Command ssh, ssh-keygen -CommandType Application -ErrorAction Ignore)) { 'no ssh or ssh-keygen client' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    if ($SshSkip) { return }

    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("socketprobe-ssh-" + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory -Path $Dir | Out-Null
    & chmod 700 $Dir

    # Keys made here, for this run only.
    & ssh-keygen -q -t ed25519 -N '' -C socketprobe-test-host -f (Join-Path $Dir 'host_ed25519')
    & ssh-keygen -q -t ed25519 -N '' -C socketprobe-test-client -f (Join-Path $Dir 'client_ed25519')
    Copy-Item (Join-Path $Dir 'client_ed25519.pub') (Join-Path $Dir 'authorized_keys')

    # `dotnet pwsh` is a .NET local tool: the subsystem runs the muxer with this PowerShell's pwsh.dll (or pwsh itself).
    $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $pwshLine = if ((Split-Path -Leaf $exe) -like 'dotnet*') { "'$exe' '$(Join-Path $PSHOME 'pwsh.dll')'" } else { "'$exe'" }
    $wrapper = Join-Path $Dir 'pwsh-subsystem.sh'
    Set-Content -Path $wrapper -Value "#!/bin/sh`nexec $pwshLine -sshs -NoLogo -NoProfile"
    & chmod 755 $wrapper

    $script:Port = Get-ClosedLoopbackPort
    $script:User = [Environment]::UserName
    $config = Join-Path $Dir 'sshd_config'
    Set-Content -Path $config -Value @(
        "Port $Port"
        'ListenAddress 127.0.0.1'
        "HostKey $(Join-Path $Dir 'host_ed25519')"
        "PidFile $(Join-Path $Dir 'sshd.pid')"
        "AuthorizedKeysFile $(Join-Path $Dir 'authorized_keys')"
        'PubkeyAuthentication yes'
        'PasswordAuthentication no'
        'KbdInteractiveAuthentication no'
        'PermitRootLogin prohibit-password'
        'UsePAM no'
        # The temp directory sits under the world-writable /tmp, which StrictModes would refuse.
        'StrictModes no'
        "AllowUsers $User"
        "Subsystem powershell $wrapper"
        'LogLevel VERBOSE'
    )

    # sshd running as root wants its privilege-separation directory (a packaged sshd's init creates it).
    $script:MadeRunSshd = $false
    if ((& id -u) -eq '0' -and -not (Test-Path /run/sshd)) { New-Item -ItemType Directory /run/sshd | Out-Null; $script:MadeRunSshd = $true }

    $start = [Diagnostics.ProcessStartInfo]::new('/usr/sbin/sshd')
    foreach ($a in '-D', '-f', $config, '-E', (Join-Path $Dir 'sshd.log')) { $start.ArgumentList.Add($a) }
    $start.UseShellExecute = $false
    $script:Sshd = [Diagnostics.Process]::Start($start)

    # Wait (bounded) until it listens.
    $ready = $false
    for ($i = 0; $i -lt 100 -and -not $ready -and -not $Sshd.HasExited; $i++) {
        $probe = [Net.Sockets.TcpClient]::new()
        try { $probe.Connect([Net.IPAddress]::Loopback, $Port); $ready = $true } catch { Start-Sleep -Milliseconds 100 } finally { $probe.Dispose() }
    }
    if (-not $ready) { throw "sshd did not listen on 127.0.0.1:$Port`n$(Get-Content -Raw -ErrorAction Ignore (Join-Path $Dir 'sshd.log'))" }

    $script:Session = New-PSSession -HostName 127.0.0.1 -Port $Port -UserName $User -KeyFilePath (Join-Path $Dir 'client_ed25519') `
        -ConnectingTimeout 30000 -Options @{
            StrictHostKeyChecking = 'no'; UserKnownHostsFile = (Join-Path $Dir 'known_hosts'); IdentitiesOnly = 'yes'; BatchMode = 'yes'
        }
    $script:Manifest = Join-Path $RepoRoot 'SocketProbe.psd1'
    $script:Closed = Get-ClosedLoopbackPort
    Invoke-Command -Session $Session -ScriptBlock { param($m) Import-Module $m } -ArgumentList $Manifest
}

AfterAll {
    if ($script:Session) { Remove-PSSession $Session -ErrorAction Ignore }
    if ($script:Sshd -and -not $Sshd.HasExited) {
        $Sshd.Kill($true)
        $null = $Sshd.WaitForExit(10000)
    }
    if ($script:Dir) {
        # No process of this run may outlive it (the subsystem PowerShell ends with its connection).
        for ($i = 0; $i -lt 50; $i++) {
            $left = @(Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -Match '^\d+$' | Where-Object {
                    try { ([IO.File]::ReadAllText("$($_.FullName)/cmdline")).Contains($Dir) } catch { $false } })
            if ($left.Count -eq 0) { break }
            Start-Sleep -Milliseconds 100
        }
        Remove-Item -Recurse -Force $Dir -ErrorAction Ignore
    }
    if ($script:MadeRunSshd) { Remove-Item /run/sshd -ErrorAction Ignore }
}

Describe 'SocketProbe over PowerShell remoting (SSH to localhost)' -Skip:([bool]$SshSkip) {
    It 'runs a probe remotely; results come back deserialized with their properties and PSComputerName' {
        $rows = @(Invoke-Command -Session $Session -ScriptBlock { param($p) Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $p -Count 2 } -ArgumentList $Closed)
        $rows.Count | Should -Be 2
        $rows[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.SocketProbe.Engine.Probe.ProbeResult'
        $rows.PSComputerName | Sort-Object -Unique | Should -Be '127.0.0.1'
        "$($rows[0].Outcome)" | Should -Be 'Refused'
        $rows[0].Reason | Should -Be 'conn-refused'
        $rows[0].Port | Should -Be $Closed
        $rows.Sequence | Should -Be @(1, 2)
        $rows[0].ErrnoName | Should -Be 'ECONNREFUSED'
        $rows[0].ConnectMs | Should -BeOfType [double]
        # Deserialized results explain like live ones (by their ErrnoName), with the probed endpoint in the next step.
        ($rows[0] | Get-SocketErrorInfo -Platform Linux).NextStep | Should -Match "-ComputerName '127\.0\.0\.1' -Port $Closed"
    }

    It 'runs a scenario remotely; observations keep their fields and their default view' {
        $remote = @(Invoke-Command -Session $Session -ScriptBlock { Invoke-SocketScenario -Name PeerAbort })
        $local = @(Invoke-SocketScenario -Name PeerAbort)
        $remote[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.SocketProbe.Engine.Observation'
        $remote.PSComputerName | Sort-Object -Unique | Should -Be '127.0.0.1'
        ($remote | ForEach-Object { "$($_.Step) $($_.Actor) $($_.Operation) $($_.Result) $($_.ErrnoName) $($_.Matches)" }) |
            Should -Be ($local | ForEach-Object { "$($_.Step) $($_.Actor) $($_.Operation) $($_.Result) $($_.ErrnoName) $($_.Matches)" })
        $remote[0].Platform | Should -Be $local[0].Platform
        # Same view, same columns: only the timings differ (and the host-wide counters row, which other traffic moves).
        $mask = { param($t) $t -replace '\d+[.,]\d+', 'N' -replace ' +', ' ' }
        $calls = { process { if ($_.Actor -ne 'Kernel') { $_ } } }
        (& $mask ($remote | & $calls | Out-String -Width 80)) | Should -Be (& $mask ($local | & $calls | Out-String -Width 80))
    }

    It 'gives the matrix steps the same view remotely' {
        $remote = @(Invoke-Command -Session $Session -ScriptBlock { Get-SocketErrorMatrix -Scenario HalfClose -Steps })
        $remote[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.SocketProbe.Engine.Matrix.MatrixStep'
        ($remote | Out-String -Width 80) | Should -Match 'Step\s+Actor\s+Operation\s+ElapsedMs\s+Match\s+Observed\s+Expected'
    }

    It 'gives a deserialized probe result the probe view' -Skip:(-not (Get-FormatData -TypeName Deserialized.SocketProbe.Engine.Probe.ProbeResult)) {
        $remote = @(Invoke-Command -Session $Session -ScriptBlock { param($p) Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $p } -ArgumentList $Closed)
        $local = @(Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Closed)
        # The same columns; a remote table adds PSComputerName at the end.
        $header = (($local | Out-String -Width 200) -split "`n")[1].TrimEnd()
        (($remote | Out-String -Width 200) -split "`n")[1] | Should -BeLike "$header*"
    }

    It 'runs the fleet recipe: the same probe from several sessions, compared side by side' {
        # Two sessions stand in for two vantage points (in a fleet: New-PSSession -HostName a, b, c).
        $second = New-PSSession -HostName 127.0.0.1 -Port $Port -UserName $User -KeyFilePath (Join-Path $Dir 'client_ed25519') `
            -ConnectingTimeout 30000 -Options @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = (Join-Path $Dir 'known_hosts'); IdentitiesOnly = 'yes'; BatchMode = 'yes' }
        try {
            Invoke-Command -Session $second -ScriptBlock { param($m) Import-Module $m } -ArgumentList $Manifest
            $rows = @(Invoke-Command -Session $Session, $second -ThrottleLimit 2 -ScriptBlock {
                    param($p) Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $p -Count 2
                } -ArgumentList $Closed)
        }
        finally { Remove-PSSession $second }
        $rows.Count | Should -Be 4
        @($rows.RunspaceId | Sort-Object -Unique).Count | Should -Be 2
        $table = $rows | Group-Object RunspaceId, { "$($_.Outcome)" } -NoElement
        @($table).Count | Should -Be 2
        ($table | ForEach-Object Count) | Should -Be @(2, 2)
        $rows.PSComputerName | Sort-Object -Unique | Should -Be '127.0.0.1'
    }
}
