namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// Expectation rows shared by the crash scenarios whose client makes the same calls.
/// Rows are written against PeerCrashSteps, the steps PeerCrashScenario's run plays.
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
    private const string AfterReset = LinuxSendPaths.AfterErrorTaken;
    private const string EofAfterReset = "sk_err already reported and RCV_SHUTDOWN set: tcp_recvmsg() returns 0";
    private const string Observed = "observed on Linux 6.18";

    private const string MacSource = "Stevens UNP 5.12-5.16 (BSD stack); macOS recv(2)/send(2) man pages";
    // xnu (apple-oss-distributions/xnu, bsd/netinet/tcp_input.c, bsd/kern/uipc_socket.c), read for these rows:
    private const string MacFin = "xnu tcp_input.c: a FIN -> socantrcvmore(); soreceive() returns 0";
    private const string MacRstSetsError = "xnu tcp_input.c: an RST in ESTABLISHED or CLOSE_WAIT sets so_error = ECONNRESET (in CLOSE_WAIT too, unlike Linux) and tcp_close() -> soisdisconnected() sets SS_CANTSENDMORE";
    private const string MacSendFirst = MacRstSetsError + "; uipc_socket.c sosendcheck() tests SS_CANTSENDMORE (EPIPE) before so_error, which stays pending";
    private const string MacPendingReset = "xnu uipc_socket.c soreceive(): the pending so_error (ECONNRESET) is reported before SS_CANTRCVMORE's 0; FreeBSD tcp-testsuite state-event-engine/rcv-rst-close-wait: SO_ERROR ECONNRESET";
    private const string MacResetTaken = "xnu soreceive() returned and cleared so_error at the first receive; SS_CANTRCVMORE -> 0";
    private const string WinSource = "Windows Sockets Error Codes (WSAECONNRESET 10054, WSAECONNABORTED 10053); recv/send docs";

    /// <summary>The peer's socket closed with FIN: exit, SIGKILL with nothing unread, SIGTERM.</summary>
    public static Expectation[] Fin(string fateOperation, string fateResult)
    {
        PeerCrashSteps r = PeerCrashSteps.For(unreadFirst: false, ClientAction.Receive), s = PeerCrashSteps.For(unreadFirst: false, ClientAction.Send);
        return Build(new[]
        {
            Row(r.Connect, "Success", null, "the handshake completes", "Success", "Success"),
            Row(r.Fate(fateOperation), fateResult, null, "the OS's wait status for the peer", fateResult, fateResult == "Killed" ? "Exited|Killed" : fateResult),
            Row(r.FirstReceive!, "EndOfStream", null, FinEof, "EndOfStream", "EndOfStream", MacFin),
            Row(r.FirstSend, "Success", null, SendToClosed, "Success", "Success"),
            Row(r.SecondSend, "Error", "EPIPE", ResetInCloseWait, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED", MacSendFirst),
            Row(r.LastReceive, "EndOfStream", null, EofAfterReset, "Error ECONNRESET", "Error WSAECONNRESET|WSAECONNABORTED", MacPendingReset),
            Row(s.FirstSend, "Success", null, SendToClosed, "Success", "Success"),
            Row(s.SecondSend, "Error", "EPIPE", ResetInCloseWait, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED", MacSendFirst),
            Row(s.LastReceive, "EndOfStream", null, EofAfterReset, "Error ECONNRESET", "Error WSAECONNRESET|WSAECONNABORTED", MacPendingReset),
        });
    }

    /// <summary>The peer's side sent RST on an open connection: abortive close, or a kill with unread data.</summary>
    public static Expectation[] Reset(string fateOperation, string fateResult, bool unreadFirst = false)
    {
        PeerCrashSteps r = PeerCrashSteps.For(unreadFirst, ClientAction.Receive), s = PeerCrashSteps.For(unreadFirst, ClientAction.Send);
        var rows = new List<StepRow> { Row(r.Connect, "Success", null, "the handshake completes", "Success", "Success") };
        if (r.SendUnread is { } unread) rows.Add(Row(unread, "Success", null, "the bytes reach the peer's receive buffer", "Success", "Success"));
        rows.AddRange(new[]
        {
            Row(r.Fate(fateOperation), fateResult, null,
                unreadFirst ? "tcp_close(): data unread at close, so the kernel sends RST (RFC 2525 2.17)" : "tcp_close() with SO_LINGER {on, 0} sends RST (tcp_disconnect)",
                fateResult, fateResult == "Killed" ? "Exited|Killed" : fateResult),
            Row(r.FirstReceive!, "Error", "ECONNRESET", ResetOpen, "Error ECONNRESET", "Error WSAECONNRESET", MacRstSetsError + "; soreceive() reports so_error first"),
            Row(r.FirstSend, "Error", "EPIPE", AfterReset, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED", MacSendFirst),
            Row(r.SecondSend, "Error", "EPIPE", AfterReset, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED", MacSendFirst),
            Row(r.LastReceive, "EndOfStream", null, EofAfterReset, "EndOfStream", "Error WSAECONNRESET|WSAECONNABORTED", MacResetTaken),
            Row(s.FirstSend, "Error", "ECONNRESET", ResetOpen, "Error EPIPE", "Error WSAECONNRESET", MacSendFirst),
            Row(s.SecondSend, "Error", "EPIPE", AfterReset, "Error EPIPE", "Error WSAECONNRESET|WSAECONNABORTED", MacSendFirst),
            Row(s.LastReceive, "EndOfStream", null, EofAfterReset, "Error ECONNRESET", "Error WSAECONNRESET|WSAECONNABORTED", MacPendingReset),
        });
        return Build(rows);
    }

    /// <summary>One step: the Linux outcome with its reason, and the macOS and Windows outcomes ("Result [ERRNO]").</summary>
    private sealed record StepRow(ScenarioStep Step, string Result, string? Errno, string LinuxWhy, string MacOS, string Windows, string? MacWhy);

    /// <param name="macWhy">The xnu evidence for the macOS outcome, where it was read; else the generic BSD source.</param>
    private static StepRow Row(ScenarioStep step, string result, string? errno, string linuxWhy, string macOS, string windows, string? macWhy = null) =>
        new StepRow(step, result, errno, linuxWhy, macOS, windows, macWhy);

    // Only socket calls carry expectations: the fate row of a process end (Exit, Kill) is an event.
    private static Expectation[] Build(IEnumerable<StepRow> rows) => rows.Where(r => Operations.IsSocketCall(r.Step.Actor, r.Step.Operation)).SelectMany(r => new[]
    {
        r.Step.Linux(r.Result, r.Errno, $"{r.LinuxWhy}; {Observed}"),
        Documented(OsPlatform.MacOS, r, r.MacOS, r.MacWhy ?? MacSource),
        Documented(OsPlatform.Windows, r, r.Windows, WinSource),
    }).ToArray();

    private static Expectation Documented(OsPlatform platform, StepRow r, string outcome, string source)
    {
        string[] parts = outcome.Split(' ', 2);
        return r.Step.Expect(platform, parts[0], parts.Length > 1 ? parts[1] : null, source, verified: false);
    }
}
