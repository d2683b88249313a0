namespace SocketProbe.Engine.Scenarios;

/// <summary>
/// Linux's path for a send on a connection that is already over, shared by the scenarios that end
/// with it. tcp_sendmsg_locked() (net/ipv4/tcp.c) calls sk_stream_wait_connect() for every state but
/// ESTABLISHED and CLOSE_WAIT before it looks at SEND_SHUTDOWN, so a socket in CLOSE fails there.
/// </summary>
internal static class LinuxSendPaths
{
    /// <summary>The error was taken by an earlier call (a read, a send): nothing pending, state CLOSE.</summary>
    public const string AfterErrorTaken =
        "tcp_done() left the socket in CLOSE and an earlier call took sk_err: tcp_sendmsg_locked() -> sk_stream_wait_connect() (net/core/stream.c) " +
        "finds no pending error and a state that is neither SYN_SENT nor SYN_RECV -> -EPIPE; do_error: sk_stream_error() raises SIGPIPE unless MSG_NOSIGNAL";

    /// <summary>tcp_reset() in CLOSE_WAIT left sk_err = EPIPE, and nothing has taken it yet.</summary>
    public const string PendingPipe =
        "tcp_reset() in CLOSE_WAIT: sk_err = EPIPE, then tcp_done(): CLOSE; tcp_sendmsg_locked() -> sk_stream_wait_connect() (net/core/stream.c) " +
        "returns the pending sock_error(), EPIPE; do_error: sk_stream_error() raises SIGPIPE unless MSG_NOSIGNAL";
}
