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
        param([string] $Tag)
        $lines = @(& $script:Pwsh @script:PwshArgs -NoProfile -NonInteractive -File (Join-Path $RepoRoot 'build.ps1') `
                -Task Test -NoBuild -SkipXunit -TestJobs 2 -TestPath $script:Tests -Tag $Tag 2>&1 | ForEach-Object { "$_" } | Where-Object { $_.Trim() })
        [pscustomobject]@{ Exit = $LASTEXITCODE; Last = $lines[-1]; Text = $lines -join "`n" }
    }
}

Describe 'build.ps1 -Task Test' -Tag Build {
    It '-Tag A,B runs the tests of both tags, and only those' {
        $r = Invoke-BuildTest 'A,B'
        $r.Exit | Should -Be 0 -Because $r.Text
        $r.Last | Should -Be '2 passed, 0 failed, 0 skipped'
    }

    It 'files run side by side: a failure in one is counted with the others'' passes, and fails the run' {
        $r = Invoke-BuildTest 'A,B,D'
        $r.Exit | Should -Be 1
        $r.Last | Should -Be '2 passed, 1 failed, 0 skipped'
        $r.Text | Should -Match 'D\.Tests\.ps1: 0 passed, 1 failed'
        # The recap just above the last line names the failed test and its reason, for logs cut to their tail.
        $tail = ($r.Text -split "`n")[-3..-2] -join "`n"
        $tail | Should -Match 'Failed \(1\):'
        $tail | Should -Match 'D\.Tests\.ps1 > tag D\.fails: Expected 2, but got 1'
    }

    It 'a file that fails side by side runs again alone: passing then counts, and the run names it flaky' {
        Remove-Item $script:Marker -ErrorAction Ignore
        $r = Invoke-BuildTest 'A,E'
        $r.Exit | Should -Be 0 -Because $r.Text
        $r.Last | Should -Be '2 passed, 0 failed, 0 skipped'
        $r.Text | Should -Match 'Rerunning alone: E\.Tests\.ps1'
        $r.Text | Should -Match 'Flaky under load \(1\)'
        $r.Text | Should -Match 'E\.Tests\.ps1 > tag E\.fails once: Expected 2, but got 1'
    }

    It 'a tag that matches no test fails, and the last line still counts' {
        $r = Invoke-BuildTest 'NoSuchTag'
        $r.Exit | Should -Be 1
        $r.Last | Should -Be '0 passed, 0 failed, 0 skipped'
        $r.Text | Should -Match 'Pester ran no test'
    }
}
