# Shared by every *.Tests.ps1: load the built module from this clone, and small helpers.
$ErrorActionPreference = 'Stop'
$script:RepoRoot = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $script:RepoRoot 'SocketProbe.psd1') -Force

$script:IsLinuxHost = $IsLinux
$script:NotLinux = if ($IsLinux) { $null } else { 'the Linux expectations are observed on Linux only' }

function Get-PeerProcessCount {
    # Peer and lab processes (SocketProbe.Peer, unshare) this test process started and that still
    # live: a scenario that leaves one behind is a defect. Only our own descendants count, so other
    # runs on the same machine do not disturb the check.
    @(Get-OwnDescendant | Where-Object { $_.CommandLine -match 'SocketProbe\.Peer|^unshare' }).Count
}

function Get-OwnDescendant {
    # Every live process below this one, from /proc (pid, parent, command line). .NET file reads, not
    # Get-Content: a machine with hundreds of processes is read in milliseconds, so a test polling
    # for a short-lived process (a lab whose window is 1.5 s) sees it even on a loaded machine.
    $all = foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
        $name = [IO.Path]::GetFileName($dir)
        if ($name -notmatch '^\d+$') { continue }
        try {
            $stat = [IO.File]::ReadAllText("$dir/stat")
            $ppid = [int]($stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1])
            $cmd = [IO.File]::ReadAllText("$dir/cmdline").Replace([char]0, ' ')
            [pscustomobject]@{ Id = [int]$name; ParentId = $ppid; CommandLine = $cmd.Trim() }
        } catch { }
    }
    $children = $all | Group-Object ParentId -AsHashTable
    $queue = [Collections.Generic.Queue[int]]::new(); $queue.Enqueue($PID)
    while ($queue.Count -gt 0) {
        $parent = $queue.Dequeue()
        if ($children -and $children.ContainsKey($parent)) {
            foreach ($child in $children[$parent]) { $child; $queue.Enqueue($child.Id) }
        }
    }
}

function New-LoopbackListener {
    # A listener of the test's own on an ephemeral loopback port; the caller disposes it.
    param([ValidateSet('IPv4', 'IPv6')][string] $Family = 'IPv4')
    $address = if ($Family -eq 'IPv6') { [Net.IPAddress]::IPv6Loopback } else { [Net.IPAddress]::Loopback }
    $listener = [Net.Sockets.TcpListener]::new($address, 0)
    $listener.Start(512)
    $listener
}

function Get-ClosedLoopbackPort {
    param([ValidateSet('IPv4', 'IPv6')][string] $Family = 'IPv4')
    $l = New-LoopbackListener -Family $Family
    try { $l.LocalEndpoint.Port } finally { $l.Stop() }
}

function Get-NetNamespaceIds {
    # Network namespaces held by processes below this one other than our own: the lab's die with
    # their last process, so after a run there must be none.
    $own = (Get-Item "/proc/$PID/ns/net").LinkTarget
    @(Get-OwnDescendant | ForEach-Object {
            try { (Get-Item "/proc/$($_.Id)/ns/net" -ErrorAction Stop).LinkTarget } catch { }
        } | Where-Object { $_ -ne $own } | Sort-Object -Unique)
}

function Get-HostNftTables {
    # nft tables in the host's own namespace: the lab must never add one here.
    if (-not (Get-Command nft -ErrorAction Ignore)) { return @() }
    @(nft list tables 2>$null | Where-Object { $_ -match 'socketprobe' })
}

function Wait-LabGone {
    # The lab's namespace goes when its last process has been reaped; give the kernel a bounded moment.
    param([string[]] $Before, [int] $TimeoutMs = 3000)
    $deadline = [DateTime]::UtcNow.AddMilliseconds($TimeoutMs)
    do {
        $extra = @(Get-NetNamespaceIds | Where-Object { $_ -notin $Before })
        if ($extra.Count -eq 0) { return @() }
        Start-Sleep -Milliseconds 20
    } while ([DateTime]::UtcNow -lt $deadline)
    $extra
}

$script:LabUnavailable = if ($IsLinux) { [SocketProbe.Engine.Lab.LabEnvironment]::WhyUnavailable() } else { 'the namespace lab is Linux only' }

# --- Reliability helpers (leftover accounting), shared with bench/Soak.Bench.ps1 ---

function Get-OurProcessId {
    # Processes that belong to this run: our descendants (by ppid), and this clone's peer program
    # orphaned (a lab or peer that outlived its parent is reparented, not ours by ppid). A peer that
    # descends from another PowerShell is that one's (build.ps1 runs test files side by side).
    if (-not $IsLinux) { return }
    $peerDll = Join-Path $script:RepoRoot 'bin/SocketProbe.Peer.dll'
    $nativePeer = (Join-Path $script:RepoRoot 'bin/SocketProbe.Peer') + [char]0   # ./build.ps1 -Task NativePeer: argv[0]
    $parent = @{}
    $isPwsh = [Collections.Generic.HashSet[int]]::new()
    $peers = [Collections.Generic.List[int]]::new()
    foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
        $name = [IO.Path]::GetFileName($dir)
        if ($name -notmatch '^\d+$') { continue }
        try {
            # /proc/<pid>/stat: "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
            $stat = [IO.File]::ReadAllText("$dir/stat")
            $parent[[int]$name] = [int]($stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1])
            $cmdline = [IO.File]::ReadAllText("$dir/cmdline")
            if ($cmdline.Contains($peerDll) -or $cmdline.StartsWith($nativePeer)) { $peers.Add([int]$name) }
            elseif ($cmdline -match '(^|/)pwsh(\.dll)?\x00') { $null = $isPwsh.Add([int]$name) }
        }
        catch { }   # the process ended while we looked
    }
    # Our descendants: walk each process's ppid links to us (bounded by the number of processes).
    $ours = [Collections.Generic.HashSet[int]]::new()
    foreach ($id in @($parent.Keys)) {
        $p = $id
        for ($hop = 0; $hop -lt $parent.Count -and $parent.ContainsKey($p) -and $p -gt 1; $hop++) {
            $p = $parent[$p]
            if ($p -eq $PID) { $null = $ours.Add($id); break }
        }
    }
    # A peer of this clone that is not below us is an orphan of ours, unless another PowerShell
    # (not one of ours) is above it: then it is that one's.
    foreach ($id in $peers) {
        if ($ours.Contains($id)) { continue }
        $p = $id; $others = $false
        for ($hop = 0; $hop -lt $parent.Count -and $parent.ContainsKey($p) -and $p -gt 1; $hop++) {
            $p = $parent[$p]
            if ($isPwsh.Contains($p)) { $others = $true; break }
        }
        if (-not $others) { $null = $ours.Add($id) }
    }
    $ours   # one id per output: callers collect with @()
}

function Get-ResourceSnapshot {
    <#
    What a run could leave behind, read from /proc and nft: this PowerShell process's open file
    descriptors and threads, its child processes, processes of ours anywhere (descendants and this
    clone's peer program), network namespaces (held by our processes, and on the whole host), and the
    nft tables of the host's own namespace. Threads are informational (the thread pool grows and
    shrinks by itself); everything else must not grow.
    #>
    if (-not $IsLinux) { throw 'Get-ResourceSnapshot reads /proc: Linux only' }
    $hostNet = [IO.FileInfo]::new('/proc/self/ns/net').LinkTarget
    $ours = @(Get-OurProcessId)
    $ourNamespaces = [Collections.Generic.HashSet[string]]::new()
    foreach ($id in $ours) {
        try {
            $ns = [IO.FileInfo]::new("/proc/$id/ns/net").LinkTarget
            if ($ns -ne $hostNet) { $null = $ourNamespaces.Add($ns) }
        }
        catch { }
    }
    $allNamespaces = [Collections.Generic.HashSet[string]]::new()
    foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
        if ([IO.Path]::GetFileName($dir) -notmatch '^\d+$') { continue }
        try { $null = $allNamespaces.Add([IO.FileInfo]::new("$dir/ns/net").LinkTarget) } catch { }
    }
    $children = 0
    foreach ($dir in [IO.Directory]::GetDirectories('/proc')) {
        if ([IO.Path]::GetFileName($dir) -notmatch '^\d+$') { continue }
        try {
            $stat = [IO.File]::ReadAllText("$dir/stat")
            if ([int]($stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1]) -eq $PID) { $children++ }
        }
        catch { }
    }
    $nftTables = $null
    $nft = Get-Command nft -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($nft) {
        $lines = & $nft.Source list tables 2>$null
        if ($LASTEXITCODE -eq 0) { $nftTables = @($lines | Where-Object { $_ -match '^table ' }).Count }
    }
    # Descriptors a run could leave: sockets, pipes, anonymous inodes, files other than the code and symbols that
    # .NET keeps open for good once something first needs them (an assembly, or a .pdb read for an exception's
    # stack trace when a stop interrupts a frame of that assembly for the first time).
    $descriptors = @(foreach ($fd in [IO.Directory]::GetFileSystemEntries('/proc/self/fd')) {
            $target = try { [IO.FileInfo]::new($fd).LinkTarget } catch { $null }   # closed while we looked: $null
            if ($target -notmatch '\.(dll|pdb)$') { "$([IO.Path]::GetFileName($fd)) $target" }
        })
    [pscustomobject]@{
        FileDescriptors   = $descriptors.Count
        DescriptorTargets = $descriptors
        Threads           = [IO.Directory]::GetDirectories('/proc/self/task').Count
        ChildProcesses    = $children
        OurProcesses      = $ours.Count
        OurNamespaces     = $ourNamespaces.Count
        HostNamespaces    = $allNamespaces.Count
        NftTables         = $nftTables
    }
}

function Compare-ResourceSnapshot {
    <#
    What grew between two snapshots, as "Name: before -> after" lines (empty = nothing left behind).
    Waits up to -SettleMs for asynchronous cleanup (a reaped child, a closing pipe) before judging.
    HostNamespaces counts every namespace on the machine, so other programs move it; it is judged
    only with -Global.
    #>
    param(
        [Parameter(Mandatory)] $Before,
        [int] $SettleMs = 5000,
        [switch] $Global
    )
    $names = 'FileDescriptors', 'ChildProcesses', 'OurProcesses', 'OurNamespaces', 'NftTables'
    if ($Global) { $names += 'HostNamespaces' }
    $deadline = [DateTime]::UtcNow.AddMilliseconds($SettleMs)
    do {
        $after = Get-ResourceSnapshot
        $grown = @(foreach ($n in $names) {
                if ($null -ne $Before.$n -and $after.$n -gt $Before.$n) {
                    $what = if ($n -eq 'FileDescriptors') { ' (new: ' + ((@($after.DescriptorTargets | Where-Object { $_ -notin $Before.DescriptorTargets }) | Select-Object -First 5) -join '; ') + ')' }
                    "${n}: $($Before.$n) -> $($after.$n)$what"
                }
            })
        if ($grown.Count -eq 0) { break }
        Start-Sleep -Milliseconds 100
    } while ([DateTime]::UtcNow -lt $deadline)
    , $grown
}

function Stop-Midway {
    <#
    Ctrl+C at a chosen moment: run a script in a runspace of its own with the module imported, stop
    it after -DelayMs as Ctrl+C does, and say how the stop went: how long Stop() took, the state it
    left, the errors other than the stop itself, and what the script had emitted. The caller asserts.
    #>
    param([Parameter(Mandatory)][string] $Script, [Parameter(Mandatory)][int] $DelayMs)
    $ps = [PowerShell]::Create()
    try {
        $null = $ps.AddScript("Import-Module '$((Join-Path $script:RepoRoot 'SocketProbe.psd1').Replace("'", "''"))'; $Script")
        $output = [Management.Automation.PSDataCollection[psobject]]::new()
        $null = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]$null, $output)
        Start-Sleep -Milliseconds $DelayMs
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        [pscustomobject]@{
            StopMs = $clock.ElapsedMilliseconds
            State  = $ps.InvocationStateInfo.State
            Errors = @($ps.Streams.Error | Where-Object { $_.Exception -isnot [Management.Automation.PipelineStoppedException] })
            Output = @($output)
        }
    }
    finally { $ps.Dispose() }
}

function Invoke-Bounded {
    <#
    Run a script in a runspace of its own with the module imported, bounded in time: a hang ends as
    Finished = $false (the pipeline is stopped) instead of a stuck test run. Returns the output and
    every error record, non-terminating and terminating.
    #>
    param([Parameter(Mandatory)][string] $Script, [int] $TimeoutSeconds = 60)
    Receive-Bounded (Start-Bounded -Script $Script -TimeoutSeconds $TimeoutSeconds)
}

function Start-Bounded {
    # Invoke-Bounded's first half: the script starts in its own runspace and runs while the caller goes on
    # (several side by side); Receive-Bounded waits for it, within its bound, and ends it.
    param([Parameter(Mandatory)][string] $Script, [int] $TimeoutSeconds = 60)
    $ps = [PowerShell]::Create()
    $null = $ps.AddScript("Import-Module '$((Join-Path $script:RepoRoot 'SocketProbe.psd1').Replace("'", "''"))'").Invoke()
    $ps.Commands.Clear()
    $null = $ps.AddScript($Script)
    $output = [Management.Automation.PSDataCollection[psobject]]::new()
    [pscustomobject]@{
        PowerShell = $ps; Output = $output; Deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        Handle = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]$null, $output)
    }
}

function Receive-Bounded {
    param([Parameter(Mandatory)] $Started)
    $ps = $Started.PowerShell
    try {
        $left = $Started.Deadline - [DateTime]::UtcNow
        $finished = $Started.Handle.AsyncWaitHandle.WaitOne($(if ($left -gt [TimeSpan]::Zero) { $left } else { [TimeSpan]::Zero }))
        if (-not $finished) { $ps.Stop() }
        $terminating = $null
        try { $null = $ps.EndInvoke($Started.Handle) }
        catch {
            $e = $_.Exception
            while ($e -is [Management.Automation.MethodInvocationException] -and $e.InnerException) { $e = $e.InnerException }
            $terminating = if ($e -is [Management.Automation.IContainsErrorRecord]) { $e.ErrorRecord }
            else { [Management.Automation.ErrorRecord]::new($e, 'Unhandled', 'NotSpecified', $null) }
        }
        $errors = @($ps.Streams.Error) + @($terminating | Where-Object { $_ })
        [pscustomobject]@{ Finished = $finished; Output = @($Started.Output); Errors = @($errors) }
    }
    finally { $ps.Dispose() }
}

function Get-NoNamespaceReason {
    # Why a test may not make a network namespace of its own here (empty: it may): unshare tried once.
    & unshare --map-root-user --net true 2>$null
    if ($LASTEXITCODE) { 'unshare --map-root-user --net is not allowed here' }
}

function Start-LabScript {
    <#
    Start tests/lab/<Name> in a pwsh of its own, given the repo root, a JSON file to write and
    -Arguments: inside a throw-away network namespace (unshare, by default --map-root-user --net;
    --kill-child: the namespace dies with it; -Unshare @() runs it where we are), behind -Prefix if
    given (e.g. setpriv). Several may run side by side; Wait-LabScript collects each. Its stdout and
    stderr are kept, so that a lab script that fails puts its reason in the test's failure message.
    #>
    param([Parameter(Mandatory)][string] $Name, [string[]] $Arguments = @(), [string[]] $Unshare = @('--map-root-user', '--net'), [string[]] $Prefix = @())
    $out = Join-Path ([IO.Path]::GetTempPath()) "socketprobe-lab-$PID-$([guid]::NewGuid().ToString('N')).json"
    $pwsh = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $argv = @(if ($Unshare.Count -gt 0) { (Get-Command unshare -CommandType Application | Select-Object -First 1).Source; $Unshare; '--fork'; '--kill-child=SIGKILL' }) + @($Prefix) + @($pwsh)
    $start = [Diagnostics.ProcessStartInfo]::new($argv[0])
    $argv = @($argv | Select-Object -Skip 1)
    if ((Split-Path -Leaf $pwsh) -like 'dotnet*') { $argv += Join-Path $PSHOME 'pwsh.dll' }
    $argv += @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot "lab/$Name"), $script:RepoRoot, $out) + $Arguments
    foreach ($a in $argv) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $p = [Diagnostics.Process]::Start($start)
    [pscustomobject]@{ Name = $Name; Process = $p; Out = $out; Stdout = $p.StandardOutput.ReadToEndAsync(); Stderr = $p.StandardError.ReadToEndAsync() }
}

function Wait-LabScript {
    # The lab script's exit code, output, stderr and JSON report (bounded: a hung one is killed).
    param([Parameter(Mandatory)] $Lab, [int] $TimeoutSeconds = 120, [switch] $AsHashtable)
    $p = $Lab.Process
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) { $p.Kill($true); $null = $p.WaitForExit(5000) }
    $report = if (Test-Path $Lab.Out) { Get-Content -Raw $Lab.Out | ConvertFrom-Json -AsHashtable:$AsHashtable }
    Remove-Item $Lab.Out -ErrorAction Ignore
    $exit = if ($p.HasExited) { $p.ExitCode } else { 'hung' }
    $stderr = $Lab.Stderr.GetAwaiter().GetResult(); $stdout = $Lab.Stdout.GetAwaiter().GetResult()
    $p.Dispose()
    [pscustomobject]@{
        Exit = $exit; Report = $report; Stdout = $stdout; Stderr = $stderr
        # For -Because: why a lab script failed, in its own words.
        Why  = "lab/$($Lab.Name) exited $exit`: $(($stderr + $stdout).Trim())"
    }
}

function Invoke-LabScript {
    param([Parameter(Mandatory)][string] $Name, [string[]] $Arguments = @(), [string[]] $Unshare = @('--map-root-user', '--net'), [string[]] $Prefix = @(), [switch] $AsHashtable)
    Wait-LabScript (Start-LabScript -Name $Name -Arguments $Arguments -Unshare $Unshare -Prefix $Prefix) -AsHashtable:$AsHashtable
}

function Select-SocketCall {
    # The rows that are socket calls (only they carry Expected and Matches); faults, signals,
    # process ends, segments and counters are not.
    process { if ([SocketProbe.Engine.Operations]::IsSocketCall($_.Actor, $_.Operation)) { $_ } }
}

# Misbehaving loopback servers of the tests' own (reset, close, silent, idle close, echo).
. (Join-Path $PSScriptRoot 'TestServers.ps1')

