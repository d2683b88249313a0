# SocketProbe's root module: loads the cmdlets and their dependencies into an assembly load context of the
# module's own (bin/SocketProbe.Loader.dll, source in src/SocketProbe.Loader), so another module that loaded a
# different Microsoft.Extensions.Logging.Abstractions (or any shared dependency) first cannot break SocketProbe,
# and the other way round. Pattern: PowerShell docs, "Resolving PowerShell module assembly dependency conflicts".
# [IO.Path] rather than Join-Path: Join-Path would auto-load Microsoft.PowerShell.Management (~150 ms) on import.
$bin = [System.IO.Path]::Combine($PSScriptRoot, 'bin')

$isReload = $true
if (-not ('SocketProbe.Loader.ModuleLoadContext' -as [type])) {
    $isReload = $false
    # The default context's LoadFromAssemblyPath rather than Add-Type: the same load, without Add-Type's ~100 ms first use.
    $null = [System.Runtime.Loader.AssemblyLoadContext]::Default.LoadFromAssemblyPath([System.IO.Path]::Combine($bin, 'SocketProbe.Loader.dll'))
}
$cmdlets = [SocketProbe.Loader.ModuleLoadContext]::Initialize($bin)
# Module-qualified, so a proxy function named Import-Module cannot step in (and cheaper than Get-Command -Module).
$inner = Microsoft.PowerShell.Core\Import-Module -Assembly $cmdlets -PassThru:$isReload

if ($inner) {
    # Import-Module -Assembly of an assembly already imported once returns the cached module without exporting its
    # cmdlets into this module again (PowerShell/PowerShell#20710): add them by hand on a re-import.
    $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod('AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
    foreach ($cmd in $inner.ExportedCmdlets.Values) {
        $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmd))
    }
}

# PowerShell does not resolve type names from assemblies in a custom load context ([SocketProbe.Engine.Observation]
# would say "Unable to find type"), so the module's public types are registered under their full names as type
# accelerators while the module is loaded.
$accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$registered = [System.Collections.Generic.List[string]]::new()
foreach ($assembly in [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdlets).Assemblies) {
    if ($assembly.GetName().Name -notin 'SocketProbe', 'SocketProbe.Engine') { continue }
    foreach ($type in $assembly.GetExportedTypes()) {
        $accelerators::Add($type.FullName, $type)
        $registered.Add($type.FullName)
    }
}
$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($name in $registered) { $null = $accelerators::Remove($name) }
}.GetNewClosure()
