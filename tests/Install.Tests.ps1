# Installing as users install modules: -Task Package output published with Publish-PSResource to a file repository,
# installed with Install-PSResource, imported by name in a fresh process; the manifest the Gallery shows; and the
# module's own assembly load context, which keeps another module's version of a shared dependency apart.
BeforeDiscovery {
    # An older Microsoft.Extensions.Logging.Abstractions than the module's (6.0.0, restored by tests/tools/tools.csproj).
    $script:OldLoggingPath = 'microsoft.extensions.logging.abstractions/6.0.0/lib/net6.0/Microsoft.Extensions.Logging.Abstractions.dll'
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $script:NoOldLogging = if (-not (Test-Path (Join-Path $packages $OldLoggingPath))) { "no $OldLoggingPath in $packages (dotnet restore tests/tools)" }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    function Invoke-ChildPwsh {
        # Run a script in a fresh PowerShell with extra environment; returns its output lines; throws on a non-zero exit.
        param([string] $Script, [hashtable] $Environment = @{}, [string[]] $Arguments = @())
        $exe, $rest = Get-ChildPwsh
        $pre = @($rest | Where-Object { $_ })
        $file = Join-Path $TestDrive ("child-{0}.ps1" -f [guid]::NewGuid().ToString('n'))
        Set-Content -Path $file -Value $Script
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        try {
            $out = & $exe @pre -NoProfile -NonInteractive -WorkingDirectory $TestDrive -File $file @Arguments 2>&1
            $code = $LASTEXITCODE
        }
        finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
        if ($code -ne 0) { throw "child PowerShell exited with $code`n$($out -join "`n")" }
        $out | ForEach-Object { "$_" }
    }

    $script:Manifest = Import-PowerShellDataFile (Join-Path $RepoRoot 'SocketProbe.psd1')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $script:OldLogging = Get-Item -ErrorAction Ignore -Path (Join-Path $packages 'microsoft.extensions.logging.abstractions/6.0.0/lib/net6.0/Microsoft.Extensions.Logging.Abstractions.dll')
}

Describe 'The manifest carries what the Gallery shows' {
    It 'passes Test-ModuleManifest' {
        $info = Test-ModuleManifest -Path (Join-Path $RepoRoot 'SocketProbe.psd1') -ErrorAction Stop
        $info.Name | Should -Be 'SocketProbe'
        $info.RootModule | Should -Be 'SocketProbe.psm1'
    }

    It 'has <Field>' -TestCases @(
        @{ Field = 'Tags' }, @{ Field = 'ProjectUri' }, @{ Field = 'LicenseUri' }, @{ Field = 'ReleaseNotes' }
    ) {
        param($Field)
        $Manifest.PrivateData.PSData[$Field] | Should -Not -BeNullOrEmpty
        if ($Field -like '*Uri') { [uri]::IsWellFormedUriString($Manifest.PrivateData.PSData[$Field], 'Absolute') | Should -BeTrue }
    }

    It 'asks for PowerShell 7.4 and the Core edition' {
        [version]$Manifest.PowerShellVersion | Should -Be ([version]'7.4')
        $Manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'ships an MIT LICENSE and a CHANGELOG with this version' {
        Get-Content -Raw (Join-Path $RepoRoot 'LICENSE') | Should -Match '^MIT License'
        Get-Content -Raw (Join-Path $RepoRoot 'CHANGELOG.md') | Should -Match ([regex]::Escape("## [$($Manifest.ModuleVersion)]"))
    }

}

Describe 'Help lists every cmdlet' {
    It 'has a module page (PlatyPS layout) that links every exported cmdlet' {
        $page = Get-Content -Raw (Join-Path $RepoRoot 'docs/SocketProbe.md')
        $page | Should -Match "(?m)^Module Name: SocketProbe$"
        $page | Should -Match "(?m)^Module Guid: $([regex]::Escape($Manifest.GUID))$"
        $page | Should -Match '(?m)^## SocketProbe Cmdlets$'
        foreach ($name in (Get-Command -Module SocketProbe).Name) {
            $page | Should -Match ([regex]::Escape("### [$name]($name.md)"))
            Join-Path $RepoRoot "docs/$name.md" | Should -Exist
        }
    }

    It 'about_SocketProbe gives the line that lists every exported cmdlet with its synopsis (the list is not copied there)' {
        $topic = Get-Help about_SocketProbe | Out-String
        $topic | Should -Match ([regex]::Escape('Get-Command -Module SocketProbe | Get-Help | Format-Table Name, Synopsis'))
        $listed = @(Get-Command -Module SocketProbe | Get-Help)
        ($listed.Name | Sort-Object) -join ',' | Should -Be (((Get-Command -Module SocketProbe).Name | Sort-Object) -join ',')
        foreach ($help in $listed) { $help.Synopsis | Should -Not -BeNullOrEmpty -Because "$($help.Name) has a synopsis" }
    }
}

Describe 'The module loads in an assembly load context of its own' {
    It 'loads the cmdlets, the engine and Microsoft.Extensions.Logging.Abstractions outside the default context' {
        $alc = (Get-Command Test-TcpRefused).ImplementingType.Assembly | ForEach-Object { [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_) }
        $alc.Name | Should -BeLike 'SocketProbe*'
        $names = $alc.Assemblies | ForEach-Object { $_.GetName().Name }
        $names | Should -Contain 'SocketProbe.Engine'
        $names | Should -Contain 'Microsoft.Extensions.Logging.Abstractions'
        [Runtime.Loader.AssemblyLoadContext]::GetLoadContext([SocketProbe.Engine.Observation].Assembly) | Should -Be $alc
    }

    It 'works after another module loaded an older Microsoft.Extensions.Logging.Abstractions first' -Skip:([bool]$NoOldLogging) {
        $out = Invoke-ChildPwsh -Arguments $OldLogging.FullName, (Join-Path $RepoRoot 'SocketProbe.psd1') -Script @'
param($Old, $Manifest)
$ErrorActionPreference = 'Stop'
Add-Type -Path $Old
Import-Module $Manifest
$rows = @(Invoke-SocketScenario -Name ConnectRefused -Verbose 4>&1)
'verbose=' + @($rows | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count
'errno=' + (@($rows | Where-Object { $_ -is [SocketProbe.Engine.Observation] })[0].ErrnoName)
foreach ($a in [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Extensions.Logging.Abstractions' }) {
    'loaded=' + $a.GetName().Version + '@' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name
}
'@
        $out | Should -Contain 'errno=ECONNREFUSED'
        ($out | Where-Object { $_ -like 'verbose=*' }) | Should -Not -Be 'verbose=0'
        $out | Should -Contain 'loaded=6.0.0.0@Default'
        @($out | Where-Object { $_ -like 'loaded=8.*@SocketProbe*' }).Count | Should -Be 1
    }

    It 'leaves the default context to a module that loads an older version after it' -Skip:([bool]$NoOldLogging) {
        $out = Invoke-ChildPwsh -Arguments $OldLogging.FullName, (Join-Path $RepoRoot 'SocketProbe.psd1') -Script @'
param($Old, $Manifest)
$ErrorActionPreference = 'Stop'
Import-Module $Manifest
Add-Type -Path $Old
'type=' + [Microsoft.Extensions.Logging.LogLevel].Assembly.GetName().Version
'errno=' + (Invoke-SocketScenario -Name ConnectRefused | Where-Object Actor -EQ Client).ErrnoName
'@
        $out | Should -Contain 'type=6.0.0.0'
        $out | Should -Contain 'errno=ECONNREFUSED'
    }
}

Describe 'Publish-PSResource, Install-PSResource, Import-Module by name' {
    BeforeAll {
        $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("socketprobe-install-" + [guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Path $Root | Out-Null
        # A home of the test's own: PSResourceGet's repository list and the CurrentUser module folder live under it
        # (Linux, macOS), so nothing of the user's changes. Windows keeps Documents; the test uninstalls there.
        $script:ChildEnv = @{
            HOME = (Join-Path $Root 'home'); XDG_DATA_HOME = (Join-Path $Root 'home/.local/share')
            XDG_CONFIG_HOME = (Join-Path $Root 'home/.config'); XDG_CACHE_HOME = (Join-Path $Root 'home/.cache')
            PSModulePath = $null; POWERSHELL_TELEMETRY_OPTOUT = '1'; POWERSHELL_UPDATECHECK = 'Off'
        }
        # .NET answers an empty path for a special folder that does not exist (PSResourceGet would then write
        # relative to the working directory): make them all first.
        foreach ($dir in $ChildEnv.HOME, $ChildEnv.XDG_DATA_HOME, $ChildEnv.XDG_CONFIG_HOME, $ChildEnv.XDG_CACHE_HOME) {
            New-Item -ItemType Directory -Force -Path $dir | Out-Null
        }

        $exe, $rest = Get-ChildPwsh
        $pre = @($rest | Where-Object { $_ })
        & $exe @pre -NoProfile -NonInteractive -File (Join-Path $RepoRoot 'build.ps1') -Task Package -NoBuild *> (Join-Path $Root 'package.log')
        if ($LASTEXITCODE -ne 0) { throw "build.ps1 -Task Package failed: $(Get-Content -Raw (Join-Path $Root 'package.log'))" }
        $script:Package = Join-Path $RepoRoot "output/SocketProbe/$($Manifest.ModuleVersion)"
        $script:Packaged = Import-PowerShellDataFile (Join-Path $Package 'SocketProbe.psd1')
    }

    AfterAll {
        if ($IsWindows -and $script:ChildEnv) {
            try { Invoke-ChildPwsh -Environment $ChildEnv -Script 'Uninstall-PSResource -Name SocketProbe -ErrorAction SilentlyContinue' | Out-Null } catch { }
        }
        if ($script:Root) { Remove-Item -Recurse -Force $script:Root -ErrorAction Ignore }
    }

    It 'lays out the package with the loader, the cmdlets, the peer, help, LICENSE and CHANGELOG' {
        foreach ($file in 'SocketProbe.psd1', 'SocketProbe.psm1', 'LICENSE', 'CHANGELOG.md', 'en-US/SocketProbe.dll-Help.xml',
            'bin/SocketProbe.Loader.dll', 'bin/SocketProbe.dll', 'bin/SocketProbe.Engine.dll', 'bin/SocketProbe.Peer.dll',
            'bin/Microsoft.Extensions.Logging.Abstractions.dll') {
            Join-Path $Package $file | Should -Exist
        }
        @(Get-ChildItem (Join-Path $Package 'bin') -Filter *.pdb).Count | Should -Be 0
    }

    It 'names in the published manifest every cmdlet the assembly has, and only those (the source manifest says *)' {
        $Manifest.CmdletsToExport | Should -Be '*'
        $inAssembly = (Get-Command Get-SocketErrorInfo).ImplementingType.Assembly.GetExportedTypes() |
            Where-Object { $_.GetCustomAttributes([Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { $a = $_.GetCustomAttributes([Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" }
        ($Packaged.CmdletsToExport | Sort-Object) -join ',' | Should -Be (($inAssembly | Sort-Object) -join ',')
        $Packaged.ModuleVersion | Should -Be $Manifest.ModuleVersion
    }

    It 'publishes, installs, and imports by name in a fresh process, where the module works' {
        $repo = Join-Path $Root 'repo'
        New-Item -ItemType Directory -Path $repo | Out-Null
        $out = Invoke-ChildPwsh -Environment $ChildEnv -Arguments $Package, $repo -Script @'
param($Package, $Repo)
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name SocketProbeTest -Uri $Repo -Trusted
Publish-PSResource -Path $Package -Repository SocketProbeTest
'published=' + (@(Get-ChildItem $Repo -Filter 'socketprobe.*.nupkg').Count)
Install-PSResource -Name SocketProbe -Repository SocketProbeTest -Scope CurrentUser -TrustRepository -Reinstall
'installed=' + (Get-InstalledPSResource -Name SocketProbe).Version
'@
        $out | Should -Contain 'published=1'
        $out | Should -Contain "installed=$($Manifest.ModuleVersion)"

        $used = Invoke-ChildPwsh -Environment $ChildEnv -Script @'
$ErrorActionPreference = 'Stop'
Import-Module SocketProbe
$m = Get-Module SocketProbe
'base=' + $m.ModuleBase
'cmdlets=' + $m.ExportedCmdlets.Count
'refused=' + (Invoke-SocketScenario -Name ConnectRefused | Where-Object Actor -EQ Client).Result
'help=' + ((Get-Help Invoke-PeerCrash).Synopsis -ne $null)
if ($IsLinux) { 'peer=' + ((Invoke-PeerCrash -Mode Exit | Where-Object Operation -EQ Receive | Select-Object -First 1).Result) }
'@
        ($used | Where-Object { $_ -like 'base=*' }) | Should -BeLike "base=$Root*"
        $used | Should -Contain "cmdlets=$($Packaged.CmdletsToExport.Count)"
        $used | Should -Contain 'refused=Error'
        $used | Should -Contain 'help=True'
        if ($IsLinux) { $used | Should -Contain 'peer=EndOfStream' }
    }

    It 'keeps the installed module out of the user''s own folders' -Skip:$IsWindows {
        Get-ChildItem -Recurse -Filter SocketProbe.psd1 (Join-Path $ChildEnv.XDG_DATA_HOME 'powershell/Modules') | Should -Not -BeNullOrEmpty
        $userModules = Join-Path ([Environment]::GetFolderPath('UserProfile')) '.local/share/powershell/Modules/SocketProbe'
        if ($env:HOME -ne $ChildEnv.HOME) { Test-Path $userModules | Should -BeFalse -Because 'the test installs under its own HOME only' }
    }
}
