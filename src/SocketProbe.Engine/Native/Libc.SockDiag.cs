namespace SocketProbe.Engine.Native;

/// <summary>
/// Linux only, for sock_diag's destroy notifications (Watch-TcpReset's tcp_info at a socket's end):
/// a netlink socket (NETLINK_SOCK_DIAG) joined to the TCP destroy groups, as `ss -E` does. The
/// calls themselves (socket, bind, setsockopt, recv) are <see cref="Libc"/>'s.
/// </summary>
internal static unsafe partial class Libc
{
    public const int AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_NONBLOCK_LINUX = 0x800, SOCK_CLOEXEC_LINUX = 0x80000;
    public const int NETLINK_SOCK_DIAG = 4;
    public const int SOL_SOCKET_LINUX = 1, SO_RCVBUF_LINUX = 8, SO_RCVBUFFORCE = 33;
    public const int MSG_DONTWAIT_LINUX = 0x40;
    public const int ENOBUFS_LINUX = 105, EPERM = 1;

    /// <summary>include/uapi/linux/sock_diag.h: enum { SKNLGRP_NONE, SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET_UDP_DESTROY, SKNLGRP_INET6_TCP_DESTROY, SKNLGRP_INET6_UDP_DESTROY }.</summary>
    public const int SKNLGRP_INET_TCP_DESTROY = 1, SKNLGRP_INET6_TCP_DESTROY = 3;

    /// <summary>struct sockaddr_nl (include/uapi/linux/netlink.h).</summary>
    public struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        /// <summary>Multicast groups as a bit mask: group N is bit N-1.</summary>
        public uint Groups;
    }
}
