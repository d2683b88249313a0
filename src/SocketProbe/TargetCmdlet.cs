namespace SocketProbe;

/// <summary>
/// Base of the cmdlets that take targets (Test-TcpEndpoint, Watch-TcpConnection, Find-TcpIdleTimeout):
/// -ComputerName and -Port as every one of them reads them (by value and by property name; a hashtable
/// or an Import-Csv row binds by its ComputerName and Port), -AddressFamily, and the collector that
/// gathers the targets of every pipeline record for EndProcessing, each bad one an error of its own.
/// </summary>
public abstract class TargetCmdlet : SocketProbeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("TargetName", "HostName", "CN")]
    [TargetInput]
    [ValidateTargetText]
    public string[] ComputerName { get; set; } = Array.Empty<string>();

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [PortList]
    [ValidateRange(1, 65535)]
    public int[] Port { get; set; } = Array.Empty<int>();

    /// <summary>Any: every address a name resolves to.</summary>
    [Parameter]
    public IPFamily AddressFamily { get; set; } = IPFamily.Any;

    /// <summary>Targets gathered from every pipeline record; the cmdlet runs them together in EndProcessing.</summary>
    private protected TargetCollector Targets { get; } = new();

    /// <summary>The one family a target's literal address may be (null: either), and why, for the error.</summary>
    private protected virtual (System.Net.Sockets.AddressFamily? Family, string Why) TargetFamily =>
        (AddressFamily.ToProbeFamily(), $"-AddressFamily is {AddressFamily}.");

    protected override void ProcessRecord()
    {
        var (family, why) = TargetFamily;
        foreach (string text in ComputerName) Targets.Add(this, text, Port, family, why);
    }
}
