using System.Reflection;
using System.Runtime.Loader;

namespace SocketProbe.Loader;

/// <summary>
/// The module's own assembly load context (the "resolving assembly conflicts" pattern of the PowerShell docs):
/// SocketProbe.dll, SocketProbe.Engine.dll and their dependencies (Microsoft.Extensions.Logging.Abstractions and
/// any added later) load here from the module's bin folder, so a different version another module put into the
/// default context first cannot break them. What the folder does not hold (System.*, System.Management.Automation)
/// comes from the default context, shared with PowerShell.
/// </summary>
public sealed class ModuleLoadContext : AssemblyLoadContext
{
    private static readonly Dictionary<string, ModuleLoadContext> ByDirectory = new(StringComparer.Ordinal);
    private static readonly object Gate = new();

    private readonly string _directory;
    private readonly AssemblyName _loaderName = typeof(ModuleLoadContext).Assembly.GetName();

    private ModuleLoadContext(string directory) : base($"SocketProbe ({directory})", isCollectible: false)
    {
        _directory = directory;
        ModuleAssembly = LoadFromAssemblyPath(Path.Combine(directory, "SocketProbe.dll"));
    }

    /// <summary>The cmdlet assembly, loaded in this context; the module's .psm1 imports it with Import-Module -Assembly.</summary>
    public Assembly ModuleAssembly { get; }

    /// <summary>
    /// The cmdlet assembly of the module whose binaries are in <paramref name="directory"/>, loaded once per directory
    /// (two copies of the module, say a clone and an installed one, each get a context of their own).
    /// </summary>
    public static Assembly Initialize(string directory)
    {
        string full = Path.GetFullPath(directory);
        lock (Gate)
        {
            if (!ByDirectory.TryGetValue(full, out var context))
            {
                context = new ModuleLoadContext(full);
                ByDirectory[full] = context;
            }
            return context.ModuleAssembly;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (AssemblyName.ReferenceMatchesDefinition(_loaderName, assemblyName)) return typeof(ModuleLoadContext).Assembly;
        // Only simple names of files we ship: never a path built from anything else.
        string name = assemblyName.Name ?? "";
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0) return null;
        string path = Path.Combine(_directory, name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
