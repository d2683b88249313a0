using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SocketProbe.Engine.Wire;
using Xunit;
using static SocketProbe.Engine.Tests.TestPackets;

namespace SocketProbe.Engine.Tests;

public class WireTests
{
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("127.13.0.2");

    [Theory]
    [InlineData(WireSegment.Syn, "S")]
    [InlineData(WireSegment.Syn | WireSegment.Ack, "S.")]
    [InlineData(WireSegment.Ack, ".")]
    [InlineData(WireSegment.Psh | WireSegment.Ack, "P.")]
    [InlineData(WireSegment.Fin | WireSegment.Ack, "F.")]
    [InlineData(WireSegment.Fin | WireSegment.Psh | WireSegment.Ack, "FP.")]
    [InlineData(WireSegment.Rst, "R")]
    [InlineData(WireSegment.Rst | WireSegment.Ack, "R.")]
    [InlineData(WireSegment.Syn | WireSegment.Ack | WireSegment.Ece, "S.E")]
    public void Writes_the_flags_in_tcpdump_letters(byte flags, string letters)
    {
        var s = WireSegment.Decode(Tcp(Client, 1000, Peer, 80, flags, 1, 2), 0)!;
        Assert.Equal(letters, s.FlagLetters());
    }

    [Fact]
    public void Decodes_an_IPv4_segment_and_its_payload_length()
    {
        var s = WireSegment.Decode(Tcp(Client, 50000, Peer, 8080, WireSegment.Psh | WireSegment.Ack, 7, 9, ttl: 60, payload: 24), 42)!;
        Assert.Equal(WireProtocol.Tcp, s.Protocol);
        Assert.Equal(Client, s.Source);
        Assert.Equal(Peer, s.Destination);
        Assert.Equal(50000, s.SourcePort);
        Assert.Equal(8080, s.DestinationPort);
        Assert.Equal(60, s.Ttl);
        Assert.Equal(24, s.PayloadLength);
        Assert.Equal(7u, s.Sequence);
        Assert.Equal(9u, s.Acknowledgment);
        Assert.Equal(512, s.Window);
        Assert.Equal(42, s.UnixNanoseconds);
    }

    [Fact]
    public void Reads_the_packet_an_ICMP_error_quotes()
    {
        byte[] quoted = Tcp(Client, 40000, Peer, 7, WireSegment.Syn, 5, 0);
        byte[] icmp = IcmpHostUnreachable(IPAddress.Parse("10.9.9.9"), Client, quoted);
        var s = WireSegment.Decode(icmp, 0)!;
        Assert.Equal("ICMP host-unreachable", s.IcmpName());
        Assert.Equal(WireProtocol.Tcp, s.QuotedProtocol);
        Assert.Equal(40000, s.QuotedSourcePort);
        Assert.Equal(7, s.QuotedDestinationPort);
        Assert.Equal(Peer, s.QuotedDestination);

        var row = Assert.Single(WireRows.Build(new[] { s }, null, _ => 1));
        Assert.Equal("ICMP host-unreachable", row.Operation);
        Assert.StartsWith("10.9.9.9 > 127.0.0.1: about 127.0.0.1:40000 > 127.13.0.2:7 tcp", row.Note);
        Assert.Contains("from neither: router 10.9.9.9", row.Note);
    }

    [Fact]
    public void Ignores_what_is_cut_short_or_not_an_error()
    {
        Assert.Null(WireSegment.Decode(new byte[] { 0x45, 0, 0 }, 0));
        var echo = new byte[28];
        echo[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(echo.AsSpan(2), 28);
        echo[9] = 1;
        echo[20] = 8; // echo request
        Assert.Null(WireSegment.Decode(echo, 0));
    }

    [Fact]
    public void Calls_a_reset_with_another_TTL_than_the_SYN_ACK_a_third_partys()
    {
        const uint cIsn = 1000, pIsn = 5000;
        var segments = new[]
        {
            Tcp(Client, 40000, Peer, 80, WireSegment.Syn, cIsn, 0),
            Tcp(Peer, 80, Client, 40000, WireSegment.Syn | WireSegment.Ack, pIsn, cIsn + 1, ttl: 60),
            Tcp(Client, 40000, Peer, 80, WireSegment.Ack, cIsn + 1, pIsn + 1),
            Tcp(Client, 40000, Peer, 80, WireSegment.Psh | WireSegment.Ack, cIsn + 1, pIsn + 1, payload: 24),
            Tcp(Peer, 80, Client, 40000, WireSegment.Rst, pIsn + 1, 0, ttl: 64),
        }.Select((p, i) => WireSegment.Decode(p, i * 1_000_000L)!).ToList();
        bool Owns(ProtocolType protocol, int port, out bool client)
        {
            client = port == 40000;
            return port is 40000 or 80;
        }
        var rows = WireRows.Build(segments, Owns, ns => ns / 1e6);
        Assert.Equal(new[] { "S", "S.", ".", "P.", "R" }, rows.Select(r => r.Operation));
        Assert.Equal("127.0.0.1:40000 > 127.13.0.2:80: seq 0, win 512, ttl 64, from client", rows[0].Note);
        Assert.Equal("127.13.0.2:80 > 127.0.0.1:40000: seq 0, ack 1, win 512, ttl 60, from peer", rows[1].Note);
        Assert.StartsWith("127.0.0.1:40000 > 127.13.0.2:80: seq 1:25, ack 1,", rows[3].Note);
        Assert.Equal(24, rows[3].Bytes);
        Assert.Contains("from neither", rows[4].Note);
        Assert.Contains("ResetFrom Path", rows[4].Note);
        Assert.Equal(4, rows[4].AtMs);
        Assert.All(rows, r => { Assert.Equal(Actors.Wire, r.Actor); Assert.Null(r.Expected); Assert.Null(r.Matches); });
    }

    [Fact]
    public void Keeps_only_the_runs_own_ports()
    {
        var mine = WireSegment.Decode(Tcp(Client, 40000, Client, 80, WireSegment.Syn, 1, 0), 0)!;
        var theirs = WireSegment.Decode(Tcp(Client, 40001, Client, 81, WireSegment.Syn, 1, 0), 0)!;
        bool Owns(ProtocolType protocol, int port, out bool client)
        {
            client = port == 40000;
            return protocol == ProtocolType.Tcp && port is 40000 or 80;
        }
        var row = Assert.Single(WireRows.Build(new[] { mine, theirs }, Owns, _ => 0));
        Assert.StartsWith("127.0.0.1:40000 > 127.0.0.1:80:", row.Note);
    }

    [Fact]
    public void A_connected_client_port_claims_no_flow_to_another_port_but_a_refused_one_keeps_its_own()
    {
        // Linux hands port 40000 to a foreign connection too (its destination differs): only 40000 > 80 is the run's.
        var mine = WireSegment.Decode(Tcp(Client, 40000, Client, 80, WireSegment.Syn, 1, 0), 0)!;
        var foreign = WireSegment.Decode(Tcp(Client, 40000, Client, 9999, WireSegment.Syn, 1, 0), 1)!;
        var foreignAnswer = WireSegment.Decode(Tcp(Client, 9999, Client, 40000, WireSegment.Syn | WireSegment.Ack, 7, 2), 2)!;
        // A refused connect from 40001: its socket never connected, so its target is known only by its SYN.
        var refused = WireSegment.Decode(Tcp(Client, 40001, Client, 81, WireSegment.Syn, 1, 0), 3)!;
        bool Owns(ProtocolType protocol, int port, out bool client)
        {
            client = port is 40000 or 40001;
            return protocol == ProtocolType.Tcp && port is 40000 or 40001 or 80;
        }
        int? PeerOf(ProtocolType protocol, int clientPort) => clientPort == 40000 ? 80 : null;
        var segments = new[] { mine, foreign, foreignAnswer, refused };
        var rows = WireRows.Build(segments, Owns, _ => 0, PeerOf);
        Assert.Equal(new[] { "127.0.0.1:40000 > 127.0.0.1:80", "127.0.0.1:40001 > 127.0.0.1:81" }, rows.Select(r => r.Note!.Split(": ")[0]));
        Assert.Equal(new[] { mine, refused }, WireRows.Mine(segments, Owns, PeerOf));
        // Without knowing where the client went, the foreign flow is taken for the run's (as before).
        Assert.Equal(4, WireRows.Build(segments, Owns, _ => 0).Count);
    }

    private static WireSegment At(long ns, byte[] packet) => WireSegment.Decode(packet, ns)!;

    [Fact]
    public void A_probe_flow_takes_its_own_reset_not_one_left_from_an_earlier_connection_on_the_same_port()
    {
        var flows = new ProbeFlows();
        var local = new IPEndPoint(Client, 40000);
        var target = new IPEndPoint(Peer, 80);
        // An earlier connection on local port 40000 drew an RST (TTL 50) that no verdict consumed ...
        var earlier = new[]
        {
            At(1_000, Tcp(Client, 40000, Peer, 80, WireSegment.Syn, 1, 0)),
            At(2_000, Tcp(Peer, 80, Client, 40000, WireSegment.Rst | WireSegment.Ack, 0, 2, ttl: 50)),
        };
        // ... then this attempt reused the port: SYN, SYN-ACK, and nothing else.
        var mine = new[]
        {
            At(5_000, Tcp(Client, 40000, Peer, 80, WireSegment.Syn, 100, 0)),
            At(6_000, Tcp(Peer, 80, Client, 40000, WireSegment.Syn | WireSegment.Ack, 7, 101, ttl: 64)),
        };
        var verdict = flows.Verdict(earlier.Concat(mine), local, target, 10_000);
        Assert.Equal(64, verdict.SynAckTtl);
        Assert.Null(verdict.ResetTtl);
        Assert.Null(verdict.ResetFrom);

        // The next attempt on that port is refused: its own RST counts, judged by the address's SYN-ACK.
        var refused = new[]
        {
            At(20_000, Tcp(Client, 40000, Peer, 80, WireSegment.Syn, 300, 0)),
            At(21_000, Tcp(Peer, 80, Client, 40000, WireSegment.Rst | WireSegment.Ack, 0, 301, ttl: 64)),
        };
        verdict = flows.Verdict(refused, local, target, 30_000);
        Assert.Null(verdict.SynAckTtl);
        Assert.Equal(64, verdict.ResetTtl);
        Assert.Equal("Peer", verdict.ResetFrom);
    }

    /// <summary>A segment as the probe capture hands it on: decoded, with its bytes for the file.</summary>
    private static WireSegment Captured(long ns, byte[] packet)
    {
        var s = WireSegment.Decode(packet, ns)!;
        s.Packet = packet;
        s.OriginalLength = packet.Length;
        return s;
    }

    [Fact]
    public void A_probe_pcap_holds_the_runs_own_flows_and_nothing_else_on_the_host()
    {
        const long Second = 1_000_000_000;
        var stream = new MemoryStream();
        var pcap = new ProbePcap(new Capture.PcapNgWriter(stream), TimeSpan.FromSeconds(10));
        var target = new IPEndPoint(Peer, 80);
        pcap.Expect(target);
        pcap.Absorb(new[]
        {
            // Ours, before the probe knows its port: SYN and SYN-ACK wait.
            Captured(1 * Second, Tcp(Client, 40000, Peer, 80, WireSegment.Syn, 100, 0)),
            Captured(2 * Second, Tcp(Peer, 80, Client, 40000, WireSegment.Syn | WireSegment.Ack, 7, 101)),
            // Another program on the host, to the same target and to elsewhere.
            Captured(3 * Second, Tcp(Client, 41000, Peer, 80, WireSegment.Syn, 500, 0)),
            Captured(3 * Second, Tcp(Client, 42000, IPAddress.Parse("127.0.0.9"), 443, WireSegment.Syn, 900, 0)),
        }, 3 * Second);
        pcap.Own(new IPEndPoint(Client, 40000), target);
        pcap.Absorb(new[]
        {
            // Ours after the claim: the close.
            Captured(4 * Second, Tcp(Client, 40000, Peer, 80, WireSegment.Fin | WireSegment.Ack, 101, 8)),
            Captured(5 * Second, Tcp(Peer, 80, Client, 40000, WireSegment.Rst, 8, 0)),
            // The port reused by someone else (a new SYN): not ours unless claimed again.
            Captured(6 * Second, Tcp(Client, 40000, Peer, 80, WireSegment.Syn, 7000, 0)),
        }, 6 * Second);
        // The foreign flow to the target waited past the hold: dropped, while ours older than the hold is written.
        pcap.Absorb(Array.Empty<WireSegment>(), 14 * Second);
        Assert.Equal(2, pcap.Written);
        pcap.Dispose();

        stream = new MemoryStream(stream.ToArray());
        using var reader = new Capture.CaptureReader(stream);
        var written = new List<string>();
        while (reader.Next(out var packet))
        {
            var s = WireSegment.Decode(packet.Data.ToArray(), packet.UnixNanoseconds)!;
            written.Add($"{packet.UnixNanoseconds / Second} {s.SourcePort}>{s.DestinationPort} {s.FlagLetters()}");
        }
        Assert.Equal(new[] { "1 40000>80 S", "2 80>40000 S.", "4 40000>80 F.", "5 80>40000 R" }, written);
        Assert.Equal(4, pcap.Written);
    }

    [Theory]
    [InlineData(64, 64, ResetOrigin.Peer)]
    [InlineData(60, 64, ResetOrigin.Path)]
    [InlineData(null, 64, ResetOrigin.Unknown)]
    [InlineData(64, null, ResetOrigin.Unknown)]
    public void Judges_the_reset_by_its_hops(int? synAck, int? reset, ResetOrigin origin) =>
        Assert.Equal(origin, WireRows.Judge(synAck, reset));
}
