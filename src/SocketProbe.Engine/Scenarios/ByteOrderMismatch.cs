using System.Buffers.Binary;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// The peer writes a 32-bit integer in network byte order (big-endian); the client reads the four
/// bytes as little-endian (host order on x86 and ARM64). No socket call fails: the value is wrong.
/// Stevens UNP 5.18 (passing binary structures). Both ends in this process on loopback.
/// </summary>
public sealed class ByteOrderMismatch : Scenario
{
    private static readonly ScenarioStep PeerSend = new(1, Actors.Peer, "Send");
    private static readonly ScenarioStep ClientReceive = new(2, Actors.Client, "Receive");

    /// <summary>The value the peer sends; 1000 = 0x000003E8 is the one that makes the swap obvious.</summary>
    public const uint Value = 1000;

    public override string Name => "ByteOrderMismatch";
    public override string Description => "The peer writes a 32-bit integer big-endian, the client reads it little-endian: no error, wrong value.";
    public override string Textbook => "no error: wrong value (Stevens 5.18)";
    public override string Cmdlet => FrontDoors.InvokeSocketScenario;

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        PeerSend.Linux("Success", null, "TCP carries bytes, not values; observed on Linux 6.18"),
        ClientReceive.Linux("Success", null, "no error: the value is wrong (Stevens UNP 5.18); observed on Linux 6.18"),
        PeerSend.MacOS("Success", null, "send(2) macOS man page"),
        ClientReceive.MacOS("Success", null, "no error: the value is wrong (Stevens UNP 5.18)"),
        PeerSend.Windows("Success", null, "send function (winsock2.h)"),
        ClientReceive.Windows("Success", null, "no error: the value is wrong (Stevens UNP 5.18)"),
    };

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        using var pair = await LoopbackPair.OpenAsync(context).ConfigureAwait(false);
        Socket client = pair.Client, peer = pair.Peer;

        byte[] wire = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(wire, Value); // htonl(1000)
        var sent = await context.MeasureAsync(PeerSend, SocketCalls.Send(peer, wire), stateOf: client).ConfigureAwait(false);
        context.Emit(sent.WithNote($"sent {Value} (0x{Value:X8}) big-endian: bytes {Hex(wire)}"));

        byte[] inbox = new byte[4];
        var read = await context.MeasureAsync(ClientReceive, SocketCalls.ReceiveExactly(client, inbox), stateOf: client, isReceive: true)
            .ConfigureAwait(false);
        if (read.Bytes == inbox.Length)
        {
            // Both readings come from the bytes that really arrived, not from Value.
            uint asLittle = BinaryPrimitives.ReadUInt32LittleEndian(inbox);
            uint asBig = BinaryPrimitives.ReadUInt32BigEndian(inbox);
            string host = BitConverter.IsLittleEndian ? "little-endian" : "big-endian";
            read.WithNote($"sent {Value} (0x{Value:X8}) big-endian; read as little-endian: {asLittle} (0x{asLittle:X8}); " +
                $"bytes received {Hex(inbox)}; read as big-endian (ntohl): {asBig}; this host is {host}");
            context.Logger.LogInformation("Sent {Value}, read back as little-endian {Wrong}", Value, asLittle);
        }
        else if (read.Bytes is long got)
        {
            read.WithNote($"only {got} of 4 bytes arrived before end of stream");
        }
        context.Emit(read);
    }

    private static string Hex(byte[] bytes) => BitConverter.ToString(bytes).Replace('-', ' ');

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpExtTW", 1, "an orderly close: one TIME_WAIT; the wrong value is invisible to the kernel, no reset, abort or retransmit moves", "net/ipv4/inet_timewait_sock.c __inet_twsk_schedule() from tcp_time_wait()"),
    };
}
