#Requires -Version 7.4
<#
.SYNOPSIS
    Turns PlatyPS-layout markdown (docs/*.md) into MAML help and about_*.help.txt files.
.DESCRIPTION
    PlatyPS is not available from the registries here, so this script does what its
    New-ExternalHelp does, in plain PowerShell:

    - every cmdlet page (front matter with 'external help file', 'Module Name', 'online version',
      'schema: 2.0.0') becomes a command:command element of the MAML file its front matter names
      (SocketProbe.dll-Help.xml), shaped as PlatyPS's MamlRenderer shapes it;
    - every about_*.md becomes about_<Topic>.help.txt, laid out as PlatyPS's TextRenderer lays it
      out (TOPIC, upper-case section titles, text indented 4 and wrapped at 80 columns, code kept
      as written).

    Output is deterministic: same docs, byte-identical files (UTF-8 without BOM, LF newlines, no
    timestamps). Every page is parsed and rendered before any file is written, and a malformed
    page (missing or unknown section, yaml block missing a key, a parameter in SYNTAX without an
    entry, ...) throws with the file and line, so nothing half-written is left behind.

    Deliberate differences from PlatyPS 0.14, each so that nothing is silently lost:
    - text before an example's first code block throws (PlatyPS drops it from MAML);
    - syntax items follow the order of the SYNTAX section (PlatyPS: first use in PARAMETERS);
    - relative links (to other .md pages) keep their text and drop the address;
    - the about topic keeps the case of its name after TOPIC (PlatyPS lower-cases it).
.PARAMETER DocsPath
    Folder with the markdown pages (not searched recursively).
.PARAMETER OutputPath
    Folder for the generated help (created when missing). Generated files that no page produces
    any more (*-Help.xml, about_*.help.txt) are removed from it.
.PARAMETER EnginePath
    The built SocketProbe.Engine.dll, read when a page holds a line '{{Scenarios <Cmdlet>}}': that
    line becomes one bullet per scenario of the cmdlet's family, from the catalogue
    (ScenarioCatalog.All), so a new scenario needs no hand-written docs line.
.EXAMPLE
    ./build/ConvertTo-MamlHelp.ps1 -DocsPath ./docs -OutputPath ./en-US
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $DocsPath,

    [Parameter(Mandatory)]
    [string] $OutputPath,

    [string] $EnginePath = (Join-Path (Split-Path -Parent $PSScriptRoot) 'bin/SocketProbe.Engine.dll')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$script:Ns = @{
    Msh     = [Xml.Linq.XNamespace]::Get('http://msh')
    Maml    = [Xml.Linq.XNamespace]::Get('http://schemas.microsoft.com/maml/2004/10')
    Command = [Xml.Linq.XNamespace]::Get('http://schemas.microsoft.com/maml/dev/command/2004/10')
    Dev     = [Xml.Linq.XNamespace]::Get('http://schemas.microsoft.com/maml/dev/2004/10')
    MSHelp  = [Xml.Linq.XNamespace]::Get('http://msdn.microsoft.com/mshelp')
}
$script:CmdletSections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
$script:FrontMatterKeys = 'external help file', 'Module Name', 'online version', 'schema'
$script:YamlKeys = 'Type', 'Parameter Sets', 'Aliases', 'Accepted values', 'Required', 'Position', 'Default value',
    'Accept pipeline input', 'Accept wildcard characters'
$script:OptionalYamlKeys = @('Accepted values')
$script:AllSets = '(All)'
$script:AboutWidth = 80
$script:Indent = '    '

#region Markdown reading

function Expand-ScenarioList {
    <# '{{Scenarios <Cmdlet>}}' -> "- <how to run it> (<name>, lab): <description>" per member of that family, in catalogue order. #>
    param([string] $Cmdlet, [string] $Path, [int] $Line)
    if (-not ('SocketProbe.Engine.ScenarioCatalog' -as [type])) {
        if (-not (Test-Path -LiteralPath $EnginePath)) { Stop-Page $Path $Line "{{Scenarios}} needs the built engine ($EnginePath): run ./build.ps1 first" }
        Add-Type -LiteralPath $EnginePath
    }
    $family = @([SocketProbe.Engine.ScenarioCatalog]::Family($Cmdlet))
    if ($family.Count -eq 0) { Stop-Page $Path $Line "no scenario has the front door '$Cmdlet'" }
    foreach ($scenario in $family) {
        $command = [SocketProbe.Engine.FrontDoors]::CommandFor($scenario)
        $tags = @(if ($scenario.MemberName -ne $scenario.Name) { $scenario.Name }; if ($scenario.NeedsLab) { 'lab' })
        '- ' + $command + $(if ($tags) { " ($($tags -join ', '))" }) + ': ' + $scenario.Description
    }
}

function Stop-Page {
    # Every problem in a page ends here: file and line first, so an editor can jump to it.
    param([string] $Path, [int] $Line, [string] $Message)
    $where = if ($Line -gt 0) { "$(Split-Path -Leaf $Path):$Line" } else { Split-Path -Leaf $Path }
    throw "${where}: $Message"
}

function Read-MarkdownPage {
    <# Splits a page into its front matter and a flat list of blocks: Heading, Paragraph, Code. #>
    param([string] $Path)

    $text = [IO.File]::ReadAllText($Path, [Text.UTF8Encoding]::new($false))
    if ($text.Length -gt 0 -and $text[0] -eq [char]0xFEFF) { $text = $text.Substring(1) }
    $lines = ($text -replace "`r`n?", "`n").Split("`n")
    $lines = @(for ($n = 0; $n -lt $lines.Count; $n++) {
        if ($lines[$n] -match '^\{\{Scenarios (\S+)\}\}$') { Expand-ScenarioList $Matches[1] $Path ($n + 1) } else { $lines[$n] }
    })

    $front = $null
    $i = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        $front = [ordered]@{}
        $i = 1
        while ($true) {
            if ($i -ge $lines.Count) { Stop-Page $Path 1 'front matter opened with --- is never closed' }
            $line = $lines[$i]
            if ($line.Trim() -eq '---') { $i++; break }
            if ($line.Trim() -ne '') {
                $colon = $line.IndexOf(':')
                if ($colon -lt 1) { Stop-Page $Path ($i + 1) "front matter line is not 'key: value': $line" }
                $key = $line.Substring(0, $colon).Trim()
                if ($front.Contains($key)) { Stop-Page $Path ($i + 1) "front matter repeats '$key'" }
                $front[$key] = $line.Substring($colon + 1).Trim()
            }
            $i++
        }
    }

    $blocks = [Collections.Generic.List[object]]::new()
    $paragraph = $null
    while ($i -lt $lines.Count) {
        $line = $lines[$i]
        $number = $i + 1
        if ($line -match '^\s{0,3}(?<fence>`{3,}|~{3,})\s*(?<lang>[^`\s]*)\s*$') {
            $paragraph = $null
            $fence = $Matches.fence
            $language = $Matches.lang
            $body = [Collections.Generic.List[string]]::new()
            $i++
            while ($true) {
                if ($i -ge $lines.Count) { Stop-Page $Path $number 'code block is never closed' }
                $inner = $lines[$i]
                if ($inner -match '^\s{0,3}(`{3,}|~{3,})\s*$' -and $Matches[1][0] -eq $fence[0] -and $Matches[1].Length -ge $fence.Length) { break }
                $body.Add($inner)
                $i++
            }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Line = $number; Language = $language; Lines = $body.ToArray(); Level = 0; Text = '' })
            $i++
            continue
        }
        if ($line -match '^(?<hashes>#{1,6})\s+(?<text>.*?)\s*#*\s*$') {
            $paragraph = $null
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Line = $number; Level = $Matches.hashes.Length; Text = $Matches.text; Lines = @(); Language = '' })
        }
        elseif ($line.Trim() -eq '') {
            $paragraph = $null
        }
        else {
            if ($null -eq $paragraph) {
                $paragraph = [pscustomobject]@{ Kind = 'Paragraph'; Line = $number; Lines = [Collections.Generic.List[string]]::new(); Level = 0; Text = ''; Language = '' }
                $blocks.Add($paragraph)
            }
            $paragraph.Lines.Add($line)
        }
        $i++
    }
    [pscustomobject]@{ Path = $Path; FrontMatter = $front; Blocks = $blocks.ToArray() }
}

function ConvertFrom-Inline {
    <# Markdown inline syntax to help text: links keep their text (and absolute address), escapes and bold markers go, code spans stay as written. #>
    param([string] $Text)

    $parts = [regex]::Split($Text, '(`+[^`]*`+)')
    $out = foreach ($part in $parts) {
        if ($part.StartsWith('`')) { $part; continue }
        $part = [regex]::Replace($part, '\[(?<text>[^\]]+)\]\((?<uri>[^)\s]*)\)', {
                param($m)
                $uri = $m.Groups['uri'].Value
                if ($uri -match '^[a-z][a-z0-9+.-]*://') { "$($m.Groups['text'].Value) ($uri)" } else { $m.Groups['text'].Value }
            })
        $part = [regex]::Replace($part, '\*\*(.+?)\*\*', '$1')
        [regex]::Replace($part, '\\([\\`*_{}\[\]()#+\-.!<>|])', '$1')
    }
    (-join $out) -replace [char]0x00A0, ' '
}

function Split-TextBlocks {
    <#
    Turns the paragraph and code blocks of one section into logical pieces: Para (soft-wrapped
    lines joined), Item (a list item with its marker), Code (lines kept as written).
    #>
    param([object[]] $Blocks)

    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Code') {
            [pscustomobject]@{ Kind = 'Code'; Text = ($block.Lines -join "`n"); Marker = '' }
            continue
        }
        $current = $null
        foreach ($raw in $block.Lines) {
            $hardBreak = $raw -match '(\s{2,}|\\)$'
            $line = $raw.Trim() -replace '\\$', ''
            if ($line -match '^(?<marker>[-*+]|\d{1,3}[.)])\s+(?<rest>.*)$') {
                if ($null -ne $current) { $current }
                $found = $Matches.marker
                $rest = $Matches.rest
                $marker = if ($found -match '^\d') { $found } else { '-' }
                $current = [pscustomobject]@{ Kind = 'Item'; Text = $rest; Marker = $marker }
            }
            elseif ($null -eq $current) {
                $current = [pscustomobject]@{ Kind = 'Para'; Text = $line; Marker = '' }
            }
            else {
                $current.Text = "$($current.Text) $line"
            }
            if ($hardBreak) { $current; $current = $null }
        }
        if ($null -ne $current) { $current }
    }
}

function ConvertTo-Paras {
    <# The maml:para texts of a section: one per paragraph, list item or code block; PlatyPS writes one empty para for an empty section. #>
    param([object[]] $Blocks)

    $paras = @(foreach ($piece in Split-TextBlocks $Blocks) {
            if ($piece.Kind -eq 'Code') { $piece.Text }
            elseif ($piece.Kind -eq 'Item') { "$($piece.Marker) $(ConvertFrom-Inline $piece.Text)" }
            else { ConvertFrom-Inline $piece.Text }
        })
    if ($paras.Count -eq 0) { , @('') } else { , $paras }
}

#endregion

#region Cmdlet pages

function Get-Sections {
    <# Level-2 sections of a cmdlet page, checked against the PlatyPS list and order. #>
    param($Page, [object[]] $Blocks)

    $sections = [ordered]@{}
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -le 2) {
            if ($block.Level -eq 1) { Stop-Page $Page.Path $block.Line "a cmdlet page has one '# Name' heading; found another: $($block.Text)" }
            $name = $block.Text.ToUpperInvariant()
            if ($name -notin $script:CmdletSections) {
                Stop-Page $Page.Path $block.Line "unknown section '## $($block.Text)'; expected: $($script:CmdletSections -join ', ')"
            }
            if ($sections.Contains($name)) { Stop-Page $Page.Path $block.Line "section '## $name' appears twice" }
            $current = [pscustomobject]@{ Name = $name; Line = $block.Line; Blocks = [Collections.Generic.List[object]]::new() }
            $sections[$name] = $current
        }
        elseif ($null -eq $current) {
            Stop-Page $Page.Path $block.Line "text before the first '## SYNOPSIS' section"
        }
        else {
            $current.Blocks.Add($block)
        }
    }
    foreach ($name in $script:CmdletSections) {
        if (-not $sections.Contains($name)) { Stop-Page $Page.Path 0 "missing section '## $name'" }
    }
    $order = @($sections.Keys)
    for ($k = 0; $k -lt $script:CmdletSections.Count; $k++) {
        if ($order[$k] -ne $script:CmdletSections[$k]) {
            Stop-Page $Page.Path $sections[$order[$k]].Line "section '## $($order[$k])' is out of order; expected: $($script:CmdletSections -join ', ')"
        }
    }
    $sections
}

function Split-BySubheading {
    <# The level-3 entries of a section: heading text plus the blocks under it. Text before the first entry throws. #>
    param($Page, $Section)

    $entries = [Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($block in $Section.Blocks) {
        if ($block.Kind -eq 'Heading') {
            if ($block.Level -ne 3) { Stop-Page $Page.Path $block.Line "'## $($Section.Name)' holds '### ' entries; found a level-$($block.Level) heading" }
            $current = [pscustomobject]@{ Title = $block.Text; Line = $block.Line; Blocks = [Collections.Generic.List[object]]::new() }
            $entries.Add($current)
        }
        elseif ($null -eq $current) {
            Stop-Page $Page.Path $block.Line "'## $($Section.Name)' has text before its first '### ' entry"
        }
        else {
            $current.Blocks.Add($block)
        }
    }
    $entries
}

function Assert-PlainText {
    <# Sections that hold only text: no headings inside. #>
    param($Page, $Section, [switch] $AllowEmpty)
    foreach ($block in $Section.Blocks) {
        if ($block.Kind -eq 'Heading') { Stop-Page $Page.Path $block.Line "'## $($Section.Name)' takes text only; found heading '$($block.Text)'" }
    }
    if (-not $AllowEmpty -and -not ($Section.Blocks | Where-Object Kind -EQ 'Paragraph')) {
        Stop-Page $Page.Path $Section.Line "section '## $($Section.Name)' is empty"
    }
}

function Read-Yaml {
    <# One ```yaml block of a parameter: the PlatyPS keys, every one present, values checked. #>
    param($Page, $Block, [string] $Parameter)

    $values = [ordered]@{}
    $n = $Block.Line
    foreach ($line in $Block.Lines) {
        $n++
        if ($line.Trim() -eq '') { continue }
        $colon = $line.IndexOf(':')
        if ($colon -lt 1) { Stop-Page $Page.Path $n "yaml for -${Parameter}: line is not 'Key: value': $line" }
        $key = $line.Substring(0, $colon).Trim()
        $known = $script:YamlKeys | Where-Object { $_ -eq $key }
        if (-not $known) { Stop-Page $Page.Path $n "yaml for -${Parameter}: unknown key '$key'; expected: $($script:YamlKeys -join ', ')" }
        if ($values.Contains($known)) { Stop-Page $Page.Path $n "yaml for -${Parameter}: key '$known' appears twice" }
        $values[$known] = $line.Substring($colon + 1).Trim()
    }
    foreach ($key in $script:YamlKeys) {
        if ($key -in $script:OptionalYamlKeys) { continue }
        if (-not $values.Contains($key)) { Stop-Page $Page.Path $Block.Line "yaml for -${Parameter} is missing '${key}:'" }
    }
    foreach ($key in 'Type', 'Parameter Sets', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters') {
        if ($values[$key] -eq '') { Stop-Page $Page.Path $Block.Line "yaml for -${Parameter} has an empty '${key}:'" }
    }
    foreach ($key in 'Required', 'Accept wildcard characters') {
        if ($values[$key] -notin 'True', 'False') { Stop-Page $Page.Path $Block.Line "yaml for -${Parameter}: '${key}:' is True or False, not '$($values[$key])'" }
    }
    if ($values['Position'] -notmatch '^(Named|\d+)$') { Stop-Page $Page.Path $Block.Line "yaml for -${Parameter}: 'Position:' is Named or a number, not '$($values['Position'])'" }
    if ($values['Accept pipeline input'] -notmatch '^(False|True \((ByValue|ByPropertyName)(, (ByValue|ByPropertyName))?\))$') {
        Stop-Page $Page.Path $Block.Line "yaml for -${Parameter}: 'Accept pipeline input:' is False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue), not '$($values['Accept pipeline input'])'"
    }
    $sets = @($values['Parameter Sets'].Split(',') | ForEach-Object Trim | Where-Object { $_ })
    if ($sets.Count -eq 0) { Stop-Page $Page.Path $Block.Line "yaml for -${Parameter} names no parameter set" }
    if ($sets -contains $script:AllSets -and $sets.Count -gt 1) { Stop-Page $Page.Path $Block.Line "yaml for -${Parameter}: '(All)' cannot be combined with named sets" }
    $aliases = @($values['Aliases'].Split(',') | ForEach-Object Trim | Where-Object { $_ })
    $accepted = @(if ($values.Contains('Accepted values')) { $values['Accepted values'].Split(',') | ForEach-Object Trim | Where-Object { $_ } })

    [pscustomobject]@{
        Name           = $Parameter
        Type           = $values['Type']
        Sets           = $sets
        Aliases        = $aliases
        AcceptedValues = $accepted
        Required       = $values['Required'] -eq 'True'
        Position       = $values['Position']
        DefaultValue   = $values['Default value']
        PipelineInput  = $values['Accept pipeline input']
        Globbing       = $values['Accept wildcard characters'] -eq 'True'
        IsSwitch       = $values['Type'] -in 'SwitchParameter', 'System.Management.Automation.SwitchParameter'
        Description    = $null
    }
}

function Read-CmdletPage {
    <# A parsed, checked cmdlet page: everything the MAML needs. #>
    param($Page)

    foreach ($key in $script:FrontMatterKeys) {
        if (-not $Page.FrontMatter.Contains($key)) { Stop-Page $Page.Path 1 "front matter is missing '${key}:'" }
    }
    if ($Page.FrontMatter['schema'] -ne '2.0.0') { Stop-Page $Page.Path 1 "front matter 'schema:' is 2.0.0, not '$($Page.FrontMatter['schema'])'" }
    if (-not $Page.FrontMatter['external help file']) { Stop-Page $Page.Path 1 "front matter 'external help file:' is empty" }

    $blocks = $Page.Blocks
    if ($blocks.Count -eq 0 -or $blocks[0].Kind -ne 'Heading' -or $blocks[0].Level -ne 1) {
        Stop-Page $Page.Path 0 "a cmdlet page starts with '# <Verb-Noun>'"
    }
    $name = $blocks[0].Text
    $expected = [IO.Path]::GetFileNameWithoutExtension($Page.Path)
    if ($name -cne $expected) { Stop-Page $Page.Path $blocks[0].Line "heading '# $name' does not match the file name '$expected.md'" }
    if ($name -notmatch '^[A-Za-z]+-\w+$') { Stop-Page $Page.Path $blocks[0].Line "'$name' is not a Verb-Noun cmdlet name" }
    $sections = Get-Sections $Page ($blocks | Select-Object -Skip 1)

    foreach ($plain in 'SYNOPSIS', 'DESCRIPTION') { Assert-PlainText $Page $sections[$plain] }
    Assert-PlainText $Page $sections['NOTES'] -AllowEmpty

    # PARAMETERS first: SYNTAX is checked against it.
    $parameters = [Collections.Generic.List[object]]::new()
    $hasCommon = $false
    foreach ($entry in Split-BySubheading $Page $sections['PARAMETERS']) {
        if ($entry.Title -eq 'CommonParameters') {
            if ($hasCommon) { Stop-Page $Page.Path $entry.Line "'### CommonParameters' appears twice" }
            $hasCommon = $true
            continue
        }
        if ($entry.Title -notmatch '^-(?<name>[A-Za-z]\w*)$') { Stop-Page $Page.Path $entry.Line "parameter entries are '### -Name', not '### $($entry.Title)'" }
        $pname = $Matches.name
        if ($parameters | Where-Object Name -EQ $pname) { Stop-Page $Page.Path $entry.Line "parameter -$pname is documented twice" }
        $text = @($entry.Blocks | Where-Object { -not ($_.Kind -eq 'Code' -and $_.Language -eq 'yaml') })
        $yaml = @($entry.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yaml.Count -eq 0) { Stop-Page $Page.Path $entry.Line "parameter -$pname has no fenced yaml block" }
        if (-not ($text | Where-Object Kind -EQ 'Paragraph')) { Stop-Page $Page.Path $entry.Line "parameter -$pname has no description" }
        $lastText = ($text | Measure-Object -Property Line -Maximum).Maximum
        if ($lastText -gt $yaml[0].Line) { Stop-Page $Page.Path $entry.Line "parameter -${pname}: the description goes before the yaml block" }
        $description = ConvertTo-Paras $text
        # One yaml block per distinct metadata (PlatyPS writes several when a parameter differs between sets).
        $variants = @($yaml | ForEach-Object {
                $v = Read-Yaml $Page $_ $pname
                $v.Description = $description
                $v
            })
        $seen = @{}
        foreach ($v in $variants) {
            foreach ($s in $v.Sets) {
                if ($seen.ContainsKey($s)) { Stop-Page $Page.Path $entry.Line "parameter -$pname lists set '$s' in two yaml blocks" }
                $seen[$s] = $true
            }
        }
        $parameters.Add([pscustomobject]@{ Name = $pname; Line = $entry.Line; Variants = $variants })
    }
    if (-not $hasCommon) { Stop-Page $Page.Path $sections['PARAMETERS'].Line "'## PARAMETERS' has no '### CommonParameters' entry" }

    # SYNTAX: '### SetName' + one code block each; every -Name in it must have an entry, and agree on its sets.
    $syntaxSets = [Collections.Generic.List[object]]::new()
    foreach ($entry in Split-BySubheading $Page $sections['SYNTAX']) {
        $code = @($entry.Blocks | Where-Object Kind -EQ 'Code')
        if ($code.Count -ne 1 -or @($entry.Blocks).Count -ne 1) { Stop-Page $Page.Path $entry.Line "'### $($entry.Title)' in SYNTAX holds exactly one code block" }
        $setName = ($entry.Title -replace '\s*\(Default\)\s*$', '').Trim()
        if ($syntaxSets | Where-Object Name -EQ $setName) { Stop-Page $Page.Path $entry.Line "parameter set '$setName' appears twice in SYNTAX" }
        $body = $code[0].Lines -join "`n"
        if ($body -notmatch "(?m)^\s*$([regex]::Escape($name))(\s|$)") { Stop-Page $Page.Path $code[0].Line "the SYNTAX block for '$setName' does not start with $name" }
        $named = @([regex]::Matches($body, '(?<=[\s\[])-(?<p>[A-Za-z]\w*)') | ForEach-Object { $_.Groups['p'].Value } | Select-Object -Unique)
        foreach ($p in $named) {
            if (-not ($parameters | Where-Object Name -EQ $p)) {
                Stop-Page $Page.Path $code[0].Line "SYNTAX ($setName) names -$p but '## PARAMETERS' has no '### -$p' entry"
            }
        }
        $syntaxSets.Add([pscustomobject]@{ Name = $setName; Line = $entry.Line; Named = $named })
    }
    if ($syntaxSets.Count -eq 0) { Stop-Page $Page.Path $sections['SYNTAX'].Line "'## SYNTAX' has no '### ParameterSetName' entry" }
    $onlySet = $syntaxSets.Count -eq 1
    foreach ($p in $parameters) {
        $inAny = $false
        foreach ($set in $syntaxSets) {
            $variant = @($p.Variants | Where-Object { $_.Sets -contains $set.Name -or $_.Sets -contains $script:AllSets })
            $listed = $set.Named -contains $p.Name
            if ($variant.Count -gt 0 -and -not $listed) { Stop-Page $Page.Path $set.Line "-$($p.Name) belongs to set '$($set.Name)' (its yaml says so) but the SYNTAX block for it does not name it" }
            if ($listed -and $variant.Count -eq 0) { Stop-Page $Page.Path $set.Line "SYNTAX ($($set.Name)) names -$($p.Name), but its yaml 'Parameter Sets:' does not include '$($set.Name)'" }
            if ($listed) { $inAny = $true }
        }
        if (-not $inAny) { Stop-Page $Page.Path $p.Line "-$($p.Name) is documented but no SYNTAX block names it" }
        foreach ($v in $p.Variants) {
            foreach ($s in $v.Sets) {
                if ($s -ne $script:AllSets -and -not ($syntaxSets | Where-Object Name -EQ $s)) {
                    Stop-Page $Page.Path $p.Line "-$($p.Name) lists parameter set '$s', which has no '### $s' in SYNTAX"
                }
            }
        }
    }
    if (-not $onlySet -and ($syntaxSets | Where-Object Name -EQ $script:AllSets)) {
        Stop-Page $Page.Path $sections['SYNTAX'].Line "'### (All)' in SYNTAX is for a cmdlet with one parameter set only"
    }

    # EXAMPLES: '### Example N: title', code block(s), then remarks.
    $examples = [Collections.Generic.List[object]]::new()
    foreach ($entry in Split-BySubheading $Page $sections['EXAMPLES']) {
        $expectedNumber = $examples.Count + 1
        if ($entry.Title -notmatch "^Example (\d+)\b") { Stop-Page $Page.Path $entry.Line "examples are '### Example N: Title', not '### $($entry.Title)'" }
        if ([int]$Matches[1] -ne $expectedNumber) { Stop-Page $Page.Path $entry.Line "expected Example $expectedNumber, found '$($entry.Title)'" }
        $items = @($entry.Blocks)
        if ($items.Count -eq 0 -or $items[0].Kind -ne 'Code') { Stop-Page $Page.Path $entry.Line "'$($entry.Title)' must start with its code block (PlatyPS drops text placed before the code)" }
        $code = [Collections.Generic.List[string]]::new()
        $k = 0
        while ($k -lt $items.Count -and $items[$k].Kind -eq 'Code') { $code.Add(($items[$k].Lines -join "`n")); $k++ }
        $remarks = @($items | Select-Object -Skip $k)
        if ($remarks | Where-Object Kind -EQ 'Code') { Stop-Page $Page.Path $entry.Line "'$($entry.Title)': code blocks go together before the remarks (start a new example instead)" }
        if (($code -join '') -match '^\s*$') { Stop-Page $Page.Path $entry.Line "'$($entry.Title)' has an empty code block" }
        $examples.Add([pscustomobject]@{ Title = $entry.Title; Code = ($code -join "`n`n"); Remarks = (ConvertTo-Paras $remarks) })
    }
    if ($examples.Count -eq 0) { Stop-Page $Page.Path $sections['EXAMPLES'].Line "'## EXAMPLES' has no example" }

    $io = @{}
    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        $entries = @(Split-BySubheading $Page $sections[$kind])
        if ($entries.Count -eq 0) { Stop-Page $Page.Path $sections[$kind].Line "'## $kind' has no '### TypeName' entry (write '### None' when there is none)" }
        $io[$kind] = @($entries | ForEach-Object { [pscustomobject]@{ TypeName = $_.Title; Description = (ConvertTo-Paras @($_.Blocks)) } })
    }

    $links = [Collections.Generic.List[object]]::new()
    $online = $Page.FrontMatter['online version']
    foreach ($block in $sections['RELATED LINKS'].Blocks) {
        if ($block.Kind -ne 'Paragraph') { Stop-Page $Page.Path $block.Line "'## RELATED LINKS' holds [text](address) links only" }
        foreach ($line in $block.Lines) {
            $rest = [regex]::Replace($line, '\[[^\]]+\]\([^)\s]*\)', '').Trim()
            if ($rest -ne '') { Stop-Page $Page.Path $block.Line "'## RELATED LINKS' holds [text](address) links only; found '$rest'" }
            foreach ($m in [regex]::Matches($line, '\[(?<text>[^\]]+)\]\((?<uri>[^)\s]*)\)')) {
                $uri = $m.Groups['uri'].Value
                $absolute = $null
                $links.Add([pscustomobject]@{
                        Text = $m.Groups['text'].Value
                        # The help engine wants real URIs; a link to another .md page keeps its text only (as PlatyPS does).
                        Uri  = if ([Uri]::TryCreate($uri, [UriKind]::Absolute, [ref]$absolute) -and $uri -match '^[a-z][a-z0-9+.-]*://') { $uri } else { '' }
                    })
            }
        }
    }
    if ($online -and -not ($links.Count -gt 0 -and $links[0].Uri -eq $online)) {
        $links.Insert(0, [pscustomobject]@{ Text = 'Online Version:'; Uri = $online })
    }

    [pscustomobject]@{
        Name        = $name
        HelpFile    = $Page.FrontMatter['external help file']
        Synopsis    = ConvertTo-Paras @($sections['SYNOPSIS'].Blocks)
        Description = ConvertTo-Paras @($sections['DESCRIPTION'].Blocks)
        SyntaxSets  = $syntaxSets.ToArray()
        Parameters  = $parameters.ToArray()
        Examples    = $examples.ToArray()
        Inputs      = $io['INPUTS']
        Outputs     = $io['OUTPUTS']
        Notes       = ConvertTo-Paras @($sections['NOTES'].Blocks)
        Links       = $links.ToArray()
    }
}

#endregion

#region MAML

function New-Element {
    param([Xml.Linq.XNamespace] $Namespace, [string] $Name, [object[]] $Content = @())
    $element = [Xml.Linq.XElement]::new($Namespace.GetName($Name))
    foreach ($item in $Content) {
        if ($null -ne $item) { $element.Add($item) }
    }
    $element
}

function New-Paras {
    param([string[]] $Paras)
    foreach ($p in $Paras) { New-Element $script:Ns.Maml 'para' @([string]$p) }
}

function New-ParameterElement {
    <# command:parameter as PlatyPS renders it, in the syntax (no switch value, value group) or in the parameter list. #>
    param($Variant, [switch] $Syntax)

    $type = if ($Variant.IsSwitch) { 'SwitchParameter' } else { $Variant.Type }
    $default = if ($Variant.IsSwitch -and ($Variant.DefaultValue -in '', 'None')) { 'False' } elseif ($Variant.DefaultValue) { $Variant.DefaultValue } else { 'None' }
    $content = @(
        [Xml.Linq.XAttribute]::new('required', $Variant.Required.ToString().ToLowerInvariant())
        [Xml.Linq.XAttribute]::new('variableLength', 'true')
        [Xml.Linq.XAttribute]::new('globbing', $Variant.Globbing.ToString().ToLowerInvariant())
        [Xml.Linq.XAttribute]::new('pipelineInput', $Variant.PipelineInput)
        [Xml.Linq.XAttribute]::new('position', $Variant.Position.ToLowerInvariant())
        [Xml.Linq.XAttribute]::new('aliases', $(if ($Variant.Aliases.Count) { $Variant.Aliases -join ', ' } else { 'none' }))
        New-Element $script:Ns.Maml 'name' @($Variant.Name)
        New-Element $script:Ns.Maml 'description' @(New-Paras $Variant.Description)
        if ($Syntax -and $Variant.AcceptedValues.Count) {
            New-Element $script:Ns.Command 'parameterValueGroup' @($Variant.AcceptedValues | ForEach-Object {
                    New-Element $script:Ns.Command 'parameterValue' @(
                        [Xml.Linq.XAttribute]::new('required', 'false')
                        [Xml.Linq.XAttribute]::new($script:Ns.Command.GetName('variableLength'), 'false')
                        $_)
                })
        }
        if (-not ($Syntax -and $Variant.IsSwitch)) {
            New-Element $script:Ns.Command 'parameterValue' @(
                [Xml.Linq.XAttribute]::new('required', $(if ($Variant.IsSwitch) { 'false' } else { 'true' }))
                [Xml.Linq.XAttribute]::new('variableLength', 'false')
                $type)
        }
        New-Element $script:Ns.Dev 'type' @(
            New-Element $script:Ns.Maml 'name' @($type)
            New-Element $script:Ns.Maml 'uri')
        New-Element $script:Ns.Dev 'defaultValue' @($default)
    )
    New-Element $script:Ns.Command 'parameter' $content
}

function Get-PadTitle {
    <# PlatyPS pads an example title with dashes to 64 characters: '---- Example 1: Title ----'. #>
    param([string] $Title)
    if ([string]::IsNullOrWhiteSpace($Title) -or $Title.Length -ge 62) { return $Title }
    $pad = [Math]::Floor((64 - $Title.Length - 2) / 2)
    ('-' * $pad) + " $Title " + ('-' * $pad)
}

function Get-PositionKey {
    param([string] $Position)
    if ($Position -match '^\d+$') { [int]$Position } else { [int]::MaxValue }
}

function New-CommandElement {
    param($Command)

    $verb, $noun = $Command.Name.Split('-', 2)
    $syntaxItems = foreach ($set in $Command.SyntaxSets) {
        $members = foreach ($p in $Command.Parameters) {
            $variant = $p.Variants | Where-Object { $_.Sets -contains $set.Name } | Select-Object -First 1
            if (-not $variant) { $variant = $p.Variants | Where-Object { $_.Sets -contains $script:AllSets } | Select-Object -First 1 }
            if ($variant) { $variant }
        }
        # Positional parameters first, in position order; then the named ones in page order (a stable sort).
        $ordered = @($members) | Sort-Object -Stable { Get-PositionKey $_.Position }
        New-Element $script:Ns.Command 'syntaxItem' @(
            New-Element $script:Ns.Maml 'name' @($Command.Name)
            foreach ($v in $ordered) { New-ParameterElement $v -Syntax })
    }

    New-Element $script:Ns.Command 'command' @(
        [Xml.Linq.XAttribute]::new([Xml.Linq.XNamespace]::Xmlns.GetName('maml'), $script:Ns.Maml.NamespaceName)
        [Xml.Linq.XAttribute]::new([Xml.Linq.XNamespace]::Xmlns.GetName('command'), $script:Ns.Command.NamespaceName)
        [Xml.Linq.XAttribute]::new([Xml.Linq.XNamespace]::Xmlns.GetName('dev'), $script:Ns.Dev.NamespaceName)
        [Xml.Linq.XAttribute]::new([Xml.Linq.XNamespace]::Xmlns.GetName('MSHelp'), $script:Ns.MSHelp.NamespaceName)
        New-Element $script:Ns.Command 'details' @(
            New-Element $script:Ns.Command 'name' @($Command.Name)
            New-Element $script:Ns.Command 'verb' @($verb)
            New-Element $script:Ns.Command 'noun' @($noun)
            New-Element $script:Ns.Maml 'description' @(New-Paras $Command.Synopsis))
        New-Element $script:Ns.Maml 'description' @(New-Paras $Command.Description)
        New-Element $script:Ns.Command 'syntax' @($syntaxItems)
        New-Element $script:Ns.Command 'parameters' @($Command.Parameters | ForEach-Object { New-ParameterElement $_.Variants[0] })
        New-Element $script:Ns.Command 'inputTypes' @($Command.Inputs | ForEach-Object {
                New-Element $script:Ns.Command 'inputType' @(
                    New-Element $script:Ns.Dev 'type' @(New-Element $script:Ns.Maml 'name' @($_.TypeName))
                    New-Element $script:Ns.Maml 'description' @(New-Paras $_.Description))
            })
        New-Element $script:Ns.Command 'returnValues' @($Command.Outputs | ForEach-Object {
                New-Element $script:Ns.Command 'returnValue' @(
                    New-Element $script:Ns.Dev 'type' @(New-Element $script:Ns.Maml 'name' @($_.TypeName))
                    New-Element $script:Ns.Maml 'description' @(New-Paras $_.Description))
            })
        New-Element $script:Ns.Maml 'alertSet' @(New-Element $script:Ns.Maml 'alert' @(New-Paras $Command.Notes))
        New-Element $script:Ns.Command 'examples' @($Command.Examples | ForEach-Object {
                New-Element $script:Ns.Command 'example' @(
                    New-Element $script:Ns.Maml 'title' @(Get-PadTitle $_.Title)
                    New-Element $script:Ns.Dev 'code' @($_.Code)
                    New-Element $script:Ns.Dev 'remarks' @(New-Paras $_.Remarks))
            })
        New-Element $script:Ns.Command 'relatedLinks' @($Command.Links | ForEach-Object {
                New-Element $script:Ns.Maml 'navigationLink' @(
                    New-Element $script:Ns.Maml 'linkText' @($_.Text)
                    New-Element $script:Ns.Maml 'uri' @($_.Uri))
            })
    )
}

function ConvertTo-MamlBytes {
    param([object[]] $Commands)

    $root = New-Element $script:Ns.Msh 'helpItems' @([Xml.Linq.XAttribute]::new('schema', 'maml'))
    foreach ($c in $Commands) { $root.Add((New-CommandElement $c)) }
    $document = [Xml.Linq.XDocument]::new([Xml.Linq.XDeclaration]::new('1.0', 'utf-8', $null), $root)

    # Fixed writer settings, not the platform's: LF, two-space indent, UTF-8 without BOM.
    $settings = [Xml.XmlWriterSettings]::new()
    $settings.Encoding = [Text.UTF8Encoding]::new($false)
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.NewLineHandling = [Xml.NewLineHandling]::Replace
    $stream = [IO.MemoryStream]::new()
    $writer = [Xml.XmlWriter]::Create($stream, $settings)
    try { $document.Save($writer) } finally { $writer.Dispose() }
    $stream.WriteByte(10)
    $stream.ToArray()
}

#endregion

#region About topics

function Format-Wrapped {
    <# Word-wraps text to the about width with the given first-line and continuation indents. #>
    param([string] $Text, [string] $First, [string] $Rest)

    $lines = [Collections.Generic.List[string]]::new()
    $line = $First
    $lineHasWord = $false
    foreach ($word in ($Text -split ' +' | Where-Object { $_ })) {
        if ($lineHasWord -and $line.Length + 1 + $word.Length -gt $script:AboutWidth) {
            $lines.Add($line)
            $line = $Rest + $word
        }
        elseif ($lineHasWord) { $line += " $word" }
        else { $line += $word }
        $lineHasWord = $true
    }
    if ($lineHasWord) { $lines.Add($line) }
    $lines
}

function ConvertTo-Plain {
    <# PlatyPS's about-topic clean-up: typographic quotes and dashes become ASCII. #>
    param([string] $Text)
    $Text = [regex]::Replace($Text, "[\u2018\u2019\u201b]", "'")
    $Text = [regex]::Replace($Text, "[\u201c\u201d\u201e\u201f]", '"')
    [regex]::Replace($Text, "[\u05be\u1806\u2010\u2011\u00ad\u2012\u2013\u2014\u2015\u2212]", '-')
}

function ConvertTo-AboutText {
    <#
    PlatyPS about layout: '# about_X' (topic), '## about_X' (help name) -> TOPIC / name;
    '# TITLE' -> TITLE; '## Subtopic' -> as written; '### Minor' -> indented upper case;
    paragraphs and list items indented 4 and wrapped at 80; code kept as written, indented 4.
    #>
    param($Page)

    if ($null -ne $Page.FrontMatter) { Stop-Page $Page.Path 1 'an about topic has no front matter' }
    $blocks = $Page.Blocks
    $topic = [IO.Path]::GetFileNameWithoutExtension($Page.Path)
    if ($blocks.Count -lt 2 -or $blocks[0].Kind -ne 'Heading' -or $blocks[0].Level -ne 1 -or
        $blocks[1].Kind -ne 'Heading' -or $blocks[1].Level -ne 2) {
        Stop-Page $Page.Path 0 "an about topic starts with '# $topic' and '## $topic'"
    }
    if ($blocks[1].Text -ne $topic) { Stop-Page $Page.Path $blocks[1].Line "the second heading names the help topic and must be '## $topic', not '## $($blocks[1].Text)'" }
    $titles = @($blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 } | ForEach-Object { $_.Text.ToUpperInvariant() })
    foreach ($needed in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        if ($needed -notin $titles) { Stop-Page $Page.Path 0 "missing section '# $needed'" }
    }

    $out = [Collections.Generic.List[string]]::new()
    $out.Add('TOPIC')
    $out.Add($script:Indent + $blocks[1].Text)
    $out.Add('')
    foreach ($block in $blocks | Select-Object -Skip 2) {
        switch ($block.Kind) {
            'Heading' {
                if ($out.Count -gt 0 -and $out[$out.Count - 1] -ne '' -and $block.Level -le 2) { $out.Add('') }
                $title = ConvertFrom-Inline $block.Text
                if ($block.Level -eq 1) { $out.Add($title.ToUpperInvariant()) }
                elseif ($block.Level -eq 2) { $out.Add($title) }
                else { $out.Add($script:Indent + $title.ToUpperInvariant()) }
            }
            'Code' {
                $n = $block.Line
                foreach ($line in $block.Lines) {
                    $n++
                    if ($script:Indent.Length + $line.Length -gt $script:AboutWidth) {
                        Stop-Page $Page.Path $n "code line is longer than $($script:AboutWidth - $script:Indent.Length) characters (it is kept as written, and about topics stay within $($script:AboutWidth) columns)"
                    }
                    $out.Add(($script:Indent + $line).TrimEnd())
                }
                $out.Add('')
            }
            'Paragraph' {
                if ($block.Lines[0].TrimStart().StartsWith('|')) { Stop-Page $Page.Path $block.Line 'tables do not survive the conversion to plain text; use a list' }
                foreach ($piece in Split-TextBlocks @($block)) {
                    $text = ConvertFrom-Inline $piece.Text
                    if ($piece.Kind -eq 'Item') {
                        $marker = "$($piece.Marker) "
                        foreach ($l in Format-Wrapped $text ($script:Indent + $marker) ($script:Indent + (' ' * $marker.Length))) { $out.Add($l) }
                    }
                    else {
                        foreach ($l in Format-Wrapped $text $script:Indent $script:Indent) { $out.Add($l) }
                    }
                }
                $out.Add('')
            }
        }
    }
    while ($out.Count -gt 0 -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    $text = ConvertTo-Plain (($out -join "`n") + "`n")
    [Text.UTF8Encoding]::new($false).GetBytes($text)
}

#endregion

#region Main

if (-not (Test-Path -LiteralPath $DocsPath -PathType Container)) { throw "DocsPath '$DocsPath' is not a folder" }
# Ordinal order, so the MAML lists commands the same way on every machine and culture.
$pages = [IO.FileInfo[]]@(Get-ChildItem -LiteralPath $DocsPath -Filter '*.md' -File)
if ($pages.Count -eq 0) { throw "no markdown pages in '$DocsPath'" }
[Array]::Sort([string[]]@($pages.Name), $pages, [StringComparer]::Ordinal)

# Render everything in memory first: a malformed page throws before any file is touched.
$outputs = [ordered]@{}
$commandsByFile = [ordered]@{}
foreach ($file in $pages) {
    $page = Read-MarkdownPage $file.FullName
    if ($file.BaseName -like 'about_*') {
        $outputs["$($file.BaseName).help.txt"] = ConvertTo-AboutText $page
    }
    elseif ($null -ne $page.FrontMatter -and $page.FrontMatter.Contains('external help file')) {
        $command = Read-CmdletPage $page
        if (-not $commandsByFile.Contains($command.HelpFile)) { $commandsByFile[$command.HelpFile] = [Collections.Generic.List[object]]::new() }
        $commandsByFile[$command.HelpFile].Add($command)
    }
    elseif ($null -ne $page.FrontMatter -and $page.FrontMatter.Contains('Module Guid')) {
        Write-Verbose "Skipping module page $($file.Name)"
    }
    else {
        Stop-Page $file.FullName 1 "neither an about_ topic nor a cmdlet page (front matter with 'external help file:')"
    }
}
foreach ($helpFile in $commandsByFile.Keys) {
    $outputs[$helpFile] = ConvertTo-MamlBytes $commandsByFile[$helpFile].ToArray()
}

New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
$target = (Resolve-Path -LiteralPath $OutputPath).ProviderPath
foreach ($name in $outputs.Keys) {
    $path = Join-Path $target $name
    $bytes = [byte[]]$outputs[$name]
    $same = (Test-Path -LiteralPath $path) -and [Linq.Enumerable]::SequenceEqual([byte[]][IO.File]::ReadAllBytes($path), $bytes)
    if (-not $same) {
        [IO.File]::WriteAllBytes($path, $bytes)
        Write-Verbose "Wrote $path"
    }
}
# Generated files that no page produces any more would be stale help: remove them.
Get-ChildItem -LiteralPath $target -File | Where-Object {
    ($_.Name -like '*-Help.xml' -or $_.Name -like 'about_*.help.txt') -and -not $outputs.Contains($_.Name)
} | ForEach-Object {
    Write-Verbose "Removing stale $($_.FullName)"
    Remove-Item -LiteralPath $_.FullName
}

#endregion
