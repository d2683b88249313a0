namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// Expectation rows shared by the crash scenarios whose client makes the same calls.
/// Step numbers follow PeerCrashScenario's flow; rows carry the client action they belong to.
/// Linux rows were observed on Linux 6.18 and are explained by the kernel source cited; macOS and
/// Windows rows come from their documentation and are not verified.
/// </summary>
internal static class PeerCrashExpectations
{
    // Linux sources, net/ipv4/tcp_input.c and net/core/stream.c:
    private const string FinEof = "tcp_fin() sets RCV_SHUTDOWN, so tcp_recvmsg() returns 0";
    private const string SendToClosed = "the local kernel accepts the bytes; the peer's kernel has no socket and answers RST";
    private const string ResetInCloseWait = "tcp_reset(): an RST in CLOSE_WAIT sets sk_err = EPIPE (\"as BSD sees it\")";
    private const string ResetOpen = "tcp_reset(): an RST on an open connection sets sk_err = ECONNRESET, reported once by sock_error()";
    private const string AfterReset = "tcp_done() set SEND_SHUTDOWN; tcp_sendmsg() -> sk_stream_error() gives EPIPE";
    private const string EofAfterReset = "sk_err already reported and RCV_SHUTDOWN set: tcp_recvmsg() returns 0";
    private const string Observed = "observed on Linux 6.18";

    private const string MacSource = "Stevens UNP 5.12-5.16 (BSD stack); macOS recv(2)/send(2) man pages";
    private const string WinSource = "Windows Sockets Error Codes (WSAECONNRESET 10054, WSAECONNABORTED 10053); recv/send docs";

    /// <summary>The peer's socket closed with FIN: exit, SIGKILL with nothing unread, SIGTERM.</summary>
    public static Expectation[] Fin(string fateOperation, string fateResult) => Build(new[]
    {
        Row(1, "Client", "Connect", "Success", null, null, "the handshake completes", "Success", "Success"),
        Row(2, "Peer", fateOperation, fateResult, null, null, "the OS's wait status for the peer", fateResult, fateResult == "Killed" ? "Exited|Killed" : fateResult),
        Row(3, "Client", "Receive", "EndOfStream", null, "Receive", FinEof, "EndOfStream", "EndOfStream"),
        Row(4, "Client", "Send", "Success", null, "Receive", SendToClosed, "Success", "Success"),
        Row(5, "Client", "Send", "Error", "EPIPE", "Receive", ResetInCloseWait, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED"),
        Row(6, "Client", "Receive", "EndOfStream", null, "Receive", EofAfterReset, "EndOfStream", "Error WSAECONNRESET|WSAECONNABORTED"),
        Row(3, "Client", "Send", "Success", null, "Send", SendToClosed, "Success", "Success"),
        Row(4, "Client", "Send", "Error", "EPIPE", "Send", ResetInCloseWait, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED"),
        Row(5, "Client", "Receive", "EndOfStream", null, "Send", EofAfterReset, "EndOfStream", "Error WSAECONNRESET|WSAECONNABORTED"),
    });

    /// <summary>The peer's side sent RST on an open connection: abortive close, or a kill with unread data.</summary>
    public static Expectation[] Reset(string fateOperation, string fateResult, bool unreadFirst = false)
    {
        int s = unreadFirst ? 1 : 0;
        var rows = new List<StepRow> { Row(1, "Client", "Connect", "Success", null, null, "the handshake completes", "Success", "Success") };
        if (unreadFirst) rows.Add(Row(2, "Client", "Send", "Success", null, null, "the bytes reach the peer's receive buffer", "Success", "Success"));
        rows.AddRange(new[]
        {
            Row(2 + s, "Peer", fateOperation, fateResult, null, null,
                unreadFirst ? "tcp_close(): data unread at close, so the kernel sends RST (RFC 2525 2.17)" : "tcp_close() with SO_LINGER {on, 0} sends RST (tcp_disconnect)",
                fateResult, fateResult == "Killed" ? "Exited|Killed" : fateResult),
            Row(3 + s, "Client", "Receive", "Error", "ECONNRESET", "Receive", ResetOpen, "Error ECONNRESET", "Error WSAECONNRESET"),
            Row(4 + s, "Client", "Send", "Error", "EPIPE", "Receive", AfterReset, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED"),
            Row(5 + s, "Client", "Send", "Error", "EPIPE", "Receive", AfterReset, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED"),
            Row(6 + s, "Client", "Receive", "EndOfStream", null, "Receive", EofAfterReset, "EndOfStream", "Error WSAECONNRESET|WSAECONNABORTED"),
            Row(3 + s, "Client", "Send", "Error", "ECONNRESET", "Send", ResetOpen, "Error ECONNRESET", "Error WSAECONNRESET"),
            Row(4 + s, "Client", "Send", "Error", "EPIPE", "Send", AfterReset, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED"),
            Row(5 + s, "Client", "Receive", "EndOfStream", null, "Send", EofAfterReset, "EndOfStream", "Error WSAECONNRESET|WSAECONNABORTED"),
        });
        return Build(rows);
    }

    /// <summary>One step: the Linux outcome with its reason, and the macOS and Windows outcomes ("Result [ERRNO]").</summary>
    private sealed record StepRow(int Step, string Actor, string Operation, string Result, string? Errno, string? When,
        string LinuxWhy, string MacOS, string Windows);

    private static StepRow Row(int step, string actor, string op, string result, string? errno, string? when,
        string linuxWhy, string macOS, string windows) => new StepRow(step, actor, op, result, errno, when, linuxWhy, macOS, windows);

    // Only socket calls carry expectations: the fate row of a process end (Exit, Kill) is an event.
    private static Expectation[] Build(IEnumerable<StepRow> rows) => rows.Where(r => Operations.IsSocketCall(r.Actor, r.Operation)).SelectMany(r => new[]
    {
        new Expectation(OsPlatform.Linux, r.Step, r.Actor, r.Operation, r.Result, r.Errno, $"{r.LinuxWhy}; {Observed}", Verified: true) { When = r.When },
        Documented(OsPlatform.MacOS, r, r.MacOS, MacSource),
        Documented(OsPlatform.Windows, r, r.Windows, WinSource),
    }).ToArray();

    private static Expectation Documented(OsPlatform platform, StepRow r, string outcome, string source)
    {
        string[] parts = outcome.Split(' ', 2);
        return new Expectation(platform, r.Step, r.Actor, r.Operation, parts[0], parts.Length > 1 ? parts[1] : null, source, Verified: false) { When = r.When };
    }
}
