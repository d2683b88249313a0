# The default views fit an 80-column terminal: nothing wraps one letter per line, and the columns a reader needs
# (Matches and Note for scenario rows; Observed and Expected for the matrix summary) stay readable.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    function Assert-FitsIn80 {
        param([string] $Text)
        foreach ($line in $Text -split "`r?`n") { $line.Length | Should -BeLessOrEqual 80 -Because "'$line'" }
        # A column squeezed to nothing shows as lines of one or two characters.
        @($Text -split "`r?`n" | Where-Object { $_.Trim().Length -in 1, 2 -and $_ -notmatch '^\s*\d+\s*$' }).Count | Should -Be 0
    }
}

Describe 'Observation default view in 80 columns' {
    BeforeAll {
        $script:Rows = @(Test-WriteAfterRst)
        $script:Text = $script:Rows | Out-String -Width 80
    }

    It 'keeps every line within 80 columns' { Assert-FitsIn80 $script:Text }

    It 'shows Matches on the row and the Note, whole, on the line below it' {
        $note = ($script:Rows | Where-Object Note | Select-Object -First 1).Note
        $note | Should -Not -BeNullOrEmpty
        $script:Text | Should -Match 'Step\s+Actor\s+Operation\s+Result\s+ErrnoName\s+ElapsedMs\s+TcpState\s+Match'
        $script:Text | Should -Match 'Client\s+Send\s+Error\s+ECONNRESET\s+[\d.,]+\s+\S+\s+True'
        # The note wraps by words: joining its lines gives it back.
        ($script:Text -replace "`r?`n\s+", ' ') | Should -Match ([regex]::Escape($note))
    }

    It 'shows the address family of -AddressFamily Any rows in the default view' {
        $text = Invoke-SocketScenario -Name HalfClose -AddressFamily Any | Out-String -Width 80
        $text | Should -Match 'Scenario: HalfClose \(IPv4\)'
        $text | Should -Match 'Scenario: HalfClose \(IPv6\)'
        Assert-FitsIn80 $text
    }

    It 'gives Format-Table a table that fits, with Matches and Note' {
        $text = $script:Rows | Format-Table | Out-String -Width 80
        $text | Should -Match 'Step\s+Actor\s+Operation\s+Result\s+ErrnoName\s+ElapsedMs\s+Match\s+Note'
        foreach ($line in $text -split "`r?`n") { $line.Length | Should -BeLessOrEqual 80 }
    }
}

Describe 'Matrix views in 80 columns' {
    It 'shows -Steps'' Observed and Expected side by side, grouped by scenario and family' {
        $text = Get-SocketErrorMatrix -Scenario PeerAbort -AddressFamily Any -Steps | Out-String -Width 80
        $text | Should -Match 'Scenario: PeerAbort \(IPv4\)'
        $text | Should -Match 'Scenario: PeerAbort \(IPv6\)'
        $text | Should -Match 'Step\s+Actor\s+Operation\s+ElapsedMs\s+Match\s+Observed\s+Expected'
        if ($IsLinux) { $text | Should -Match 'Client\s+Receive\s+[\d.,]+\s+True\s+Error ECONNRESET\s+Error ECONNRESET' }
        foreach ($line in $text -split "`r?`n") { $line.Length | Should -BeLessOrEqual 80 }
    }
}

Describe 'Views serve deserialized objects too (remoting, Import-Clixml)' {
    BeforeDiscovery {
        # Every view of every format file (the files are the list: a new view is checked).
        $script:Views = foreach ($f in Get-ChildItem (Join-Path $PSScriptRoot '../src/SocketProbe') -Filter *.Format.ps1xml) {
            foreach ($v in ([xml](Get-Content -Raw $f)).Configuration.ViewDefinitions.View) {
                foreach ($t in $v.ViewSelectedBy.TypeName | Where-Object { $_ -notlike 'Deserialized.*' }) { @{ Type = $t; View = $v.Name } }
            }
        }
    }

    It 'selects <View> for <Type> and its Deserialized twin' -TestCases $Views {
        param($Type, $View)
        (Get-FormatData -TypeName $Type).FormatViewDefinition.Name | Should -Contain $View
        (Get-FormatData -TypeName "Deserialized.$Type").FormatViewDefinition.Name | Should -Contain $View
    }

    It 'formats a round-tripped observation like the live one' {
        $rows = @(Test-WriteAfterRst)
        $file = Join-Path $TestDrive 'rows.xml'
        $rows | Export-Clixml $file
        $back = Import-Clixml $file
        $back[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.SocketProbe.Engine.Observation'
        ($back | Out-String -Width 80) -replace '\d+[.,]\d{3}', 'ms' | Should -Be (($rows | Out-String -Width 80) -replace '\d+[.,]\d{3}', 'ms')
    }
}
