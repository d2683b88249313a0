namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The shared flow of the MTU black-hole scenarios: an Ethernet-sized link (loopback at MTU 1500,
/// one segment per packet) behind a path that drops every packet longer than 1400 bytes and sends no
/// ICMP "fragmentation needed". The handshake and a small write get through; a large write is
/// accepted locally and its full-sized segments vanish. What the client's kernel does then is the
/// subclass's (give up at TCP_USER_TIMEOUT, or lower its segment size with tcp_mtu_probing).
/// Steps: Blackhole; Connect; Accept; small Send; its Receive at the server; large Send; then the end.
/// </summary>
public abstract class MtuBlackholeScenario : LabScenario
{
    protected const int LinkMtu = 1500;
    protected const int PathMtu = 1400;
    protected const int LargeWrite = 8192;

    protected static readonly ScenarioStep Blackhole = new(1, Actors.Peer, "Blackhole");
    protected static readonly ScenarioStep Connect = new(2, Actors.Client, "Connect");
    protected static readonly ScenarioStep Accept = new(3, Actors.Peer, "Accept");
    protected static readonly ScenarioStep SmallSend = new(4, Actors.Client, "Send");
    protected static readonly ScenarioStep SmallReceive = new(5, Actors.Peer, "Receive");
    protected static readonly ScenarioStep LargeSend = new(6, Actors.Client, "Send");

    public override string Cmdlet => FrontDoors.InvokePeerCrash;
    public override IReadOnlyList<ClientAction> ClientActions { get; } = new[] { ClientAction.Send };

    /// <summary>net.ipv4.tcp_mtu_probing for this namespace (0: the kernel's default, off).</summary>
    protected abstract int MtuProbing { get; }

    /// <summary>Set TCP_USER_TIMEOUT on the client from the request (false: leave the kernel's retries2).</summary>
    protected abstract bool UsesUserTimeout { get; }

    /// <summary>The last step(s): what became of the large write.</summary>
    protected abstract Task EndAsync(ScenarioContext context, Socket client, Socket server, int mssBefore);

    protected internal override async Task RunInLabAsync(ScenarioContext context, LabNetwork lab)
    {
        using var listener = LabSteps.Listen(context, lab, 4);
        var server = (IPEndPoint)listener.LocalEndPoint!;
        LabSteps.Fault(context, Blackhole,
            $"lo at MTU {LinkMtu}, one segment per packet (gso_max_segs 1, as a NIC puts them on the wire); nft drops packets to {server} longer than {PathMtu} bytes " +
            $"and no ICMP comes back; net.ipv4.tcp_mtu_probing = {MtuProbing} (/proc, this namespace)",
            () =>
            {
                lab.LoopbackAsLink(LinkMtu);
                lab.Sysctl("net.ipv4.tcp_mtu_probing", MtuProbing.ToString(System.Globalization.CultureInfo.InvariantCulture));
                lab.DropLongerThan(server, PathMtu);
            });

        using var client = LabSteps.NewClient(context, lab);
        if (UsesUserTimeout) SocketOptions.UserTimeout(client, context.Request.UserTimeoutMs, context.Logger);
        var connect = await context.CallAsync(Connect, LabSteps.Connect(client, server), client).ConfigureAwait(false);
        if (connect.Result != Results.Success) return;
        using Socket? accepted = await LabSteps.AcceptAsync(context, Accept, listener, client).ConfigureAwait(false);
        if (accepted is null) return;

        await context.CallAsync(SmallSend, SocketCalls.Send(client, LabSteps.Payload), client).ConfigureAwait(false);
        var small = new byte[LabSteps.Payload.Length];
        await context.CallAsync(SmallReceive, SocketCalls.ReceiveExactly(accepted, small), accepted, isReceive: true).ConfigureAwait(false);

        int mss = SegmentSize(client);
        var large = await context.MeasureAsync(LargeSend, SocketCalls.Send(client, new byte[LargeWrite]), client).ConfigureAwait(false);
        context.Emit(large.WithNote($"accepted into the send buffer; MSS {mss} (TCP_MAXSEG): segments of {mss} bytes plus headers, longer than {PathMtu}"));
        await EndAsync(context, client, accepted, mss).ConfigureAwait(false);
    }

    /// <summary>The connection's current MSS (TCP_MAXSEG reads tp->mss_cache), -1 where the platform cannot tell.</summary>
    protected static int SegmentSize(Socket socket)
    {
        try
        {
            Span<byte> value = stackalloc byte[4];
            return socket.GetRawSocketOption(6 /* IPPROTO_TCP */, 2 /* TCP_MAXSEG */, value) == 4 ? BitConverter.ToInt32(value) : -1;
        }
        catch (SocketException) { return -1; }
        catch (ObjectDisposedException) { return -1; }
    }
}
