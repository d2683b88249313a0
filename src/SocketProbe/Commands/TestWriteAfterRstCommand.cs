using System.Management.Automation;
using SocketProbe.Engine;

namespace SocketProbe.Commands;

/// <summary>The ways a writer meets a dead connection; each value is one catalogue scenario.</summary>
public enum WriteAfterRstVariant
{
    /// <summary>The peer aborts (SO_LINGER 0): RST while the connection is open.</summary>
    Reset,

    /// <summary>The peer closes normally (FIN); the client's first write draws the RST.</summary>
    Fin,

    /// <summary>As Fin, but the writer is a process with default SIGPIPE: its second write kills it (signal 13).</summary>
    SigPipe,
}

internal static class WriteAfterRstVariants
{
    /// <summary>The catalogue scenario behind each variant: a new variant is one enum value and one line here.</summary>
    public static string ScenarioName(this WriteAfterRstVariant variant) => variant switch
    {
        WriteAfterRstVariant.Reset => "WriteAfterReset",
        WriteAfterRstVariant.Fin => "WriteAfterFin",
        WriteAfterRstVariant.SigPipe => "WriteAfterFinSigpipe",
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, null),
    };
}

/// <summary>
/// Test-WriteAfterRst: the write-after-reset family. Reproduces each -Variant on loopback (both
/// ends in process) and emits one observation per socket call: the write the kernel still accepts,
/// the RST, the writes that fail (ECONNRESET vs EPIPE) and the receive after.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "WriteAfterRst")]
[OutputType(typeof(Observation))]
public sealed class TestWriteAfterRstCommand : SocketProbeCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public WriteAfterRstVariant[] Variant { get; set; } = { WriteAfterRstVariant.Reset, WriteAfterRstVariant.Fin, WriteAfterRstVariant.SigPipe };

    [Parameter]
    public IPFamily AddressFamily { get; set; } = IPFamily.IPv4;

    [Parameter]
    [ValidateRange(1, 3_600_000)]
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>Add the run's own segments and ICMP errors as Wire rows, in time order among the calls.</summary>
    [Parameter]
    public SwitchParameter Capture { get; set; }

    protected override void EndProcessing()
    {
        Scenario[] scenarios = Variant.Select(v => ScenarioCatalog.Find(v.ScenarioName())!).ToArray();
        RunScenarios(scenarios, AddressFamily, family => new ScenarioRequest { AddressFamily = family, CallTimeoutMs = TimeoutMs, Capture = Capture });
        base.EndProcessing();
    }
}
