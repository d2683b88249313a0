# Help: every exported cmdlet has a docs page that agrees with its metadata, Get-Help shows it,
# and en-US/ is what build/ConvertTo-MamlHelp.ps1 makes of docs/ today.

BeforeDiscovery {
    # Test cases come from what the module really exports, never from a list kept here.
    $repoRoot = Split-Path -Parent $PSScriptRoot
    Import-Module (Join-Path $repoRoot 'SocketProbe.psd1') -Force
    $common = [Management.Automation.Cmdlet]::CommonParameters
    $commandCases = @(Get-Command -Module SocketProbe | Sort-Object Name | ForEach-Object { @{ Command = $_.Name } })
    # One block per cmdlet, one case per parameter inside it: the page is read once per cmdlet.
    $parameterCases = @(foreach ($c in Get-Command -Module SocketProbe | Sort-Object Name) {
            @{ Command = $c.Name; Parameters = @($c.Parameters.Values | Where-Object Name -NotIn $common | Sort-Object Name | ForEach-Object { @{ Parameter = $_.Name } }) }
        })
    $committedHelp = @(Get-ChildItem (Join-Path $repoRoot 'en-US') -File -ErrorAction Ignore | Sort-Object Name |
            ForEach-Object { @{ File = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:DocsPath = Join-Path $RepoRoot 'docs'
    $script:HelpPath = Join-Path $RepoRoot 'en-US'
    $script:Converter = Join-Path $RepoRoot 'build/ConvertTo-MamlHelp.ps1'
    $script:Common = [Management.Automation.Cmdlet]::CommonParameters

    function Read-DocPage {
        # A deliberately small reader of the PlatyPS layout, independent of the converter:
        # '## ' sections, '### ' entries, fenced code blocks (with their language).
        param([string] $Path)
        $page = @{ Sections = [ordered]@{}; Entries = @{} }
        $section = $null; $entry = $null; $fence = $null
        foreach ($line in ((Get-Content -Raw $Path) -replace "`r`n", "`n").Split("`n")) {
            if ($null -ne $fence) {
                if ($line -match '^\s*(```|~~~)\s*$') { $fence = $null; continue }
                $fence.Lines.Add($line)
                continue
            }
            if ($line -match '^\s*(```|~~~)\s*(?<lang>\S*)\s*$') {
                $fence = @{ Language = $Matches.lang; Lines = [Collections.Generic.List[string]]::new() }
                if ($entry) { $entry.Code.Add($fence) }
                continue
            }
            if ($line -match '^## (?<name>.+?)\s*$') {
                $section = $Matches.name.ToUpperInvariant(); $entry = $null
                $page.Sections[$section] = [Collections.Generic.List[string]]::new()
                $page.Entries[$section] = [Collections.Generic.List[object]]::new()
                continue
            }
            if ($line -match '^### (?<name>.+?)\s*$' -and $section) {
                $entry = @{ Title = $Matches.name; Code = [Collections.Generic.List[object]]::new(); Text = [Collections.Generic.List[string]]::new() }
                $page.Entries[$section].Add($entry)
                continue
            }
            if ($entry) { $entry.Text.Add($line) } elseif ($section) { $page.Sections[$section].Add($line) }
        }
        $page
    }

    function Read-Yaml {
        param([string[]] $Lines)
        $values = @{}
        foreach ($line in $Lines | Where-Object { $_.Trim() }) {
            $key, $value = $line.Split(':', 2)
            $values[$key.Trim()] = $value.Trim()
        }
        $values
    }

    function Get-DocParameter {
        # The yaml blocks documented for one parameter, parsed: @() when the page has no entry.
        param($Page, [string] $Name)
        $entry = $Page.Entries['PARAMETERS'] | Where-Object Title -EQ "-$Name"
        if (-not $entry) { return , @() }
        , @($entry.Code | Where-Object Language -EQ 'yaml' | ForEach-Object { Read-Yaml $_.Lines })
    }

    function Split-List {
        param([string] $Value)
        @($Value -split ',' | ForEach-Object Trim | Where-Object { $_ } | Sort-Object)
    }

    function ConvertTo-PlainText {
        # Markdown links to their text and whitespace collapsed, so page text compares with Get-Help text.
        param([string] $Text)
        (($Text -replace '\[([^\]]+)\]\([^)]*\)', '$1') -replace '\s+', ' ').Trim()
    }

    function Get-PipelineText {
        param($Metadata)
        $ways = @(if ($Metadata.ValueFromPipelineByPropertyName) { 'ByPropertyName' }; if ($Metadata.ValueFromPipeline) { 'ByValue' })
        if ($ways.Count -eq 0) { 'False' } else { "True ($($ways -join ', '))" }
    }

    # Each page is read once: every parameter of a cmdlet checks the same page.
    $script:Pages = @{}
    function Get-PageFor {
        param([string] $Command)
        if (-not $Pages.ContainsKey($Command)) { $Pages[$Command] = Read-DocPage (Join-Path $DocsPath "$Command.md") }
        $Pages[$Command]
    }

    function Get-DefaultText {
        # The value a cmdlet's parameter property holds before binding, as the docs should state it;
        # 'None' when it is null, empty, or the type's zero value (an unset enum or number means "not given").
        param([Management.Automation.CmdletInfo] $Info, [string] $Parameter)
        $instance = [Activator]::CreateInstance($Info.ImplementingType)
        $value = $instance.$Parameter
        if ($value -is [Management.Automation.SwitchParameter]) { $value = $value.IsPresent }
        if ($null -eq $value -or "$value" -eq '') { return 'None' }
        $type = $value.GetType()
        if ($type.IsValueType -and $value -eq [Activator]::CreateInstance($type)) { return 'None' }
        $items = @(foreach ($v in @($value)) { [string]::Format([Globalization.CultureInfo]::InvariantCulture, '{0}', $v) })
        $items -join ', '
    }
}

Describe 'Help for <Command>' -ForEach $commandCases {
    BeforeAll {
        $info = Get-Command $Command
        $pagePath = Join-Path $DocsPath "$Command.md"
        $page = if (Test-Path $pagePath) { Get-PageFor $Command }
    }

    It 'has a docs page docs/<Command>.md' {
        $pagePath | Should -Exist
    }

    It 'documents no parameter that <Command> lacks' {
        $documented = @($page.Entries['PARAMETERS'] | ForEach-Object Title | Where-Object { $_ -like '-*' } | ForEach-Object { $_.Substring(1) })
        $actual = @($info.Parameters.Keys | Where-Object { $_ -notin $Common })
        @($documented | Where-Object { $_ -notin $actual }) | Should -BeNullOrEmpty -Because 'docs/<Command>.md must not document parameters the cmdlet does not have'
    }

    It 'has at least one example' {
        @($page.Entries['EXAMPLES'] | Where-Object { $_.Title -match '^Example \d+' -and $_.Code.Count -gt 0 }).Count | Should -BeGreaterThan 0
    }

    It 'shows the synopsis from the page in Get-Help -Full' {
        $help = Get-Help $Command -Full
        $expected = ConvertTo-PlainText ($page.Sections['SYNOPSIS'] -join ' ')
        $expected | Should -Not -BeNullOrEmpty
        ConvertTo-PlainText ($help.Synopsis -replace ' \(https?://[^)]*\)', '') | Should -BeExactly $expected
    }

    It 'shows every example from the page in Get-Help -Full' {
        $help = Get-Help $Command -Full
        $examples = @($page.Entries['EXAMPLES'])
        @($help.examples.example).Count | Should -Be $examples.Count
        for ($i = 0; $i -lt $examples.Count; $i++) {
            $shown = @($help.examples.example)[$i]
            $shown.title | Should -BeLike "*$([WildcardPattern]::Escape($examples[$i].Title))*"
            $firstLine = @($examples[$i].Code[0].Lines | Where-Object { $_.Trim() })[0]
            ($shown.code -replace "`r`n", "`n") | Should -BeLike "$([WildcardPattern]::Escape($firstLine))*"
        }
    }
}

Describe 'Help for the parameters of <Command>' -ForEach $parameterCases {
    BeforeAll {
        $info = Get-Command $Command
        $page = Get-PageFor $Command
        # Each parameter's yaml blocks, parsed once for its six tests.
        $yamlOf = @{}
        foreach ($p in $Parameters) { $yamlOf[$p.Parameter] = Get-DocParameter $page $p.Parameter }
    }
    BeforeEach {
        $metadata = $info.Parameters[$Parameter]
        $yaml = $yamlOf[$Parameter]
    }

    It 'has a ### -<Parameter> entry with a yaml block' -ForEach $Parameters {
        $yaml.Count | Should -BeGreaterThan 0 -Because "docs/$Command.md needs '### -$Parameter' with a yaml block"
    }

    It 'states the type of -<Parameter>' -ForEach $Parameters {
        $type = $metadata.ParameterType
        $names = @($type.Name, $type.FullName)
        $inner = [Nullable]::GetUnderlyingType($type)
        if ($inner) { $names += $inner.Name, $inner.FullName }
        foreach ($y in $yaml) { $y['Type'] | Should -BeIn $names }
    }

    It 'lists the parameter sets of -<Parameter>' -ForEach $Parameters {
        $expected = @($metadata.ParameterSets.Keys | ForEach-Object { if ($_ -eq '__AllParameterSets') { '(All)' } else { $_ } } | Sort-Object)
        $documented = @($yaml | ForEach-Object { Split-List $_['Parameter Sets'] } | Sort-Object)
        $documented | Should -Be $expected
    }

    It 'states Required and Position of -<Parameter> per parameter set' -ForEach $Parameters {
        # Every difference, then one assertion (a Should per set and field cost seconds over 125 parameters).
        $differences = @(foreach ($y in $yaml) {
                foreach ($set in Split-List $y['Parameter Sets']) {
                    $key = if ($set -eq '(All)') { '__AllParameterSets' } else { $set }
                    $m = $metadata.ParameterSets[$key]
                    if (-not $m) { "-$Parameter is documented in set '$set', which it does not have"; continue }
                    $position = if ($m.Position -eq [int]::MinValue) { 'Named' } else { [string]$m.Position }
                    foreach ($field in @(@('Required', [string]$m.IsMandatory), @('Position', $position), @('Accept pipeline input', (Get-PipelineText $m)))) {
                        if ($y[$field[0]] -cne $field[1]) { "$($field[0]) in set '$set': expected '$($field[1])', the page says '$($y[$field[0]])'" }
                    }
                }
            })
        $differences | Should -BeNullOrEmpty
    }

    It 'states the aliases and accepted values of -<Parameter>' -ForEach $Parameters {
        foreach ($y in $yaml) {
            (Split-List $y['Aliases']) -join ', ' | Should -Be (@($metadata.Aliases | Sort-Object) -join ', ')
            $type = $metadata.ParameterType
            if ($type.IsArray) { $type = $type.GetElementType() }
            $set = $metadata.Attributes | Where-Object { $_ -is [ValidateSet] } | Select-Object -First 1
            $values = if ($set) { $set.ValidValues } elseif ($type.IsEnum) { [Enum]::GetNames($type) }
            if ($values) {
                (Split-List $y['Accepted values']) -join ', ' | Should -Be (@($values | Sort-Object) -join ', ') -Because "-$Parameter accepts exactly these values"
            }
        }
    }

    It 'states the default value of -<Parameter>' -ForEach $Parameters {
        $mandatoryEverywhere = @($metadata.ParameterSets.Values | Where-Object { -not $_.IsMandatory }).Count -eq 0
        if ($mandatoryEverywhere -or $info -isnot [Management.Automation.CmdletInfo]) {
            Set-ItResult -Skipped -Because 'a mandatory parameter, or a function whose defaults are script, has no default to compare'
            return
        }
        $expected = Get-DefaultText $info $Parameter
        # The value itself, optionally followed by a remark: "None (all platforms)", "10000 (10 s)".
        $pattern = if ($expected -eq 'None') { '^(None|False)(\s|\(|$)' } else { "^$([regex]::Escape($expected))(\s|\(|$)" }
        foreach ($y in $yaml) {
            $y['Default value'] | Should -Match $pattern -Because "-$Parameter starts as '$expected' before binding"
        }
    }
}

Describe 'The module' {
    It 'exports cmdlets, so the help tests above have something to check' {
        @(Get-Command -Module SocketProbe).Count | Should -BeGreaterThan 0
    }

    It 'has an about_SocketProbe topic that Get-Help finds' {
        $topic = Get-Help about_SocketProbe -ErrorAction Stop | Out-String
        $page = Get-Content -Raw (Join-Path $DocsPath 'about_SocketProbe.md')
        $short = ([regex]::Match($page, '(?ms)^# SHORT DESCRIPTION\s*\n(.+?)\n\s*\n').Groups[1].Value -split '\s+')[0..5] -join ' '
        $short | Should -Not -BeNullOrEmpty
        ($topic -replace '\s+', ' ') | Should -BeLike "*$short*"
        $topic | Should -Match '(?m)^LONG DESCRIPTION'
    }
}

Describe 'en-US is generated from docs/' {
    BeforeAll {
        $fresh = Join-Path $TestDrive 'fresh'
        & $Converter -DocsPath $DocsPath -OutputPath $fresh
        $again = Join-Path $TestDrive 'again'
        & $Converter -DocsPath $DocsPath -OutputPath $again
        $freshFiles = @(Get-ChildItem $fresh -File | ForEach-Object Name | Sort-Object)
    }

    It 'makes the same set of files as en-US/ holds' {
        $committed = @(Get-ChildItem $HelpPath -File -ErrorAction Ignore | ForEach-Object Name | Sort-Object)
        ($committed -join ', ') | Should -Be ($freshFiles -join ', ') -Because 'en-US/ is out of date: run ./build.ps1 -Task Docs'
    }

    It 'makes en-US/<File> byte for byte' -ForEach $committedHelp {
        $path = Join-Path $fresh $File
        $path | Should -Exist -Because "en-US/$File is no longer generated: run ./build.ps1 -Task Docs"
        $same = [Linq.Enumerable]::SequenceEqual([IO.File]::ReadAllBytes((Join-Path $HelpPath $File)), [IO.File]::ReadAllBytes($path))
        $same | Should -BeTrue -Because "en-US/$File is out of date: run ./build.ps1 -Task Docs"
    }

    It 'makes the same bytes every time, UTF-8 without BOM, LF newlines' {
        foreach ($name in $freshFiles) {
            $bytes = [IO.File]::ReadAllBytes((Join-Path $fresh $name))
            [Linq.Enumerable]::SequenceEqual($bytes, [IO.File]::ReadAllBytes((Join-Path $again $name))) | Should -BeTrue -Because "$name must not change between runs"
            ($bytes.Count -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF) | Should -BeFalse -Because "$name has no BOM"
            $bytes | Should -Not -Contain ([byte]13) -Because "$name uses LF newlines"
        }
    }

    It 'writes MAML that PowerShell reads as XML with one command per cmdlet page' {
        $xml = [xml](Get-Content -Raw (Join-Path $fresh 'SocketProbe.dll-Help.xml'))
        $ns = @{ command = 'http://schemas.microsoft.com/maml/dev/command/2004/10' }
        $names = @(Select-Xml -Xml $xml -XPath '//command:command/command:details/command:name' -Namespace $ns | ForEach-Object { $_.Node.InnerText })
        # Cmdlet pages only: not the about_ topics, not the module page (docs/SocketProbe.md).
        $pages = @(Get-ChildItem $DocsPath -Filter '*.md' | Where-Object { $_.BaseName -notlike 'about_*' -and $_.BaseName -ne 'SocketProbe' } | ForEach-Object BaseName)
        ($names | Sort-Object) -join ',' | Should -Be (($pages | Sort-Object) -join ',')
    }
}

Describe 'ConvertTo-MamlHelp' {
    BeforeAll {
        # A small, valid page of a made-up cmdlet with two parameter sets; each case below breaks it one way.
        $script:GoodPage = @'
---
external help file: Fake.dll-Help.xml
Module Name: Fake
online version:
schema: 2.0.0
---

# Get-Thing

## SYNOPSIS
Gets a thing.

## SYNTAX

### ByName (Default)
```
Get-Thing [-Name] <String> [-Mode <String>] [-Force] [<CommonParameters>]
```

### ById
```
Get-Thing -Id <Int32> [-Mode <String>] [-Force] [<CommonParameters>]
```

## DESCRIPTION
Gets a thing
by name or by id.

Second paragraph.

## EXAMPLES

### Example 1: Get one thing
```powershell
Get-Thing -Name a
```

Gets the thing named a.

## PARAMETERS

### -Force
Forces it.

```yaml
Type: SwitchParameter
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

### -Id
The id.

```yaml
Type: Int32
Parameter Sets: ById
Aliases: Identity

Required: True
Position: Named
Default value: None
Accept pipeline input: True (ByPropertyName)
Accept wildcard characters: False
```

### -Mode
The mode.

```yaml
Type: String
Parameter Sets: (All)
Aliases:
Accepted values: Fast, Slow

Required: False
Position: Named
Default value: Fast
Accept pipeline input: False
Accept wildcard characters: False
```

### -Name
The name.

```yaml
Type: String
Parameter Sets: ByName
Aliases:

Required: True
Position: 0
Default value: None
Accept pipeline input: True (ByValue)
Accept wildcard characters: True
```

### CommonParameters
This cmdlet supports the common parameters.

## INPUTS

### System.String

## OUTPUTS

### System.Object
A thing.

## NOTES

## RELATED LINKS

[about_Thing](about_Thing.md)

[Docs](https://example.invalid/thing)
'@ -replace "`r`n", "`n"

        function Invoke-Converter {
            param([string] $Page, [string] $Name)
            $docs = Join-Path $TestDrive "$Name-docs"
            $out = Join-Path $TestDrive "$Name-out"
            New-Item -ItemType Directory -Force -Path $docs | Out-Null
            [IO.File]::WriteAllText((Join-Path $docs 'Get-Thing.md'), $Page)
            & $Converter -DocsPath $docs -OutputPath $out
            $out
        }
    }

    It 'renders the valid page the way PlatyPS shapes MAML' {
        $out = Invoke-Converter $GoodPage 'good'
        $xml = [xml](Get-Content -Raw (Join-Path $out 'Fake.dll-Help.xml'))
        $ns = @{ maml = 'http://schemas.microsoft.com/maml/2004/10'; command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10' }
        $x = { param($path, $node = $xml) @(Select-Xml -Xml $node -XPath $path -Namespace $ns | ForEach-Object Node) }

        (& $x '/*').LocalName | Should -Be 'helpItems'
        (& $x '//command:details/command:verb').InnerText | Should -Be 'Get'
        (& $x '//command:details/command:noun').InnerText | Should -Be 'Thing'
        @(& $x '/*/command:command/maml:description/maml:para').InnerText | Should -Be @('Gets a thing by name or by id.', 'Second paragraph.')

        $items = & $x '//command:syntax/command:syntaxItem'
        $items.Count | Should -Be 2
        # Positional parameters first, then the named ones in page order (PlatyPS sorts by Position, stably).
        @(& $x 'command:parameter/maml:name' $items[0]).InnerText | Should -Be @('Name', 'Force', 'Mode')
        @(& $x 'command:parameter/maml:name' $items[1]).InnerText | Should -Be @('Force', 'Id', 'Mode')
        $name = @(& $x 'command:parameter[maml:name="Name"]' $items[0])[0]
        $name.required | Should -Be 'true'
        $name.position | Should -Be '0'
        $name.globbing | Should -Be 'true'
        $name.pipelineInput | Should -Be 'True (ByValue)'
        @(& $x 'command:parameter[maml:name="Id"]' $items[1])[0].aliases | Should -Be 'Identity'
        @(& $x 'command:parameter[maml:name="Mode"]/command:parameterValueGroup/command:parameterValue' $items[0]).InnerText | Should -Be @('Fast', 'Slow')
        @(& $x 'command:parameter[maml:name="Force"]/command:parameterValue' $items[0]).Count | Should -Be 0 -Because 'a switch shows no value in the syntax'

        @(& $x '//command:parameters/command:parameter/maml:name').InnerText | Should -Be @('Force', 'Id', 'Mode', 'Name')
        @(& $x '//command:parameters/command:parameter/command:parameterValueGroup').Count | Should -Be 0
        (& $x '//command:parameters/command:parameter[maml:name="Force"]/dev:defaultValue').InnerText | Should -Be 'False'
        (& $x '//command:parameters/command:parameter[maml:name="Force"]/command:parameterValue').required | Should -Be 'false'

        $title = (& $x '//command:example/maml:title').InnerText
        $title | Should -Match '^-+ Example 1: Get one thing -+$'
        $title.Length | Should -Be 64
        (& $x '//command:example/dev:code').InnerText | Should -Be 'Get-Thing -Name a'
        (& $x '//command:example/dev:remarks/maml:para').InnerText | Should -Be 'Gets the thing named a.'
        (& $x '//command:inputTypes/command:inputType/dev:type/maml:name').InnerText | Should -Be 'System.String'
        (& $x '//command:returnValues/command:returnValue/maml:description/maml:para').InnerText | Should -Be 'A thing.'
        @(& $x '//maml:alertSet/maml:alert/maml:para').Count | Should -Be 1
        @(& $x '//maml:navigationLink/maml:linkText').InnerText | Should -Be @('about_Thing', 'Docs')
        @(& $x '//maml:navigationLink/maml:uri').InnerText | Should -Be @('', 'https://example.invalid/thing')
    }

    It 'throws on a page with <Case>, naming the problem, and writes nothing' -ForEach @(
        @{ Case = 'a missing section'; From = "## NOTES`n`n"; To = ''; Message = "*missing section '## NOTES'*" }
        @{ Case = 'a yaml block missing a key'; From = "Position: 0`n"; To = ''; Message = "*-Name is missing 'Position:'*" }
        @{ Case = 'a SYNTAX parameter without an entry'; From = 'Get-Thing -Id <Int32>'; To = 'Get-Thing -Id <Int32> [-Bogus <String>]'; Message = "*names -Bogus but*no '### -Bogus' entry*" }
        @{ Case = 'an entry no SYNTAX block names'; From = "Get-Thing -Id <Int32> [-Mode <String>]"; To = 'Get-Thing -Id <Int32>'; Message = "*-Mode belongs to set 'ById'*" }
        @{ Case = 'an unknown section'; From = '## NOTES'; To = '## REMARKS'; Message = "*unknown section '## REMARKS'*" }
        @{ Case = 'an example without code'; From = "``````powershell`nGet-Thing -Name a`n```````n"; To = ''; Message = "*must start with its code block*" }
        @{ Case = 'an unclosed code block'; From = "Accept wildcard characters: True`n```````n"; To = "Accept wildcard characters: True`n"; Message = '*never closed*' }
    ) {
        $GoodPage.Contains($From) | Should -BeTrue -Because 'the test must really change the page'
        $bad = $GoodPage.Replace($From, $To)
        $out = Join-Path $TestDrive "bad-out"
        { Invoke-Converter $bad 'bad' } | Should -Throw -ExpectedMessage $Message
        @(Get-ChildItem $out -ErrorAction Ignore).Count | Should -Be 0
    }
}
