# Runs INSIDE a throw-away network namespace made by tests/Get-TcpCounter.Tests.ps1:
#   unshare --map-root-user --net --fork dotnet pwsh -File Counters-InNamespace.ps1 <repo> <out.json>
# Only this process makes traffic here (loopback only), so every counter that moves is ours: each
# experiment is measured three ways over the same interval (Get-TcpCounter, nstat with a private
# history file, a direct read of /proc/net/*) and the figures must agree exactly.
param([string] $RepoRoot, [string] $OutFile)
$ErrorActionPreference = 'Stop'

ip link set lo up
if ($LASTEXITCODE) { throw 'ip link set lo up failed' }
Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')

$history = Join-Path ([IO.Path]::GetTempPath()) "socketprobe-nstat-$PID.hist"
$env:NSTAT_HISTORY = $history   # nstat's own history, private to this run

function Read-Proc {
    # The files as they are, parsed here independently of the module: nstat's names, nstat's omissions.
    $skip = 'IpForwarding', 'IpDefaultTTL', 'TcpRtoAlgorithm', 'TcpRtoMin', 'TcpRtoMax', 'TcpMaxConn', 'TcpCurrEstab'
    $v = @{}
    foreach ($file in '/proc/net/snmp', '/proc/net/netstat') {
        $lines = @(Get-Content $file)
        for ($i = 0; $i + 1 -lt $lines.Count; $i += 2) {
            $names = -split $lines[$i]; $values = -split $lines[$i + 1]
            $prefix = $names[0].TrimEnd(':')
            for ($c = 1; $c -lt $names.Count; $c++) { $v[$prefix + $names[$c]] = [long]$values[$c] }
        }
    }
    foreach ($line in Get-Content /proc/net/snmp6) { $n, $x = -split $line; $v[$n] = [long]$x }
    foreach ($k in $skip) { $v.Remove($k) }
    $v
}

function Get-ModuleSnapshot { $h = @{}; Get-TcpCounter | ForEach-Object { $h[$_.Name] = $_.Value }; $h }

function Get-Moved([hashtable] $Before, [hashtable] $After) {
    $d = [ordered]@{}
    foreach ($k in $After.Keys | Sort-Object) { $x = $After[$k] - [long]$Before[$k]; if ($x -ne 0) { $d[$k] = $x } }
    $d
}

function Measure-Experiment([string] $Name, [scriptblock] $Body) {
    # Same interval three ways: the module, nstat (its history reset first) and /proc directly.
    $null = nstat -n
    $proc0 = Read-Proc
    $mod0 = Get-ModuleSnapshot
    & $Body
    Start-Sleep -Milliseconds 300   # let the last segments and timers of the experiment land
    $mod1 = Get-ModuleSnapshot
    $proc1 = Read-Proc
    $nstat = (nstat --json | ConvertFrom-Json -AsHashtable).kernel
    [ordered]@{
        Name   = $Name
        Module = Get-Moved $mod0 $mod1
        Proc   = Get-Moved $proc0 $proc1
        Nstat  = [ordered]@{} + ($nstat.GetEnumerator() | Sort-Object Key | ForEach-Object -Begin { $h = [ordered]@{} } -Process { if ($_.Value) { $h[$_.Key] = [long]$_.Value } } -End { $h })
    }
}

$loopback = [Net.IPAddress]::Loopback
function New-Listener([int] $Backlog = 16) {
    $s = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
    $s.Bind([Net.IPEndPoint]::new($loopback, 0)); $s.Listen($Backlog); $s
}

$results = [ordered]@{ Experiments = @() }
try {
    # N refused connects: the closed port answers each SYN with RST.
    $results.Experiments += Measure-Experiment 'Refused5' {
        $l = New-Listener; $port = $l.LocalEndPoint.Port; $l.Dispose()
        1..5 | ForEach-Object {
            $c = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
            try { $c.Connect($loopback, $port) } catch [Net.Sockets.SocketException] { } finally { $c.Dispose() }
        }
    }

    # An accept queue that overflows: backlog 1, never accepted, four clients.
    $results.Experiments += Measure-Experiment 'AcceptQueueOverflow' {
        $l = New-Listener -Backlog 1
        $clients = 1..4 | ForEach-Object {
            $c = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp'); $c.Blocking = $false
            try { $c.Connect($l.LocalEndPoint) } catch [Net.Sockets.SocketException] { }
            $c
        }
        Start-Sleep -Milliseconds 1500   # the first SYN retransmission (1 s) meets the full queue again
        $clients | ForEach-Object { $_.Dispose() }; $l.Dispose()
    }

    # Abortive close, the kernel's way: TCP_LINGER2 = -1, the socket reaches FIN_WAIT2 and is reset.
    $results.Experiments += Measure-Experiment 'Linger2Abort' {
        $l = New-Listener
        $c = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp'); $c.Connect($l.LocalEndPoint)
        $s = $l.Accept()
        $s.SetRawSocketOption(6, 8, [BitConverter]::GetBytes([int]-1))   # IPPROTO_TCP, TCP_LINGER2
        $s.Shutdown('Send'); Start-Sleep -Milliseconds 100   # FIN sent and acknowledged: FIN_WAIT2
        $s.Dispose(); Start-Sleep -Milliseconds 100
        $c.Dispose(); $l.Dispose()
    }

    # Abortive close, the SO_LINGER {on, 0} way.
    $results.Experiments += Measure-Experiment 'ZeroLingerAbort' {
        $l = New-Listener
        $c = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp'); $c.Connect($l.LocalEndPoint)
        $s = $l.Accept()
        $s.LingerState = [Net.Sockets.LingerOption]::new($true, 0)
        $s.Dispose(); Start-Sleep -Milliseconds 100
        $c.Dispose(); $l.Dispose()
    }

    # Get-TcpCounter's own interval: refused connects made while it waits, figures checked against nstat.
    $null = nstat -n
    $job = Start-ThreadJob {
        Start-Sleep -Milliseconds 300
        $l = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp'); $l.Bind([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
        $port = $l.LocalEndPoint.Port; $l.Dispose()
        1..3 | ForEach-Object {
            $c = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
            try { $c.Connect([Net.IPAddress]::Loopback, $port) } catch [Net.Sockets.SocketException] { } finally { $c.Dispose() }
        }
    }
    $interval = @(Get-TcpCounter -IntervalSeconds 1.5 -NonZero)
    $job | Wait-Job -Timeout 10 | Remove-Job -Force
    $nstat = (nstat --json | ConvertFrom-Json -AsHashtable).kernel
    $results.Interval = [ordered]@{
        Rows  = @($interval | Select-Object Name, Value, Delta, PerSecond, IntervalSeconds, Sample)
        Nstat = [ordered]@{} + ($nstat.GetEnumerator() | Sort-Object Key | ForEach-Object -Begin { $h = [ordered]@{} } -Process { if ($_.Value) { $h[$_.Key] = [long]$_.Value } } -End { $h })
    }

    # Values: the module and /proc read back to back in a quiet namespace agree on every counter.
    $mod = Get-ModuleSnapshot; $proc = Read-Proc
    $results.ValuesAgree = @($proc.Keys | Where-Object { $mod[$_] -ne $proc[$_] }).Count -eq 0 -and $mod.Count -eq $proc.Count
    $results.ValueCount = $mod.Count

    # Every catalogue scenario, side by side: each run's Kernel row.
    $rows = @(Get-SocketErrorMatrix -ProgressAction SilentlyContinue -ErrorAction Continue)
    $results.Matrix = @($rows | Where-Object Actor -EQ 'Kernel' | Select-Object Scenario, Step, Operation, Result, Note, Expected, Matches)
    # Why a run has no counters row (Skipped, or a failed run's error), for the assertion's message.
    $results.NotRun = @($rows | Where-Object Result -EQ 'Skipped' | ForEach-Object { "$($_.Scenario): $($_.Note)" }) +
        @($Error | Select-Object -First 20 | ForEach-Object { "$_" })
    $results.LastSteps = @($rows | Group-Object Scenario | ForEach-Object {
            [ordered]@{ Scenario = $_.Name; Steps = @($_.Group.Step); Actors = @($_.Group.Actor) }
        })
}
finally {
    Remove-Item $history -ErrorAction Ignore
    $results | ConvertTo-Json -Depth 6 | Set-Content -Path $OutFile
}
