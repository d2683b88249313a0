# The GitHub Actions workflow (which cannot run here) and the script that turns its observations into verified rows.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Workflow = Get-Content -Raw (Join-Path $RepoRoot '.github/workflows/ci.yml')
    $script:Readme = Get-Content -Raw (Join-Path $RepoRoot 'README.md')
}

Describe 'The CI workflow' {
    It 'runs on Linux, Windows and macOS runners' {
        $Workflow | Should -Match 'os: \[ubuntu-latest, windows-latest, macos-latest\]'
    }

    It 'runs the README''s test command (directly, and on Linux through .ci/run)' {
        $command = [regex]::Match($Readme, 'dotnet tool restore && dotnet pwsh -NoProfile -File \./build\.ps1 -Task Test').Value
        $command | Should -Not -BeNullOrEmpty
        $Workflow | Should -Match ([regex]::Escape($command))
        $Workflow | Should -Match 'bash \.ci/run'
        Get-Content -Raw (Join-Path $RepoRoot '.ci/run') | Should -Match ([regex]::Escape($command))
    }

    It 'keeps each platform''s observations and says it has not run yet' {
        $Workflow | Should -Match 'actions/upload-artifact'
        $Workflow | Should -Match 'observations-\$\{\{ runner\.os \}\}\.csv'
        $Workflow | Should -Match 'NOT RUN YET'
    }
}

Describe 'build/Get-VerifiedRow.ps1' {
    BeforeAll {
        $script:Csv = Join-Path $TestDrive 'observations-Linux.csv'
        # A lab without its tools (an empty SOCKETPROBE_LAB_PATH): the lab scenario's rows are Skipped, with the reason.
        $env:SOCKETPROBE_LAB_PATH = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'no-tools')
        try { Get-SocketErrorMatrix -Scenario PeerAbort, AcceptOverflowReset -AddressFamily Any -Steps | Export-Csv -NoTypeInformation $Csv }
        finally { Remove-Item Env:SOCKETPROBE_LAB_PATH }
        $script:Rows = @(& (Join-Path $RepoRoot 'build/Get-VerifiedRow.ps1') -Path $Csv)
        $script:Observed = @(Import-Csv $Csv)
    }

    It 'gives one verdict per observed step' {
        $Rows.Count | Should -Be $Observed.Count
        $Rows.Verdict | Sort-Object -Unique | ForEach-Object { $_ | Should -BeIn 'Verified', 'Differs', 'Skipped', 'NoExpectation' }
    }

    It 'says Verified exactly where the run matched its expectation, and Skipped with the reason' {
        for ($i = 0; $i -lt $Rows.Count; $i++) {
            if ($Observed[$i].Observed -eq 'Skipped') { $Rows[$i].Verdict | Should -Be 'Skipped'; $Rows[$i].Action | Should -Match ([regex]::Escape($Observed[$i].Note)) }
            elseif ($Observed[$i].Matches -eq 'True') { $Rows[$i].Verdict | Should -Be 'Verified' }
            elseif ($Observed[$i].Matches -eq 'False') { $Rows[$i].Verdict | Should -Be 'Differs' }
        }
        @($Rows | Where-Object Verdict -EQ Skipped).Count | Should -BeGreaterThan 0 -Because 'AcceptOverflowReset cannot run without the lab''s tools'
    }

    It 'fails clearly when no file matches' {
        { & (Join-Path $RepoRoot 'build/Get-VerifiedRow.ps1') -Path (Join-Path $TestDrive 'none-*.csv') } | Should -Throw
    }
}
