# TestKit: the tests' helpers, written once. Imported by tests/common.ps1 (which every *.Tests.ps1
# dot-sources), by bench/Soak.Bench.ps1 and by lab scripts: runspaces and child PowerShells with the
# module, socket and descriptor counts, the /proc readers, leftover accounting, Ctrl+C at a chosen
# moment, lab scripts in namespaces of their own, and the loopback servers that misbehave on purpose.
# Nothing here imports SocketProbe itself: a runspace or child that needs it imports it by path.
$ErrorActionPreference = 'Stop'   # as in the test files that call these helpers
$script:RepoRoot = Split-Path -Parent $PSScriptRoot

function Get-ChildPwsh {
    # This PowerShell as a command line, for a child of its own: pwsh, or the dotnet muxer with pwsh.dll (the .NET
    # tool), so that a child runs without `dotnet tool` (which needs the real HOME to find its package).
    $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $exe
    if ((Split-Path -Leaf $exe) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' }
}

function Get-SocketCount {
    # Sockets this process holds (Linux): /proc/<pid>/fd links named socket:[inode].
    @(Get-ChildItem "/proc/$PID/fd" -ErrorAction Ignore | Where-Object { $_.LinkTarget -like 'socket:*' }).Count
}

function Assert-SocketsReleased {
    # $Script once to warm up, then $Times more: this process holds no more sockets after than before.
    # Sockets, not every descriptor: the runtime opens its own (a new thread pool worker's, an event
    # pipe's) whenever the machine is busy, which is no socket of the code under test.
    param([Parameter(Mandatory)][scriptblock] $Script, [ValidateRange(1, 20)][int] $Times = 3)
    $null = & $Script
    [GC]::Collect(); [GC]::WaitForPendingFinalizers()
    $before = Get-SocketCount
    for ($i = 0; $i -lt $Times; $i++) { $null = & $Script }
    [GC]::Collect(); [GC]::WaitForPendingFinalizers()
    Get-SocketCount | Should -BeLessOrEqual $before
}

function Get-ListeningPort {
    # Every TCP port something listens on in this network namespace (Linux /proc/net/tcp{,6}, state 0A).
    foreach ($file in '/proc/net/tcp', '/proc/net/tcp6') {
        if (-not (Test-Path $file)) { continue }
        Get-Content $file | Select-Object -Skip 1 | ForEach-Object {
            $f = -split $_
            if ($f[3] -eq '0A') { [Convert]::ToInt32(($f[1] -split ':')[-1], 16) }
        }
    }
}

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

function Find-Tool {
    # A program from apt (tcpdump, tshark) by its installed path; nothing when it is not installed.
    param([Parameter(Mandatory)][string] $Name)
    @("/usr/bin/$Name", "/usr/sbin/$Name") | Where-Object { Test-Path $_ } | Select-Object -First 1
}

function Get-ToolSkip {
    # Why a test of a program from apt skips (null when installed); in CI a missing one fails instead (.ci/run installs it).
    param([Parameter(Mandatory)][string] $Name)
    if (Find-Tool $Name) { return $null }
    if ($env:CI) { throw "$Name is not installed, and CI must run this test (.ci/run installs it with apt)" }
    "$Name is not installed (apt-get install $Name; .ci/run does)"
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

function Wait-Moment {
    # Wait (bounded: 20 s) for a moment of a run started in another runspace: a time after its start, its
    # first output, its first peer process, its lab namespace, or the peer process inside its lab.
    param([Parameter(Mandatory)][hashtable] $Moment, $Output)
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    switch ($Moment.Until) {
        'Time' { Start-Sleep -Milliseconds $Moment.AfterMs }
        'Output' { while ($Output.Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 1 } }
        'Peer' { while (@(Get-OurProcessId).Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 1 } }
        'Lab' { while ((Get-ResourceSnapshot).OurNamespaces -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 1 } }
        'LabPeer' {
            # The far end's own process inside the lab is starting: the moment its parent (the
            # lab process) dies under it is the one that once left it orphaned.
            while ([DateTime]::UtcNow -lt $deadline -and -not (Get-OurProcessId | Where-Object {
                        try { ([IO.File]::ReadAllText("/proc/$_/cmdline") -split "`0") -contains 'serve' } catch { $false }
                    })) { Start-Sleep -Milliseconds 1 }
        }
        default { throw "Wait-Moment: no moment '$($Moment.Until)'" }
    }
}

function Stop-Midway {
    <#
    Ctrl+C at a chosen moment: run a script in a runspace of its own with the module imported, stop it
    (PowerShell.Stop(), what Ctrl+C does) -DelayMs after it started or at -Moment (Wait-Moment), and say
    how the stop went: whether it was still running, how long Stop() took, the state it left, the errors
    other than the stop itself, what the script had emitted, and with -Leftovers what outlived it
    (Compare-ResourceSnapshot, judged from just before the script started). The caller asserts.
    #>
    param(
        [Parameter(Mandatory)][Alias('Command')][string] $Script,
        [int] $DelayMs = 0,
        [hashtable] $Moment,
        [switch] $Leftovers
    )
    if (-not $Moment) { $Moment = @{ Until = 'Time'; AfterMs = $DelayMs } }
    $ps = [PowerShell]::Create()
    try {
        $null = $ps.AddScript("Import-Module '$((Join-Path $script:RepoRoot 'SocketProbe.psd1').Replace("'", "''"))'").Invoke()
        $ps.Commands.Clear()
        $before = if ($Leftovers) { Get-ResourceSnapshot }
        $null = $ps.AddScript($Script)
        $output = [Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]$null, $output)
        Wait-Moment $Moment $output
        $wasRunning = -not $handle.IsCompleted
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $stopMs = $clock.Elapsed.TotalMilliseconds
        $endError = $null
        try { $null = $ps.EndInvoke($handle) } catch { $endError = $_.Exception }
        while ($endError -is [Management.Automation.MethodInvocationException] -and $endError.InnerException) { $endError = $endError.InnerException }
        [pscustomobject]@{
            WasRunning = $wasRunning
            StopMs     = $stopMs
            State      = $ps.InvocationStateInfo.State
            Reason     = $ps.InvocationStateInfo.Reason
            EndError   = $endError
            Errors     = @($ps.Streams.Error | Where-Object { $_.Exception -isnot [Management.Automation.PipelineStoppedException] })
            Output     = @($output)
            # A loaded machine (tests run side by side) may take seconds to reap a killed peer.
            Grown      = if ($Leftovers) { Compare-ResourceSnapshot -Before $before -SettleMs 10000 }
        }
    }
    finally { $ps.Dispose() }
}

function Assert-StoppedCleanly {
    # A Stop-Midway result: Stop() returned within 5 s, the pipeline ended Stopped (with -OrCompleted, it may
    # have finished first), and no error came out.
    param([Parameter(Mandatory)] $Stop, [switch] $OrCompleted)
    $Stop.StopMs | Should -BeLessThan 5000
    if ($OrCompleted) { $Stop.State | Should -BeIn 'Stopped', 'Completed' } else { $Stop.State | Should -Be 'Stopped' }
    $Stop.Errors | Should -BeNullOrEmpty
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
    $argv = @(if ($Unshare.Count -gt 0) { (Get-Command unshare -CommandType Application | Select-Object -First 1).Source; $Unshare; '--fork'; '--kill-child=SIGKILL' }) + @($Prefix) + @(Get-ChildPwsh)
    $start = [Diagnostics.ProcessStartInfo]::new($argv[0])
    $argv = @($argv | Select-Object -Skip 1)
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
    # -Force: a report written by another user (setpriv nobody) reads as read-only to PowerShell, which
    # then refuses it without -Force (the unprivileged lab's report was left in /tmp by every run).
    Remove-Item -Force $Lab.Out -ErrorAction Ignore
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

function Assert-BadInput {
    # A bad-input case: the script fails with an ErrorRecord whose id begins with $Id and whose
    # category says the input was invalid (validation attributes say InvalidData).
    param([Parameter(Mandatory)][scriptblock] $Script, [Parameter(Mandatory)][AllowEmptyString()][string] $Id, [switch] $PassThru)
    $err = $null
    try { & $Script } catch { $err = $_ }
    $err | Should -Not -BeNullOrEmpty -Because "$Script must fail"
    $err.FullyQualifiedErrorId | Should -BeLike "$Id*"
    $err.CategoryInfo.Category | Should -BeIn 'InvalidArgument', 'InvalidData'
    if ($PassThru) { $err }
}

function Assert-BindingError {
    # A value $Command refuses when it binds its parameters: Assert-BadInput, its id a binding error's of
    # that cmdlet (pwsh 7.6 reports a failed enum conversion as CannotConvertArgumentNoMessage, still a
    # binding error), its text matching $Message and holding no stack trace.
    param([Parameter(Mandatory)][string] $Command, [Parameter(Mandatory)][hashtable] $Splat, [Parameter(Mandatory)][string] $Message)
    $class = (Get-Command $Command).ImplementingType.FullName
    $err = Assert-BadInput { & $Command @Splat -ErrorAction Stop } -Id '' -PassThru
    $err.FullyQualifiedErrorId | Should -Match ('^(ParameterArgument\w+|CannotConvertArgument\w*),' + [regex]::Escape($class) + '$')
    "$err" | Should -Match $Message
    "$err" | Should -Not -Match '   at '
}

function Split-IdleSearch {
    # Find-TcpIdleTimeout's output apart: its answer (IdleTimeoutResult) and, with -Detailed, its rows
    # (IdleConnectionResult), each an array.
    param([object[]] $Output)
    [pscustomobject]@{
        Answer = @($Output | Where-Object { $_ -is [SocketProbe.Engine.Watch.IdleTimeoutResult] })
        Rows = @($Output | Where-Object { $_ -is [SocketProbe.Engine.Watch.IdleConnectionResult] })
    }
}

function Assert-ClosedAnswer {
    # An idle-timeout search against a server with a timer: one answer, Closed, after $IdleAfter (Connect or
    # Answer), the close observed above $Above (or at least $AtLeast) and below $Below seconds; with -Bracket,
    # the observation inside the bracket of the idle times probed. Returns the answer for the checks of its own.
    param([object[]] $Answer, [string] $IdleAfter, [double] $Above = [double]::NaN, [double] $AtLeast = [double]::NaN,
        [Parameter(Mandatory)][double] $Below, [string] $Because, [switch] $Bracket)
    $Answer.Count | Should -Be 1
    $a = $Answer[0]
    $a.Kind | Should -Be 'Closed'
    if ($IdleAfter) { $a.IdleAfter | Should -Be $IdleAfter }
    if (-not [double]::IsNaN($Above)) { $a.ObservedSeconds | Should -BeGreaterThan $Above -Because $Because }
    if (-not [double]::IsNaN($AtLeast)) { $a.ObservedSeconds | Should -BeGreaterOrEqual $AtLeast -Because $Because }
    $a.ObservedSeconds | Should -BeLessThan $Below
    if ($Bracket) { Assert-Bracket $a }
    $a
}

function Assert-Bracket {
    # The observation and the bracket agree: the close came after the longest idle time that survived and by
    # the shortest that did not.
    param([Parameter(Mandatory)] $Answer)
    $Answer.ObservedSeconds | Should -Not -BeNullOrEmpty -Because "$($Answer.Port): a Closed answer says when the close came"
    # The bracket's idle times are nominal (a probe at "1 s" goes out a few ms later on a loaded machine), the
    # observation is measured: 0.1 s of slack, far under the 0.39 s disagreement this guards against.
    $Answer.ObservedSeconds | Should -BeLessOrEqual ($Answer.ShortestDeadSeconds + 0.1) -Because "$($Answer.Port): dead at $($Answer.ShortestDeadSeconds) s"
    if ($null -ne $Answer.LongestAliveSeconds) { $Answer.ObservedSeconds | Should -BeGreaterOrEqual ($Answer.LongestAliveSeconds - 0.1) -Because "$($Answer.Port): alive at $($Answer.LongestAliveSeconds) s" }
}

function Invoke-OwnLabScript {
    # Invoke-LabScript in a namespace of the test's own, once per argument in -Each, side by side (a hashtable
    # by argument), or, where none may be made here, only the reason (Skip): every test of a result skips with
    # it (Skip-WithoutOwnLab).
    param([Parameter(Mandatory)][string] $Name, [Parameter(Mandatory)][string[]] $Each)
    $why = Get-NoNamespaceReason
    $started = @{}
    if (-not $why) { foreach ($a in $Each) { $started[$a] = Start-LabScript -Name $Name -Arguments $a } }
    $results = @{}
    foreach ($a in $Each) {
        $results[$a] = if ($why) { [pscustomobject]@{ Skip = $why } }
        else { Wait-LabScript $started[$a] | Add-Member -NotePropertyName Skip -NotePropertyValue $null -PassThru }
    }
    $results
}

function Invoke-WithRefusedConnect {
    # $Script's output, run while a thread job connects to the closed loopback $Port every 100 ms (at most 50
    # tries, each refused at once): RSTs for a watch that $Script starts, whenever it is ready.
    param([Parameter(Mandatory)][int] $Port, [Parameter(Mandatory)][scriptblock] $Script)
    $job = Start-ThreadJob -ArgumentList $Port {
        param($port)
        for ($i = 0; $i -lt 50; $i++) {
            $c = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
            try { $c.Connect('127.0.0.1', $port) } catch { } finally { $c.Dispose() }
            Start-Sleep -Milliseconds 100
        }
    }
    try { & $Script } finally { $job | Stop-Job -PassThru | Remove-Job -Force }
}

function Skip-WithoutOwnLab {
    # In a test of an Invoke-OwnLabScript result: Skipped with the reason where no namespace could be made here
    # (Set-ItResult throws: the test ends here).
    param([Parameter(Mandatory)] $Own)
    if ($Own.Skip) { Set-ItResult -Skipped -Because $Own.Skip }
}

function Wait-SocketCount {
    # Up to 3 s for this process's sockets to come down to what $Expected says (re-read each time: a
    # server's held count moves too): a stopped call's sockets close a moment after the stop.
    param([Parameter(Mandatory)][scriptblock] $Expected)
    $deadline = [DateTime]::UtcNow.AddSeconds(3)
    while ((Get-SocketCount) -gt (& $Expected) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
}

function Select-SocketCall {
    # The rows that are socket calls (only they carry Expected and Matches); faults, signals,
    # process ends, segments and counters are not.
    process { if ([SocketProbe.Engine.Operations]::IsSocketCall($_.Actor, $_.Operation)) { $_ } }
}

# --- Loopback servers of the tests' own that misbehave after accept (one kind for every test) ---

function Initialize-TestServer {
    # The server type, compiled on first use: a test file that starts no server pays nothing for it.
    # The C# below is a fixed literal: nothing in it comes from a path or a value.
    if ('SocketProbeTests.MisbehavingServer' -as [type]) { return }
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SocketProbeTests
{
    /// <summary>
    /// Accepts on an ephemeral port and then: Reset (SO_LINGER {on,0} + close: RST), Close (plain
    /// close: FIN), Silent (never reads or writes), IdleClose (closes with FIN once a connection has
    /// been idle for IdleCloseMs), IdleReset (the same, with RST: SO_LINGER {on,0}), Echo (answers
    /// every byte: healthy), Chatty (sends one byte every IdleCloseMs on its own, never reads),
    /// Banner (sends its banner text once at accept, never reads), Http (reads a request to the blank
    /// line, answers 200 with no body, then FIN). Dispose closes everything.
    /// </summary>
    public sealed class MisbehavingServer : IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<Socket> _held = new List<Socket>();
        private readonly string _behavior;
        private readonly int _idleCloseMs;
        private readonly byte[] _banner;
        private readonly Task _accepting;
        public Socket Listener { get; }
        public int Port { get; }
        public int Accepted;
        /// <summary>Sockets the server still holds open (file descriptors of this process).</summary>
        public int Held { get { lock (_held) { int n = 0; foreach (Socket s in _held) if (s.Handle != IntPtr.Zero && !s.SafeHandle.IsClosed) n++; return n; } } }

        public MisbehavingServer(string behavior, IPAddress address, int idleCloseMs, string banner)
        {
            _behavior = behavior;
            _idleCloseMs = idleCloseMs;
            _banner = System.Text.Encoding.ASCII.GetBytes(banner);
            Listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            Listener.Bind(new IPEndPoint(address, 0));
            Listener.Listen(512);
            Port = ((IPEndPoint)Listener.LocalEndPoint).Port;
            _accepting = AcceptLoop();
        }

        private async Task AcceptLoop()
        {
            try
            {
                while (true)
                {
                    Socket s = await Listener.AcceptAsync(_stop.Token);
                    Interlocked.Increment(ref Accepted);
                    lock (_held) _held.Add(s);
                    switch (_behavior)
                    {
                        case "Reset": s.LingerState = new LingerOption(true, 0); s.Close(); break;
                        case "Close": s.Close(); break;
                        case "IdleClose": _ = IdleClose(s, false); break;
                        case "IdleReset": _ = IdleClose(s, true); break;
                        case "Echo": _ = Echo(s); break;
                        case "Chatty": _ = Chatty(s); break;
                        case "Banner": s.Send(_banner); break;
                        case "Http": _ = Http(s); break;
                        default: break; // Silent: hold it, never read or write
                    }
                }
            }
            catch (Exception) { } // the listener was closed: done
        }

        private async Task IdleClose(Socket s, bool reset)
        {
            var buffer = new byte[1024];
            try
            {
                while (true)
                {
                    Task<int> read = s.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None);
                    Task idle = Task.Delay(_idleCloseMs, _stop.Token);
                    if (await Task.WhenAny(read, idle) == idle)
                    {
                        // IdleReset: RST now (SO_LINGER {on,0}, then the close below), as a server that drops idle connections hard.
                        if (reset) { s.LingerState = new LingerOption(true, 0); break; }
                        // FIN now; close once the pending read has ended. Closing a .NET socket with a
                        // read still pending makes the close abortive (RST), which is not this server.
                        s.Shutdown(SocketShutdown.Both);
                        await read;
                        break;
                    }
                    if (await read == 0) break;
                }
            }
            catch (Exception) { }
            s.Close();
        }

        private async Task Http(Socket s)
        {
            var buffer = new byte[4096];
            var request = new System.Text.StringBuilder();
            try
            {
                while (!request.ToString().Contains("\r\n\r\n"))
                {
                    int n = await s.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None);
                    if (n == 0) return;
                    request.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
                }
                s.Send(System.Text.Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
                s.Shutdown(SocketShutdown.Send);
            }
            catch (Exception) { }
        }

        private async Task Chatty(Socket s)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(_idleCloseMs, _stop.Token);
                    await s.SendAsync(new ArraySegment<byte>(new byte[] { (byte)'.' }), SocketFlags.None);
                }
            }
            catch (Exception) { }
        }

        private async Task Echo(Socket s)
        {
            var buffer = new byte[1024];
            try
            {
                int n;
                while ((n = await s.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None)) > 0)
                    await s.SendAsync(new ArraySegment<byte>(buffer, 0, n), SocketFlags.None);
            }
            catch (Exception) { }
            s.Close();
        }

        public void Dispose()
        {
            _stop.Cancel();
            Listener.Close();
            lock (_held) { foreach (Socket s in _held) s.Dispose(); _held.Clear(); }
            try { _accepting.Wait(2000); } catch (Exception) { }
        }
    }
}
'@
}

function New-TestServer {
    # A misbehaving server of the test's own on an ephemeral loopback port; the caller disposes it.
    param(
        [Parameter(Mandatory)][ValidateSet('Reset', 'Close', 'Silent', 'IdleClose', 'IdleReset', 'Echo', 'Chatty', 'Banner', 'Http')][string] $Behavior,
        [ValidateSet('IPv4', 'IPv6')][string] $Family = 'IPv4',
        [int] $IdleCloseMs = 2000,
        # Chatty: one byte every this many ms.
        [int] $EveryMs = 200,
        # Banner: the text it sends at accept.
        [string] $Banner = "220 ready`r`n",
        [Net.IPAddress] $Address
    )
    Initialize-TestServer
    if (-not $Address) { $Address = if ($Family -eq 'IPv6') { [Net.IPAddress]::IPv6Loopback } else { [Net.IPAddress]::Loopback } }
    [SocketProbeTests.MisbehavingServer]::new($Behavior, $Address, $(if ($Behavior -eq 'Chatty') { $EveryMs } else { $IdleCloseMs }), $Banner)
}
