# Shared by bench/*.Bench.ps1 (dot-sourced; not a benchmark itself): machine facts, statistics,
# the kernel-timer floor of each scenario, and the markdown writer for bench/results/.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$script:RepoRoot = Split-Path -Parent $PSScriptRoot
$script:Manifest = Join-Path $script:RepoRoot 'SocketProbe.psd1'
$script:ResultsDir = Join-Path $PSScriptRoot 'results'

function Get-PwshCommand {
    # This PowerShell as a command line: pwsh itself, or the dotnet muxer with pwsh.dll (local tool).
    $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $arguments = [string[]]@(if ((Split-Path -Leaf $exe) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })
    , $exe + , $arguments
}

function Get-LoadAverage {
    # 1-minute load average: other work on the machine skews timings; the tables say how busy it was.
    if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0] } else { 'n/a' }
}

function Get-BenchMachine {
    # The facts a reader needs to compare tables from two machines.
    $manifest = Import-PowerShellDataFile (Join-Path $script:RepoRoot 'SocketProbe.psd1')
    $cpu = if (Test-Path /proc/cpuinfo) {
        (Select-String -Path /proc/cpuinfo -Pattern '^model name\s*:\s*(.+)$' | Select-Object -First 1).Matches.Groups[1].Value
    }
    $commit = try { (& git -C $script:RepoRoot rev-parse --short HEAD 2>$null) } catch { $null }
    [ordered]@{
        Date       = [DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm') + ' UTC'
        OS         = [Runtime.InteropServices.RuntimeInformation]::OSDescription
        Kernel     = if ($IsLinux) { (Get-Content /proc/sys/kernel/osrelease) } else { [Environment]::OSVersion.VersionString }
        CPU        = if ($cpu) { $cpu } else { 'unknown' }
        Cores      = [Environment]::ProcessorCount
        '.NET'     = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
        PowerShell = $PSVersionTable.PSVersion.ToString()
        SocketProbe = "$($manifest.ModuleVersion) ($commit)"
        'Load average at start' = Get-LoadAverage
    }
}

function Initialize-Bench {
    # A bench's start, after dot-sourcing this file: the module from this clone imported (unless -NoImport: a
    # bench that times the import itself), and the machine's facts for its table.
    param([switch] $NoImport)
    if (-not $NoImport) { Import-Module $script:Manifest -Global }
    Get-BenchMachine
}

function Get-Stats {
    # Median and p95 (nearest rank) of a list of numbers.
    param([double[]] $Values)
    $sorted = [double[]]@($Values | Sort-Object)
    $n = $sorted.Length
    if ($n -eq 0) { return [pscustomobject]@{ N = 0; Min = [double]::NaN; Median = [double]::NaN; P95 = [double]::NaN; Max = [double]::NaN } }
    $median = if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    $p95 = $sorted[[Math]::Max(0, [Math]::Ceiling(0.95 * $n) - 1)]
    [pscustomobject]@{ N = $n; Min = $sorted[0]; Median = $median; P95 = $p95; Max = $sorted[$n - 1] }
}

function Format-Ms {
    param([double] $Ms)
    if ([double]::IsNaN($Ms)) { 'n/a' } elseif ([Math]::Abs($Ms) -ge 100) { '{0:N0}' -f $Ms } else { '{0:N1}' -f $Ms }
}

function Get-ScenarioKind {
    # in-process: both ends in this process; peer: a SocketProbe.Peer process (seen in a run's
    # Verbose log: "Peer process N ... ready"); lab: a namespace lab.
    param([SocketProbe.Engine.Scenario] $Scenario, [bool] $PeerSeen)
    if ($Scenario.NeedsLab) { 'lab' }
    elseif ($PeerSeen -or $Scenario -is [SocketProbe.Engine.Scenarios.PeerCrashScenario]) { 'peer' }
    else { 'in-process' }
}

function Get-OverheadTarget {
    # DESIGN.md section 8: overhead beyond the kernel timer < 20 ms in-process, < 150 ms with a peer or lab.
    param([string] $Kind)
    if ($Kind -eq 'in-process') { 20 } else { 150 }
}

function Get-ScenarioFloor {
    <#
    The kernel timer (or our own wait) a scenario must sit out, from the request's own values: the
    shortest wall time any implementation could have. Loopback and immediate-error scenarios wait for
    no timer: floor 0. Which timer a scenario waits for is read from its steps (src/.../Scenarios).
    #>
    param([SocketProbe.Engine.Scenario] $Scenario, [SocketProbe.Engine.ScenarioRequest] $Request)
    $action = if ($Request.ClientAction -eq 'Default') { $Scenario.ClientActions[0] } else { $Request.ClientAction }
    switch ($Scenario.Name) {
        { $_ -in 'ConnectTimeout', 'AcceptQueueFull' } {
            # SYN, then TCP_SYNCNT retransmits with the RTO doubling from TCP_TIMEOUT_INIT (1 s):
            # give-up after (2^(n+1) - 1) s (tcp_model_timeout() in net/ipv4/tcp_timer.c).
            $n = $Request.SynRetries
            return [pscustomobject]@{ Ms = ((2 -shl $n) - 1) * 1000.0; Timer = "TCP_SYNCNT $n (RTO 1 s, doubling)" }
        }
        'PeerHostCrash' {
            if ($action -eq 'Idle') { return [pscustomobject]@{ Ms = [double]$Request.IdleWaitMs; Timer = "idle wait $($Request.IdleWaitMs) ms (our bound)" } }
            return [pscustomobject]@{ Ms = [double]$Request.UserTimeoutMs; Timer = "TCP_USER_TIMEOUT $($Request.UserTimeoutMs) ms" }
        }
        'IcmpUnreachableEstablished' {
            return [pscustomobject]@{ Ms = [double]$Request.UserTimeoutMs; Timer = "TCP_USER_TIMEOUT $($Request.UserTimeoutMs) ms" }
        }
        'PeerHostCrashKeepalive' {
            # First probe after TCP_KEEPIDLE, then one every TCP_KEEPINTVL; TCP_KEEPCNT unanswered ends it.
            $idle = $Request.KeepAliveIdleSeconds; $intvl = $Request.KeepAliveIntervalSeconds; $cnt = $Request.KeepAliveCount
            return [pscustomobject]@{ Ms = ($idle + $intvl * $cnt) * 1000.0; Timer = "keepalive ${idle} s + ${intvl} s x $cnt" }
        }
        default { return [pscustomobject]@{ Ms = 0.0; Timer = 'none' } }
    }
}

function Write-BenchResult {
    <#
    Write bench/results/<Name>.md: a title, the machine, then sections (a heading, lines of text
    and/or a table from objects). Returns the path.
    #>
    param(
        [Parameter(Mandatory)][string] $Name,
        [Parameter(Mandatory)][string] $Title,
        [Parameter(Mandatory)] $Machine,
        [Parameter(Mandatory)][object[]] $Sections
    )
    $md = [Text.StringBuilder]::new()
    $null = $md.AppendLine("# $Title").AppendLine()
    $null = $md.AppendLine("Written by ``bench/$Name.Bench.ps1`` (``./build.ps1 -Task Bench``). Times in milliseconds.").AppendLine()
    $null = $md.AppendLine('| machine | |').AppendLine('|---|---|')
    foreach ($k in $Machine.Keys) { $null = $md.AppendLine("| $k | $($Machine[$k]) |") }
    $null = $md.AppendLine("| Load average at end | $(Get-LoadAverage) |").AppendLine()
    foreach ($section in $Sections) {
        if ($section['Heading']) { $null = $md.AppendLine("## $($section['Heading'])").AppendLine() }
        foreach ($line in @($section['Text'])) { if ($line) { $null = $md.AppendLine($line).AppendLine() } }
        if ($section['Rows']) {
            $rows = @($section['Rows'])
            $columns = @($rows[0].PSObject.Properties.Name)
            $null = $md.AppendLine('| ' + ($columns -join ' | ') + ' |')
            $null = $md.AppendLine('|' + (($columns | ForEach-Object { '---' }) -join '|') + '|')
            foreach ($row in $rows) {
                $null = $md.AppendLine('| ' + (($columns | ForEach-Object { "$($row.$_)" -replace '\|', '\|' }) -join ' | ') + ' |')
            }
            $null = $md.AppendLine()
        }
    }
    New-Item -ItemType Directory -Force -Path $script:ResultsDir | Out-Null
    $path = Join-Path $script:ResultsDir "$($Name.ToLowerInvariant()).md"   # as probe-sweep.md
    Set-Content -Path $path -Value $md.ToString().TrimEnd() -Encoding utf8NoBOM
    Write-Host "Wrote $path"
    $path
}

function Invoke-TimedScenario {
    <#
    One run of a catalogue scenario through the cmdlet users call (Invoke-SocketScenario), timed with
    a Stopwatch around the whole call. Returns the wall time, the observations, and the peer start
    times the engine logs at Verbose ("Peer process N (serve) ready in X ms").
    #>
    param([Parameter(Mandatory)][string] $Name, [switch] $Capture)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $all = @(Invoke-SocketScenario -Name $Name -Capture:$Capture -Verbose 4>&1)
    $wall = $clock.Elapsed.TotalMilliseconds
    $verbose = @($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] })
    $observations = @($all | Where-Object { $_ -is [SocketProbe.Engine.Observation] })
    $peerStart = @($verbose | ForEach-Object {
            if ($_.Message -match 'Peer process \d+ \(\w+\) ready in ([\d.]+) ms') { [double]$Matches[1] }
        })
    [pscustomobject]@{
        Name         = $Name
        WallMs       = $wall
        Observations = $observations
        PeerStartMs  = $peerStart
        LongestCallMs = if ($observations) { ($observations | Measure-Object ElapsedMs -Maximum).Maximum } else { 0 }
    }
}

function Invoke-BenchMatrix {
    <#
    One full Get-SocketErrorMatrix run: its wall time, each scenario's own run time inside it (the
    cmdlet reports them as MatrixRun records on the information stream), the observation count.
    Without -ThrottleLimit the cmdlet runs with its own default. A failed scenario throws.
    #>
    param([int] $ThrottleLimit, [switch] $Capture)
    $throttle = if ($ThrottleLimit) { @{ ThrottleLimit = $ThrottleLimit } } else { @{} }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $observations = @(Get-SocketErrorMatrix @throttle -Capture:$Capture -InformationVariable info -ErrorVariable failed -ErrorAction SilentlyContinue)
    $wall = $clock.Elapsed.TotalMilliseconds
    if ($failed) { throw "matrix scenario failed: $(($failed | ForEach-Object { $_.ToString() }) -join '; ')" }
    # Each run's own slowest call: the kernel wait it sat out (the longest of all is the matrix's floor).
    $runs = @($info | ForEach-Object MessageData | Where-Object { $_ -is [SocketProbe.Engine.Matrix.MatrixRun] } |
            ForEach-Object { [pscustomobject]@{ Name = $_.Scenario; WallMs = $_.ElapsedMs; StartedAtMs = $_.StartedAtMs; FinishedAtMs = $_.FinishedAtMs
                    LongestCallMs = [double](@($_.Observations | Measure-Object ElapsedMs -Maximum)[0].Maximum) } })
    $longest = if ($observations) { [double]($observations | Measure-Object ElapsedMs -Maximum).Maximum } else { 0.0 }
    [pscustomobject]@{ WallMs = $wall; Scenarios = $runs; Observations = $observations.Count; LongestCallMs = $longest }
}

# Ports something listens on in this namespace: the tests' /proc reader, one copy (tests/TestKit.psm1).
Import-Module (Join-Path $script:RepoRoot 'tests/TestKit.psm1') -Function Get-ListeningPort

function Get-ClosedLoopbackPort {
    # $Count ports below the ephemeral range that nothing listens on: no bind(0) lands there, so they
    # stay closed during the run.
    param([int] $Count = 1000)
    $busy = [Collections.Generic.HashSet[int]]::new([int[]]@(Get-ListeningPort))
    $low = [int](Get-Content /proc/sys/net/ipv4/ip_local_port_range -ErrorAction Ignore | ForEach-Object { (-split $_)[0] } | Select-Object -First 1)
    if (-not $low) { $low = 32768 }
    $ports = @((($low - 12000)..($low - 1)) | Where-Object { -not $busy.Contains($_) } | Select-Object -First $Count)
    if ($ports.Count -ne $Count) { throw "found only $($ports.Count) free ports below $low" }
    , [int[]]$ports
}

function Expand-PortList([string] $Text) {
    foreach ($part in $Text -split ',') {
        if ($part -match '^(\d+)-(\d+)$') { [int]$Matches[1]..[int]$Matches[2] } elseif ($part) { [int]$part }
    }
}

function Get-Nmap { Get-Command nmap -CommandType Application -ErrorAction Ignore | Select-Object -First 1 }

function Invoke-NmapSweep {
    <#
    nmap -sT -n -Pn against 127.0.0.1 on $PortSpec ('1-65535' or a comma list): wall time (process
    start included), nmap's own "scanned in", and each port's state from its XML.
    #>
    param([Parameter(Mandatory)] $Nmap, [Parameter(Mandatory)][string] $PortSpec)
    $xmlFile = [IO.Path]::GetTempFileName()
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        & $Nmap.Source -sT -n -Pn 127.0.0.1 -p $PortSpec -oX $xmlFile | Out-Null
        $ms = $clock.Elapsed.TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw "nmap exited with $LASTEXITCODE" }
        $xml = [xml](Get-Content -Raw $xmlFile)
        $states = @{}
        foreach ($p in $xml.SelectNodes('//host/ports/port')) {
            $states[[int]$p.GetAttribute('portid')] = $p.SelectSingleNode('state').GetAttribute('state')
        }
        # Ports in a state nmap does not list one by one are in extraports/extrareasons ranges.
        foreach ($extra in $xml.SelectNodes('//host/ports/extraports')) {
            foreach ($reason in $extra.SelectNodes('extrareasons')) {
                foreach ($port in Expand-PortList $reason.GetAttribute('ports')) { $states[$port] = $extra.GetAttribute('state') }
            }
        }
        $elapsed = $xml.SelectSingleNode('//runstats/finished').GetAttribute('elapsed')
        [pscustomobject]@{ Ms = $ms; States = $states; SelfMs = 1000 * [double]$elapsed }
    }
    finally { Remove-Item $xmlFile -ErrorAction Ignore }
}

function Invoke-ProbeSweep {
    # Test-TcpEndpoint against 127.0.0.1 on $Ports, timed as the cmdlet call; each port's state in nmap's words.
    param([Parameter(Mandatory)][int[]] $Ports, [int] $ThrottleLimit = 200)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $states = @{}
    foreach ($r in Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports -ThrottleLimit $ThrottleLimit -TimeoutMs 5000) {
        $states[$r.Port] = switch ($r.Outcome) { 'Open' { 'open' } 'Refused' { 'closed' } default { "$_" } }
    }
    [pscustomobject]@{ Ms = $clock.Elapsed.TotalMilliseconds; States = $states }
}
