namespace SocketProbe;

/// <summary>
/// Base of the cmdlets that run catalogue scenarios (Invoke-SocketScenario, Test-WriteAfterRst,
/// Invoke-PeerCrash, Get-SocketErrorMatrix): -AddressFamily and the instruments every run may carry
/// (-Capture, -Trace, -PcapPath), declared once, and the request they make.
/// </summary>
public abstract class ScenarioCmdlet : SocketProbeCmdlet
{
    [Parameter]
    public IPFamily AddressFamily { get; set; } = IPFamily.IPv4;

    /// <summary>Add the run's own segments and ICMP errors as Wire rows, in time order among the calls.</summary>
    [Parameter]
    public SwitchParameter Capture { get; set; }

    /// <summary>Add the kernel's own account of the run's resets and drops (reason, who sent it) as Kernel rows, in time order among the calls (Linux, root).</summary>
    [Parameter]
    public SwitchParameter Trace { get; set; }

    /// <summary>Also write the captured packets to this pcapng file (tcpdump -r, Wireshark, Read-TcpCapture); implies -Capture.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PcapPath { get; set; }

    /// <summary>A run's request in <paramref name="family"/> with the instruments asked for.</summary>
    private protected ScenarioRequest NewRequest(System.Net.Sockets.AddressFamily family) =>
        new() { AddressFamily = family, Capture = Capture, Trace = Trace };

    /// <summary>Run each scenario once per family asked for; <paramref name="configure"/> adds the cmdlet's own settings to each request.</summary>
    private protected void RunScenarios(IEnumerable<Scenario> scenarios, Action<ScenarioRequest>? configure = null) =>
        RunScenarios(scenarios, AddressFamily, family =>
        {
            ScenarioRequest request = NewRequest(family);
            configure?.Invoke(request);
            return request;
        }, PcapPath);
}
