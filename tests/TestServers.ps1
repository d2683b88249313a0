# Loopback servers of the tests' own that misbehave after accept, for Watch-TcpConnection and
# Find-TcpIdleTimeout. Dot-sourced by common.ps1 and by the lab scripts (which run inside a
# namespace of their own). The C# below is a fixed literal: nothing in it comes from a path or a value.
if (-not ('SocketProbeTests.MisbehavingServer' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SocketProbeTests
{
    /// <summary>
    /// Accepts on an ephemeral port and then: Reset (SO_LINGER {on,0} + close: RST), Close (plain
    /// close: FIN), Silent (never reads or writes), IdleClose (closes with FIN once a connection has
    /// been idle for IdleCloseMs), IdleReset (the same, with RST: SO_LINGER {on,0}), Echo (answers
    /// every byte: healthy), Chatty (sends one byte every IdleCloseMs on its own, never reads),
    /// Banner (sends "220 ready\r\n" once at accept, never reads). Dispose closes everything.
    /// </summary>
    public sealed class MisbehavingServer : IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<Socket> _held = new List<Socket>();
        private readonly string _behavior;
        private readonly int _idleCloseMs;
        private readonly Task _accepting;
        public Socket Listener { get; }
        public int Port { get; }
        public int Accepted;
        /// <summary>Sockets the server still holds open (file descriptors of this process).</summary>
        public int Held { get { lock (_held) { int n = 0; foreach (Socket s in _held) if (s.Handle != IntPtr.Zero && !s.SafeHandle.IsClosed) n++; return n; } } }

        public MisbehavingServer(string behavior, IPAddress address, int idleCloseMs)
        {
            _behavior = behavior;
            _idleCloseMs = idleCloseMs;
            Listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            Listener.Bind(new IPEndPoint(address, 0));
            Listener.Listen(512);
            Port = ((IPEndPoint)Listener.LocalEndPoint).Port;
            _accepting = AcceptLoop();
        }

        private async Task AcceptLoop()
        {
            try
            {
                while (true)
                {
                    Socket s = await Listener.AcceptAsync(_stop.Token);
                    Interlocked.Increment(ref Accepted);
                    lock (_held) _held.Add(s);
                    switch (_behavior)
                    {
                        case "Reset": s.LingerState = new LingerOption(true, 0); s.Close(); break;
                        case "Close": s.Close(); break;
                        case "IdleClose": _ = IdleClose(s, false); break;
                        case "IdleReset": _ = IdleClose(s, true); break;
                        case "Echo": _ = Echo(s); break;
                        case "Chatty": _ = Chatty(s); break;
                        case "Banner": s.Send(System.Text.Encoding.ASCII.GetBytes("220 ready\r\n")); break;
                        default: break; // Silent: hold it, never read or write
                    }
                }
            }
            catch (Exception) { } // the listener was closed: done
        }

        private async Task IdleClose(Socket s, bool reset)
        {
            var buffer = new byte[1024];
            try
            {
                while (true)
                {
                    Task<int> read = s.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None);
                    Task idle = Task.Delay(_idleCloseMs, _stop.Token);
                    if (await Task.WhenAny(read, idle) == idle)
                    {
                        // IdleReset: RST now (SO_LINGER {on,0}, then the close below), as a server that drops idle connections hard.
                        if (reset) { s.LingerState = new LingerOption(true, 0); break; }
                        // FIN now; close once the pending read has ended. Closing a .NET socket with a
                        // read still pending makes the close abortive (RST), which is not this server.
                        s.Shutdown(SocketShutdown.Both);
                        await read;
                        break;
                    }
                    if (await read == 0) break;
                }
            }
            catch (Exception) { }
            s.Close();
        }

        private async Task Chatty(Socket s)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(_idleCloseMs, _stop.Token);
                    await s.SendAsync(new ArraySegment<byte>(new byte[] { (byte)'.' }), SocketFlags.None);
                }
            }
            catch (Exception) { }
        }

        private async Task Echo(Socket s)
        {
            var buffer = new byte[1024];
            try
            {
                int n;
                while ((n = await s.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None)) > 0)
                    await s.SendAsync(new ArraySegment<byte>(buffer, 0, n), SocketFlags.None);
            }
            catch (Exception) { }
            s.Close();
        }

        public void Dispose()
        {
            _stop.Cancel();
            Listener.Close();
            lock (_held) { foreach (Socket s in _held) s.Dispose(); _held.Clear(); }
            try { _accepting.Wait(2000); } catch (Exception) { }
        }
    }
}
'@
}

function New-TestServer {
    # A misbehaving server of the test's own on an ephemeral loopback port; the caller disposes it.
    param(
        [Parameter(Mandatory)][ValidateSet('Reset', 'Close', 'Silent', 'IdleClose', 'IdleReset', 'Echo', 'Chatty', 'Banner')][string] $Behavior,
        [ValidateSet('IPv4', 'IPv6')][string] $Family = 'IPv4',
        [int] $IdleCloseMs = 2000,
        # Chatty: one byte every this many ms.
        [int] $EveryMs = 200,
        [Net.IPAddress] $Address
    )
    if (-not $Address) { $Address = if ($Family -eq 'IPv6') { [Net.IPAddress]::IPv6Loopback } else { [Net.IPAddress]::Loopback } }
    [SocketProbeTests.MisbehavingServer]::new($Behavior, $Address, $(if ($Behavior -eq 'Chatty') { $EveryMs } else { $IdleCloseMs }))
}
