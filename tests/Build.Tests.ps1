# build.ps1 itself: -Tag with several tags runs the tests of each, and a run that executes no test fails.
# Cheap: a folder of three tiny Pester files, no build and no xunit (-NoBuild -SkipXunit).
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Tests = Join-Path $TestDrive 'pester'
    New-Item -ItemType Directory -Path $script:Tests | Out-Null
    foreach ($t in 'A', 'B', 'C') {
        Set-Content -Path (Join-Path $script:Tests "$t.Tests.ps1") -Value "Describe 'tag $t' -Tag $t { It 'passes' { 1 | Should -Be 1 } }"
    }
    Set-Content -Path (Join-Path $script:Tests 'D.Tests.ps1') -Value "Describe 'tag D' -Tag D { It 'fails' { 1 | Should -Be 2 } }"
    # Fails the first time it runs, passes after: a test that is flaky under load.
    $script:Marker = Join-Path $TestDrive 'ran-once'
    Set-Content -Path (Join-Path $script:Tests 'E.Tests.ps1') -Value "Describe 'tag E' -Tag E { It 'fails once' { if (-not (Test-Path '$script:Marker')) { New-Item '$script:Marker' | Out-Null; 1 | Should -Be 2 } } }"

    $script:Pwsh = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $script:PwshArgs = @(if ((Split-Path -Leaf $script:Pwsh) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' })

    function Invoke-BuildTest {
        # As a shell runs it: each argument one string, so -Tag A,B arrives as 'A,B'.
        param([string] $Tag, [string] $Path = $script:Tests)
        $lines = @(& $script:Pwsh @script:PwshArgs -NoProfile -NonInteractive -File (Join-Path $RepoRoot 'build.ps1') `
                -Task Test -NoBuild -SkipXunit -TestJobs 2 -TestPath $Path -Tag $Tag 2>&1 | ForEach-Object { "$_" } | Where-Object { $_.Trim() })
        [pscustomobject]@{ Exit = $LASTEXITCODE; Last = $lines[-1]; Text = $lines -join "`n" }
    }
}

Describe 'build.ps1 -Task Test' -Tag Build {
    BeforeAll {
        # One run covers tags, side-by-side counting, the recap and the rerun (each build.ps1 run
        # starts PowerShell three times with Pester: the suite's CPU is its budget on 2 cores).
        # A and B pass, C is not asked for, D fails every time, E fails only its first time.
        Remove-Item $script:Marker -ErrorAction Ignore
        $script:Run = Invoke-BuildTest 'A,B,D,E'
    }

    It '-Tag A,B,D,E runs the tests of those tags, and only those' {
        $Run.Text | Should -Match 'A\.Tests\.ps1: 1 passed, 0 failed'
        $Run.Text | Should -Match 'B\.Tests\.ps1: 1 passed, 0 failed'
        $Run.Text | Should -Match 'C\.Tests\.ps1: 0 passed, 0 failed' -Because 'C has no test with the tags asked for'
        $Run.Last | Should -Be '3 passed, 1 failed, 0 skipped' -Because $Run.Text
    }

    It 'files run side by side: a failure in one is counted with the others'' passes, and fails the run' {
        $Run.Exit | Should -Be 1
        $Run.Text | Should -Match 'D\.Tests\.ps1: 0 passed, 1 failed'
        # The recap just above the last line names the failed test and its reason, for logs cut to their tail.
        $tail = ($Run.Text -split "`n")[-3..-2] -join "`n"
        $tail | Should -Match 'Failed \(1\):'
        $tail | Should -Match 'D\.Tests\.ps1 > tag D\.fails: Expected 2, but got 1'
    }

    It 'a file that fails side by side runs again alone: passing then counts, and the run names it flaky' {
        $Run.Text | Should -Match 'Rerunning alone: (D\.Tests\.ps1, E\.Tests\.ps1|E\.Tests\.ps1, D\.Tests\.ps1)'
        $flaky = ($Run.Text -split 'Flaky under load', 2)[1] -split 'Failed \(', 2
        $flaky[0] | Should -Match '^ \(1\)'
        $flaky[0] | Should -Match 'E\.Tests\.ps1 > tag E\.fails once: Expected 2, but got 1'
        $flaky[0] | Should -Not -Match 'D\.Tests' -Because 'D failed alone too: it stays a failure, never called flaky'
    }

    It 'a tag that matches no test fails, and the last line still counts' {
        $r = Invoke-BuildTest 'NoSuchTag' -Path (Join-Path $script:Tests 'A.Tests.ps1')   # one file: one worker
        $r.Exit | Should -Be 1
        $r.Last | Should -Be '0 passed, 0 failed, 0 skipped'
        $r.Text | Should -Match 'Pester ran no test'
    }
}
