using System.Globalization;
using System.Runtime.InteropServices;
using SocketProbe.Engine.Errors;

namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// "Broken pipe" as most programs meet it: a writer with SIGPIPE at its default disposition (the
/// peer program, writing with plain send(2) without MSG_NOSIGNAL) writes to a connection whose other
/// end has closed. The first write is accepted and draws an RST; the second gets EPIPE, and with it
/// SIGPIPE, which kills the writer before send() can return. The death comes from the OS's wait status.
/// </summary>
public sealed class WriteAfterFinSigpipe : Scenario
{
    private static readonly ScenarioStep PeerConnect = new(1, Actors.Peer, "Connect");
    private static readonly ScenarioStep ClientClose = new(2, Actors.Client, "Close");
    private static readonly ScenarioStep PeerSend3 = new(3, Actors.Peer, "Send");
    private static readonly ScenarioStep PeerSend4 = new(4, Actors.Peer, "Send");

    public override string Name => "WriteAfterFinSigpipe";
    public override string MemberName => "SigPipe";
    public override string Description => "A writer with the default SIGPIPE disposition writes after its peer closed: the second write kills it by signal 13.";
    public override string Textbook => "2nd send EPIPE; a process with default SIGPIPE dies by signal 13 (Stevens UNP 5.13)";
    public override string Cmdlet => FrontDoors.TestWriteAfterRst;

    private const string Observed = "observed on Linux 6.18";

    public override IReadOnlyList<Expectation> Expectations { get; } = new[]
    {
        PeerConnect.Linux("Success", null, Observed),
        ClientClose.Linux("Success", null, "plain close(): FIN; " + Observed),
        PeerSend3.Linux("Success", null, "CLOSE_WAIT may still send; the closed end answers RST; " + Observed),
        PeerSend4.Linux("Killed", null, "tcp_reset() in CLOSE_WAIT set EPIPE; net/core/stream.c sk_stream_error(): -EPIPE without MSG_NOSIGNAL -> send_sig(SIGPIPE); default action: terminate; " + Observed),
        PeerConnect.MacOS("Success", null, "connect(2) macOS man page"),
        PeerSend3.MacOS("Success", null, "Stevens UNP 5.12"),
        PeerSend4.MacOS("Killed", null, "xnu bsd/kern/uipc_socket.c sosendcheck(): SS_CANTSENDMORE -> EPIPE; bsd/kern/uipc_syscalls.c sendit(): EPIPE without SOF_NOSIGPIPE on the socket and without MSG_NOSIGNAL -> psignal(SIGPIPE). " +
            "The writer's send(2) passes no flags, and dotnet/runtime src/native/libs/System.Native/pal_networking.c SystemNative_Socket() sets only FD_CLOEXEC, no SO_NOSIGPIPE, on the socket .NET made"),
    };

    public override string? WhyCannotRun(ScenarioRequest request) =>
        OperatingSystem.IsWindows() ? "Windows has no SIGPIPE: a failed send returns WSAECONNRESET/WSAECONNABORTED"
        : LoopbackPair.WhyUnavailable(request.AddressFamily)
          ?? (File.Exists(DotNetHost.PeerAssembly) ? null : $"the peer program is missing ({DotNetHost.PeerAssembly}); build the module");

    protected internal override async Task RunAsync(ScenarioContext context)
    {
        IPAddress loopback = Loopback.For(context.Request.AddressFamily);
        using var listener = Loopback.Listen(loopback, 1);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var clock = Stopwatch.StartNew();
        using var writer = await PeerProcess.StartAsync("sigpipe",
            new[] { "--family", loopback.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4", "--port", port.ToString() },
            context.Logger, context.Cancellation).ConfigureAwait(false);
        await writer.ExpectAsync("CONNECTED", 5_000, context.Cancellation).ConfigureAwait(false);
        Socket accepted = await listener.AcceptAsync(context.Cancellation).ConfigureAwait(false);
        context.Own(accepted); // -Capture: the accepted socket plays the client here
        context.Emit(new Observation
        {
            Step = 1, Actor = "Peer", Operation = "Connect", Result = Results.Success, ElapsedMs = clock.Elapsed.TotalMilliseconds,
            Note = "ElapsedMs includes starting the writer process; SIGPIPE restored to its default disposition, plain send(2) without MSG_NOSIGNAL",
        });

        await context.CallAsync(ClientClose, _ => { accepted.Dispose(); return ValueTask.FromResult(-1); }).ConfigureAwait(false);

        await WriterSendAsync(context, writer, 3).ConfigureAwait(false);
        await writer.SendAsync("waitclose").ConfigureAwait(false);
        await writer.ExpectAsync("STATE", 5_000, context.Cancellation).ConfigureAwait(false);
        await WriterSendAsync(context, writer, 4).ConfigureAwait(false);
    }

    /// <summary>One plain send(2) in the writer: its own answer, or its death as the OS reports it.</summary>
    private static async Task WriterSendAsync(ScenarioContext context, PeerProcess writer, int step)
    {
        var clock = Stopwatch.StartNew();
        await writer.SendAsync("send").ConfigureAwait(false);
        string? answer = await writer.ReadAnswerAsync("SENT or ERRNO", 5_000, context.Cancellation).ConfigureAwait(false);
        var observation = new Observation { Step = step, Actor = "Peer", Operation = "Send" };
        if (answer is not null)
        {
            string[] words = answer.Split(' ');
            observation.ElapsedMs = double.Parse(words[2], CultureInfo.InvariantCulture);
            if (words[0] == "SENT")
            {
                observation.Result = Results.Success;
                observation.Bytes = long.Parse(words[1], CultureInfo.InvariantCulture);
            }
            else
            {
                int errno = int.Parse(words[1], CultureInfo.InvariantCulture);
                observation.Result = Results.Error;
                observation.Errno = errno;
                observation.ErrnoName = ErrorCatalog.NameOf(PlatformInfo.Current, errno);
                observation.Message = Marshal.GetPInvokeErrorMessage(errno);
                observation.Note = "plain send(2): errno straight from the call, no .NET mapping";
            }
        }
        else
        {
            ExitStatus status = await writer.WaitForExitAsync(5_000, context.Cancellation).ConfigureAwait(false);
            observation.Result = status.Signaled ? Results.Killed : Results.Exited;
            observation.ElapsedMs = clock.Elapsed.TotalMilliseconds;
            observation.Note = $"send(2) never returned: the OS reports the writer {status.Describe()}";
        }
        context.Emit(observation);
    }

    // Kernel counters one run moves (Get-SocketScenario Counters, Get-TcpCounter Scenarios), measured in a
    // namespace of its own; segment, byte and IP counts left out.
    public override IReadOnlyList<CounterExpectation> Counters { get; } = new CounterExpectation[]
    {
        CounterExpectation.Linux("TcpOutRsts", 1, "the peer's kernel answers the client's write to the closed socket with RST", "net/ipv4/tcp_ipv4.c tcp_v4_send_reset(); net/ipv4/tcp_output.c tcp_send_active_reset()"),
        CounterExpectation.Linux("TcpEstabResets", 1, "the client's connection is reset (ESTABLISHED -> CLOSED)", "net/ipv4/tcp.c tcp_set_state(TCP_CLOSE) from ESTABLISHED/CLOSE_WAIT"),
        new(OsPlatform.Linux, "TcpExtTCPAbortOnData", null, "when the peer's closed socket is still an orphan in FIN_WAIT2 as the write arrives (1 in 3 runs here)", "net/ipv4/tcp_input.c tcp_rcv_state_process(): data for a socket closed in FIN_WAIT; measured in a namespace of its own on Linux 6.18", Verified: true),
    };
}
