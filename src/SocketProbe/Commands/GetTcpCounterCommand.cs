using System.Collections;
using System.Management.Automation.Language;
using SocketProbe.Engine.Counters;

namespace SocketProbe.Commands;

/// <summary>
/// Get-TcpCounter: the kernel's TCP/IP counters (nstat's names on Linux), each with what makes the
/// kernel count it and the catalogue scenarios measured to move it. With -IntervalSeconds, how much
/// each moved over the interval; -Count / -Continuous take one set per interval.
/// </summary>
[Cmdlet(VerbsCommon.Get, "TcpCounter", DefaultParameterSetName = OnceSet)]
[OutputType(typeof(TcpCounter))]
public sealed class GetTcpCounterCommand : SocketProbeCmdlet
{
    private const string OnceSet = "Once";
    private const string CountSet = "Count";
    private const string ContinuousSet = "Continuous";

    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CounterNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Length of each interval; -Count and -Continuous without it use 1 s.</summary>
    [Parameter]
    [ValidateRange(0.001, 86400.0)]
    public double IntervalSeconds { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = CountSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ContinuousSet)]
    public SwitchParameter Continuous { get; set; }

    /// <summary>Only the counters that moved over the interval (without an interval: only non-zero values).</summary>
    [Parameter]
    public SwitchParameter NonZero { get; set; }

    protected override void BeginProcessing()
    {
        // A malformed pattern ('[' unclosed) only fails when first matched, deep in the sampler: check each one here.
        foreach (string name in Name ?? Array.Empty<string>())
        {
            try { WildcardPattern.Get(name, WildcardOptions.IgnoreCase).IsMatch(""); }
            catch (WildcardPatternException ex)
            {
                ThrowInvalidArgument($"-Name '{name}' is not a valid wildcard pattern ({ex.Message}). " +
                    "To match a '[' or ']' literally, escape it with a backtick inside single quotes: '`['.", "InvalidWildcardPattern", name);
            }
        }
        base.BeginProcessing();
    }

    protected override void EndProcessing()
    {
        try { Sample(); }
        finally { base.EndProcessing(); }
    }

    private void Sample()
    {
        CounterSnapshot first;
        try { first = CounterReader.Read(); }
        catch (CountersUnavailableException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "CountersUnavailable", ErrorCategory.NotImplemented, PlatformInfo.Description));
            return;
        }
        WriteVerbose($"Counters from {first.Source}");

        var patterns = (Name ?? new[] { "*" }).Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        // Like Get-Process: a plain name that is not a counter here is an error; a pattern may match nothing.
        int found = 0;
        foreach (string plain in (Name ?? Array.Empty<string>()).Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
        {
            if (first.Contains(plain)) { found++; continue; }
            WriteError(new ErrorRecord(
                new ItemNotFoundException($"No counter named '{plain}' on {PlatformInfo.Description}. " +
                    "Counter names are nstat's (TcpOutRsts, TcpExtListenOverflows, UdpNoPorts); Get-TcpCounter lists them all."),
                "CounterNotFound", ErrorCategory.ObjectNotFound, plain));
        }
        bool anyWildcard = Name is null || Name.Any(WildcardPattern.ContainsWildcardCharacters);
        if (found == 0 && !anyWildcard) return; // nothing left to watch: do not wait an interval for nothing

        bool interval = MyInvocation.BoundParameters.ContainsKey(nameof(IntervalSeconds)) || ParameterSetName != OnceSet;
        var request = new CounterRequest
        {
            Selects = name => patterns.Any(p => p.IsMatch(name)),
            Interval = interval ? TimeSpan.FromSeconds(IntervalSeconds > 0 ? IntervalSeconds : 1) : null,
            Count = ParameterSetName switch { CountSet => Count, ContinuousSet => null, _ => 1 },
            NonZero = NonZero,
        };
        RunEngine((queue, logger, token) => CounterSampler.RunAsync(request, first, queue.Add, token));
    }
}

/// <summary>Tab completion of counter names: those this machine's kernel lists.</summary>
public sealed class CounterNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<string> names;
        try { names = CounterReader.Read().Values.Select(v => v.Key); }
        catch (CountersUnavailableException) { names = CounterCatalog.All.Select(m => m.Name); }
        var pattern = WildcardPattern.Get(wordToComplete + "*", WildcardOptions.IgnoreCase);
        foreach (string name in names.Where(pattern.IsMatch))
            yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, CounterCatalog.Find(name)?.Meaning ?? name);
    }
}
