# Runs in a child pwsh of tests/Test-TcpEndpoint.Tests.ps1: lowers its OWN file-descriptor limit
# (prlimit on its own pid, so the limit fits however many descriptors this pwsh already holds),
# then probes closed loopback ports. Writes what it saw as JSON.
param([string] $RepoRoot, [string] $OutFile, [string] $PortList)
$ErrorActionPreference = 'Stop'
$Ports = [int[]]($PortList -split ',')
Import-Module (Join-Path $RepoRoot 'SocketProbe.psd1')
$null = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports[0] -TimeoutMs 500   # load and warm everything first
$pick = { param($r) $r | Group-Object Outcome, ErrnoName, Errno -NoElement | ForEach-Object { [pscustomobject]@{ Key = $_.Name; Count = $_.Count } } }
$out = [ordered]@{}
# Only the soft limit changes (no privilege needed), and it goes back before the JSON is written.
$hard = (-split (Get-Content "/proc/$PID/limits" | Where-Object { $_ -like 'Max open files*' }))[4]

# A few descriptors spare, 200 attempts at once: most sockets wait for a free descriptor.
$open = @(Get-ChildItem "/proc/$PID/fd").Count
prlimit --pid $PID --nofile=$($open + 30):
if ($LASTEXITCODE) { throw 'prlimit failed' }
$out.Spare = $open
$out.Tight = @(& $pick (Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports -ThrottleLimit 200 -TimeoutMs 5000 -WarningAction SilentlyContinue))

# Every spare descriptor held by sockets of our own, for 200 ms per attempt: the limit never clears.
# With no descriptor free .NET cannot start a thread (its new thread needs a pipe: pipe2 EMFILE,
# Thread.Start throws OutOfMemoryException), and the thread pool does not catch that when it adds a
# worker (PortableThreadPool.WorkerThread.MaybeAddWorkingWorker, from ThreadPoolWorkQueue.Dispatch):
# the process dies "Out of memory." (exit 134) whenever the hogs' probes need one more pool thread
# than exists, as under load. So the pool's workers are started now, while descriptors are free: a
# pool thread waits in the barrier until all of them run (SetMinThreads: no injection delay). Idle,
# they last 20 s (the pool's thread timeout), far longer than the hogs below.
$poolThreads = 8
$min = $minIo = 0
[Threading.ThreadPool]::GetMinThreads([ref] $min, [ref] $minIo)
$null = [Threading.ThreadPool]::SetMinThreads([Math]::Max($min, $poolThreads), $minIo)
$barrier = [Threading.Barrier]::new($poolThreads)
$arrive = [Delegate]::CreateDelegate([Action], $barrier, 'SignalAndWait')
if (-not [Threading.Tasks.Task]::WaitAll([Threading.Tasks.Task[]] @(1..$poolThreads | ForEach-Object { [Threading.Tasks.Task]::Run($arrive) }), 10000)) {
    throw "the thread pool did not start $poolThreads threads in 10 s"
}
$hogs = [Collections.Generic.List[Net.Sockets.Socket]]::new()
try { while ($hogs.Count -lt 1000) { $hogs.Add([Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')) } } catch { }
try {
    $none = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports[0..4] -TimeoutMs 200 -WarningVariable warned -WarningAction SilentlyContinue
    $noneQuiet = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports[0] -TimeoutMs 200 -Quiet -WarningAction SilentlyContinue
    $noneSummary = Test-TcpEndpoint -ComputerName 127.0.0.1 -Port $Ports[0] -TimeoutMs 200 -Summary -WarningAction SilentlyContinue
}
finally { $hogs | ForEach-Object Dispose }
$out.Hogs = $hogs.Count
$out.None = @(& $pick $none)
$out.NoneMessage = @($none)[0].Message
$out.NoneWarning = "$warned"
$out.NoneQuiet = $noneQuiet
$out.NoneSummary = $noneSummary | Select-Object Sent, Refused, Error, LocalError, LossPercent
prlimit --pid $PID --nofile=${hard}:
$out | ConvertTo-Json -Depth 4 -EnumsAsStrings | Set-Content -Path $OutFile
