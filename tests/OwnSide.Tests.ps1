# Issue 23: our own side is never reported as the target. The two cmdlets that hold connections each run
# tests/lab/Watch-OwnSide.ps1 (side by side) in a namespace of the test's own with a one-port ephemeral range
# (TCP self-connect: nothing listens, yet the connect succeeds, to itself) and with that child's own
# descriptor limit (EMFILE, which .NET reports as ENFILE).
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Watch-TcpConnection and Find-TcpIdleTimeout never report our own side as the target' -Skip:(-not $IsLinux) {
    BeforeAll { $script:Own = Invoke-OwnLabScript -Name Watch-OwnSide.ps1 -Each Watch, Find }

    It 'ran its namespace script for <Cmdlet>' -ForEach @(@{ Cmdlet = 'Watch' }, @{ Cmdlet = 'Find' }) {
        Skip-WithoutOwnLab $Own[$Cmdlet]
        $Own[$Cmdlet].Exit | Should -Be 0 -Because $Own[$Cmdlet].Why
    }

    Context 'Watch-TcpConnection' {
        It 'a TCP self-connect (nothing listens, one ephemeral port) is LocalError, never Alive with its own echo' {
            Skip-WithoutOwnLab $Own.Watch
            $r = @($Own.Watch.Report.SelfConnect)
            $r.Count | Should -Be 1 -Because $Own.Watch.Why
            $r[0].Fate | Should -Be 'LocalError'
            $r[0].BytesReceived | Should -Be 0
            # The self-connect's port then sits in TIME_WAIT: later tries may end EADDRNOTAVAIL, and the row counts the self-connects.
            $r[0].Message | Should -Match '(self-connect|connected the socket to itself).*says nothing about the target|says nothing about the target.*self-connect'
        }

        It 'a descriptor limit that never clears is EMFILE, LocalError, not ENFILE ("in system") nor the target''s' {
            Skip-WithoutOwnLab $Own.Watch
            $Own.Watch.Report.Hogs | Should -BeGreaterThan 0 -Because $Own.Watch.Why
            $r = @($Own.Watch.Report.Emfile)
            $r.Count | Should -Be 1
            $r[0].Fate | Should -Be 'LocalError'
            $r[0].ErrnoName | Should -Be 'EMFILE' -Because '.NET says ENFILE (23); the OS says EMFILE'
            $r[0].Errno | Should -Be 24
            $r[0].Message | Should -Match 'says nothing about the target'
        }
    }

    Context 'Find-TcpIdleTimeout' {
        It 'a TCP self-connect (nothing listens, one ephemeral port) is LocalError, never None (alive)' {
            Skip-WithoutOwnLab $Own.Find
            $answer = @($Own.Find.Report.SelfConnect | Where-Object Kind)
            $rows = @($Own.Find.Report.SelfConnect | Where-Object Verdict)
            $answer.Count | Should -Be 1 -Because $Own.Find.Why
            $answer[0].Kind | Should -Be 'LocalError'
            $answer[0].LongestAliveSeconds | Should -BeNullOrEmpty
            $answer[0].Recommendation | Should -Match 'says nothing about the target'
            $rows.Verdict | Sort-Object -Unique | Should -Be 'LocalError'
            $rows[0].Message | Should -Match 'self-connect|connected the socket to itself'
        }

        It 'a descriptor limit that never clears is EMFILE, LocalError, not ENFILE ("in system") nor the target''s' {
            Skip-WithoutOwnLab $Own.Find
            $Own.Find.Report.Hogs | Should -BeGreaterThan 0 -Because $Own.Find.Why
            $answer = @($Own.Find.Report.Emfile | Where-Object Kind)
            $rows = @($Own.Find.Report.Emfile | Where-Object Verdict)
            $answer[0].Kind | Should -Be 'LocalError'
            $answer[0].Message | Should -Match 'EMFILE'
            $rows.Verdict | Sort-Object -Unique | Should -Be 'LocalError'
            $rows.ErrnoName | Sort-Object -Unique | Should -Be 'EMFILE' -Because '.NET says ENFILE (23); the OS says EMFILE'
        }
    }
}
