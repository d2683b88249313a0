using System.Buffers.Binary;
using System.Net;
using SocketProbe.Engine.Capture;
using Xunit;
using static SocketProbe.Engine.Tests.TestPackets;

namespace SocketProbe.Engine.Tests;

/// <summary>
/// Read-TcpCapture's engine on synthetic packets: the file formats and link types, Zeek's conn_state
/// and history (base/protocols/conn/main.zeek, TCPSessionAdapter.cc) case by case, and the verdicts.
/// </summary>
public class CaptureTests
{
    private const byte F = 0x01, S = 0x02, R = 0x04, P = 0x08, A = 0x10;
    private static readonly IPAddress C = IPAddress.Parse("10.0.0.1"), Sv = IPAddress.Parse("10.0.0.2");
    private const int CP = 40000, SP = 8080;

    /// <summary>One packet of a synthetic conversation: from the client (true) or the server, its flags, sequence numbers relative to ISNs 1000 and 5000.</summary>
    public sealed record Seg(bool FromClient, byte Flags, uint Seq, uint Ack, int Payload = 0, double At = 0, int Ttl = 64, int Window = 512, int IpId = 1);

    private static Seg Cl(byte flags, uint seq, uint ack, int payload = 0, double at = 0, int ttl = 64, int window = 512) => new(true, flags, 1000 + seq, 5000 + ack, payload, at, ttl, window);
    private static Seg Sr(byte flags, uint seq, uint ack, int payload = 0, double at = 0, int ttl = 64, int window = 512) => new(false, flags, 5000 + seq, 1000 + ack, payload, at, ttl, window);

    private static byte[] Packet(Seg s) => s.FromClient
        ? Tcp(C, CP, Sv, SP, s.Flags, s.Seq, s.Ack, s.Payload, s.Ttl, s.Window, s.IpId)
        : Tcp(Sv, SP, C, CP, s.Flags, s.Seq, s.Ack, s.Payload, s.Ttl, s.Window, s.IpId);

    private const long Epoch = 1_700_000_000L * 1_000_000_000L;

    /// <summary>The conversation written as pcapng by our writer, read back by our reader.</summary>
    private static List<TcpConnectionRecord> Read(params Seg[] segments)
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream))
        {
            int i = 0;
            foreach (Seg s in segments)
            {
                byte[] p = Packet(s);
                writer.Write(Epoch + (long)(s.At * 1e9) + i++ * 1000, p, p.Length + s.Payload);
            }
            stream.Position = 0;
            return ReadStream(new MemoryStream(stream.ToArray()));
        }
    }

    private static List<TcpConnectionRecord> ReadStream(Stream stream, TcpCaptureOptions? options = null)
    {
        var records = new List<TcpConnectionRecord>();
        var analyzer = new TcpCaptureAnalyzer("test", options ?? new TcpCaptureOptions(), records.Add);
        using var reader = new CaptureReader(stream);
        while (reader.Next(out CapturedPacket packet)) analyzer.Add(packet);
        analyzer.Finish();
        return records;
    }

    private static TcpConnectionRecord One(params Seg[] segments) => Assert.Single(Read(segments));

    // The handshake and an orderly close, reused below.
    private static readonly Seg[] Handshake = { Cl(S, 0, 0), Sr(S | A, 0, 1), Cl(A, 1, 1) };

    public static TheoryData<string, string, Seg[]> ZeekStates => new()
    {
        // S0: Connection attempt seen, no reply.
        { "S0", "S", new[] { Cl(S, 0, 0) } },
        // REJ: Connection attempt rejected (the SYN answered by RST).
        { "REJ", "Sr", new[] { Cl(S, 0, 0), Sr(R | A, 0, 1) } },
        // S1: Connection established, not terminated.
        { "S1", "ShA", Handshake },
        // SF: Normal establishment and termination.
        { "SF", "ShADdFf", Handshake.Concat(new[] { Cl(P | A, 1, 1, 10), Sr(P | A, 1, 11, 20), Cl(F | A, 11, 21), Sr(F | A, 21, 12), Cl(A, 12, 22) }).ToArray() },
        // S2: established, close attempt by originator seen (no reply from responder).
        { "S2", "ShAF", Handshake.Append(Cl(F | A, 1, 1)).ToArray() },
        // S3: established, close attempt by responder seen (no reply from originator).
        { "S3", "ShAf", Handshake.Append(Sr(F | A, 1, 1)).ToArray() },
        // RSTO: established, originator aborted (sent a RST).
        { "RSTO", "ShAR", Handshake.Append(Cl(R | A, 1, 1)).ToArray() },
        // RSTR: responder sent a RST.
        { "RSTR", "ShAr", Handshake.Append(Sr(R | A, 1, 1)).ToArray() },
        // RSTOS0: originator sent a SYN followed by a RST, no SYN-ACK from the responder.
        { "RSTOS0", "SR", new[] { Cl(S, 0, 0), Cl(R, 1, 0) } },
        // SH: originator sent a SYN followed by a FIN, no SYN-ACK from the responder.
        { "SH", "SF", new[] { Cl(S, 0, 0), Cl(F | A, 1, 0) } },
        // OTH: no SYN seen, just midstream traffic.
        { "OTH", "Dd", new[] { Cl(P | A, 1, 1, 10), Sr(P | A, 1, 11, 10) } },
    };

    [Theory]
    [MemberData(nameof(ZeekStates))]
    public void ConnState_follows_Zeek(string state, string history, Seg[] segments)
    {
        TcpConnectionRecord r = One(segments);
        Assert.Equal(state, r.ConnState);
        Assert.Equal(history, r.History);
    }

    [Fact]
    public void RSTRH_and_SHR_turn_a_connection_first_seen_at_its_SYN_ACK_from_a_server_port_around()
    {
        // Responder (port 80) sent a SYN-ACK followed by a RST / a FIN; no SYN from the originator.
        var rstrh = Assert.Single(ReadRaw(Tcp(Sv, 80, C, CP, S | A, 5000, 1001), Tcp(Sv, 80, C, CP, R, 5001, 0)));
        Assert.Equal("RSTRH", rstrh.ConnState);
        Assert.Equal("^hr", rstrh.History);
        Assert.Equal(CP, rstrh.ClientPort);
        var shr = Assert.Single(ReadRaw(Tcp(Sv, 80, C, CP, S | A, 5000, 1001), Tcp(Sv, 80, C, CP, F | A, 5001, 1001)));
        Assert.Equal("SHR", shr.ConnState);
    }

    private static List<TcpConnectionRecord> ReadRaw(params byte[][] packets)
    {
        var stream = new MemoryStream();
        var writer = new PcapNgWriter(stream);
        long at = Epoch;
        foreach (byte[] p in packets) writer.Write(at += 1000, p, p.Length);
        return ReadStream(new MemoryStream(stream.ToArray()));
    }

    [Fact]
    public void History_repeats_t_on_a_log_scale_and_records_zero_windows_and_multi_flag_packets()
    {
        // Eleven retransmissions of the same payload: 'T' at the 1st and the 10th.
        var segments = Handshake.Append(Cl(P | A, 1, 1, 10)).Concat(Enumerable.Range(0, 11).Select(_ => Cl(P | A, 1, 1, 10))).ToList();
        TcpConnectionRecord r = One(segments.ToArray());
        Assert.Equal("ShADTT", r.History);
        Assert.Equal(11, r.Retransmissions);

        TcpConnectionRecord zero = One(Handshake.Append(Sr(A, 1, 1, window: 0)).ToArray());
        Assert.Equal("ShAaw", zero.History);
        Assert.Equal(1, zero.ZeroWindows);

        TcpConnectionRecord multi = One(Cl(S | F, 0, 0));
        Assert.Equal("Q", multi.History);
    }

    [Fact]
    public void A_retransmitted_SYN_adds_no_letter_but_counts()
    {
        TcpConnectionRecord r = One(Cl(S, 0, 0), Cl(S, 0, 0, at: 1), Cl(S, 0, 0, at: 3));
        Assert.Equal("S", r.History);
        Assert.Equal("S0", r.ConnState);
        Assert.Equal(2, r.Retransmissions);
        Assert.Equal("Unanswered", r.Fate);
        Assert.Equal("ConnectTimeout", r.Scenario);
        Assert.Equal("ETIMEDOUT", r.ClientSaw);
    }

    [Fact]
    public void ResetBy_Path_when_the_RST_comes_from_another_distance_than_the_server()
    {
        // The server's segments arrive with TTL 60 (four hops); the RST in its name with 64.
        var r = One(Cl(S, 0, 0), Sr(S | A, 0, 1, ttl: 60), Cl(A, 1, 1), Cl(P | A, 1, 1, 10, at: 30), Sr(R, 1, 0, at: 30.001, ttl: 64));
        Assert.Equal("Path", r.ResetBy);
        Assert.Contains("TTL 64 where the server's earlier segments had 60", r.ResetEvidence);
        Assert.Equal("Idle", r.EndPhase);
        Assert.Equal(30, r.IdleBeforeEndSeconds!.Value, 2);
        Assert.Equal("MiddleboxIdleReset", r.Scenario);
        Assert.Equal("ECONNRESET", r.ClientSaw);
        Assert.Equal("nothing", r.ServerSaw);
    }

    [Fact]
    public void ResetBy_Path_when_the_claimed_sender_keeps_talking_after_its_RST()
    {
        var r = One(Handshake.Concat(new[] { Cl(P | A, 1, 1, 10, at: 5), Sr(R, 1, 0, at: 5.001), Sr(F | A, 1, 1, at: 6) }).ToArray());
        Assert.Equal("Path", r.ResetBy);
        Assert.Contains("went on sending", r.ResetEvidence);
    }

    [Fact]
    public void ResetBy_Server_when_the_RST_matches_the_server()
    {
        var r = One(Handshake.Append(Sr(R | A, 1, 1, ttl: 64)).ToArray());
        Assert.Equal("Server", r.ResetBy);
        Assert.Equal("AfterAccept", r.EndPhase);
        Assert.Equal("AcceptThenReset", r.Scenario);
    }

    public static TheoryData<string, string?, Seg[]> Scenarios => new()
    {
        { "Refused", "ConnectRefused", new[] { Cl(S, 0, 0), Sr(R | A, 0, 1) } },
        { "Reset", "AcceptThenClose", Handshake.Concat(new[] { Sr(F | A, 1, 1), Cl(P | A, 1, 2, 10), Sr(R, 2, 0) }).ToArray() },
        { "Reset", "ServerIdleClose", Handshake.Concat(new[] { Sr(F | A, 1, 1, at: 5), Cl(P | A, 1, 2, 10, at: 5.1), Sr(R, 2, 0, at: 5.1) }).ToArray() },
        { "Reset", "PeerKilledWithUnreadData", Handshake.Concat(new[] { Cl(P | A, 1, 1, 10), Sr(A, 1, 11), Sr(R | A, 1, 11) }).ToArray() },
        { "Reset", "ServerClosesUnreadRequest", Handshake.Concat(new[] { Cl(P | A, 1, 1, 10), Sr(P | A, 1, 11, 20), Cl(A, 11, 21), Sr(R | A, 21, 11) }).ToArray() },
        { "Reset", "ResetBeforeAccept", Handshake.Append(Cl(R | A, 1, 1)).ToArray() },
        { "Reset", "PeerHostCrash", Handshake.Concat(new[] { Cl(P | A, 1, 1, 10), Cl(P | A, 1, 1, 10, at: 0.2), Cl(P | A, 1, 1, 10, at: 0.6), Cl(R | A, 11, 1, at: 1.4) }).ToArray() },
        { "Closed", null, Handshake.Concat(new[] { Cl(P | A, 1, 1, 10), Sr(P | A, 1, 11, 20), Cl(F | A, 11, 21), Sr(F | A, 21, 12), Cl(A, 12, 22) }).ToArray() },
        { "HalfClosed", "HalfClose", Handshake.Concat(new[] { Cl(F | A, 1, 1), Sr(P | A, 1, 2, 20) }).ToArray() },
        { "StillOpen", null, Handshake },
        // The server sent its answer and closed; the client, with data of its own retransmitted and unacknowledged,
        // reset: its own abort (a download abandoned), not a dead server (seen in zeek's vnd.ms-cab-compressed-multi-conn.pcap).
        { "Reset", null, Handshake.Concat(new[] { Cl(P | A, 1, 1, 10), Sr(P | A, 1, 1, 100), Cl(P | A, 1, 1, 10, at: 0.2), Sr(F | A, 101, 1, at: 0.3), Cl(A, 11, 102, at: 0.35), Cl(R | A, 11, 102, at: 0.4) }).ToArray() },
        // The same, but the server's FIN never reached the client (lost on the path, as in the lab's PeerHostCrash): still a silent server.
        { "Reset", "PeerHostCrash", Handshake.Concat(new[] { Cl(P | A, 1, 1, 10), Cl(P | A, 1, 1, 10, at: 0.2), Sr(F | A, 1, 1, at: 0.3), Cl(P | A, 1, 1, 10, at: 0.6), Cl(R | A, 11, 1, at: 1.4) }).ToArray() },
        // First seen mid-stream: no ending of the catalogue is matched to half a story.
        { "Reset", null, new[] { Cl(P | A, 1, 1, 10), Sr(R | A, 1, 11) } },
    };

    [Fact]
    public void A_connection_begun_before_the_capture_ends_in_an_Unknown_phase()
    {
        var r = One(Cl(P | A, 1, 1, 10), Sr(A, 1, 11), Cl(R | A, 11, 1));
        Assert.Equal("Unknown", r.EndPhase);
        Assert.Null(r.Scenario);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Fate_and_reproducing_scenario(string fate, string? scenario, Seg[] segments)
    {
        TcpConnectionRecord r = One(segments);
        Assert.Equal(fate, r.Fate);
        Assert.Equal(scenario, r.Scenario);
    }

    [Fact]
    public void An_ICMP_error_quoting_the_connection_joins_it()
    {
        byte[] syn = Tcp(C, CP, Sv, SP, S, 1000, 0);
        byte[] icmp = IcmpHostUnreachable(IPAddress.Parse("10.0.9.9"), C, syn, ttl: 63);
        var r = Assert.Single(ReadRaw(syn, icmp));
        Assert.Equal("ICMP host-unreachable from 10.0.9.9", r.IcmpErrors);
        Assert.Equal("Unreachable", r.Fate);
        Assert.Equal("ConnectHostUnreachable", r.Scenario);
        Assert.Equal("EHOSTUNREACH", r.ClientSaw);
    }

    [Fact]
    public void IPv6_connections_are_tracked_like_IPv4()
    {
        IPAddress a = IPAddress.Parse("fd00::1"), b = IPAddress.Parse("fd00::2");
        var r = Assert.Single(ReadRaw(Tcp(a, CP, b, 443, S, 1, 0), Tcp(b, 443, a, CP, R | A, 0, 2)));
        Assert.Equal("IPv6", r.AddressFamily);
        Assert.Equal("fd00::1", r.Client);
        Assert.Equal("REJ", r.ConnState);
    }

    [Fact]
    public void A_reused_4_tuple_is_a_new_connection_once_the_old_one_ended()
    {
        var segments = Handshake.Concat(new[] { Cl(R | A, 1, 1), Cl(S, 100, 0, at: 1), Sr(R | A, 0, 101, at: 1) }).ToArray();
        var records = Read(segments);
        Assert.Equal(new[] { "RSTO", "REJ" }, records.Select(r => r.ConnState));
    }

    // Link types and file formats.

    private static byte[] Pcap(int linkType, bool nanoseconds, bool bigEndian, IEnumerable<byte[]> frames)
    {
        var bytes = new List<byte>();
        void U32(uint v) { var b = new byte[4]; if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v); bytes.AddRange(b); }
        void U16(ushort v) { var b = new byte[2]; if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v); bytes.AddRange(b); }
        U32(nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4); U16(2); U16(4); U32(0); U32(0); U32(65535); U32((uint)linkType);
        uint second = 1_700_000_000;
        foreach (byte[] f in frames)
        {
            U32(second++); U32(nanoseconds ? 500_000_000u : 500_000u); U32((uint)f.Length); U32((uint)f.Length);
            bytes.AddRange(f);
        }
        return bytes.ToArray();
    }

    private static byte[] Link(int linkType, byte[] ip, bool vlan = false)
    {
        bool v6 = ip[0] >> 4 == 6;
        ushort type = (ushort)(v6 ? 0x86DD : 0x0800);
        byte[] header = linkType switch
        {
            CaptureReader.LinkEthernet when vlan => new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00, 0x64, (byte)(type >> 8), (byte)type },
            CaptureReader.LinkEthernet => new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte)(type >> 8), (byte)type },
            CaptureReader.LinkLinuxSll => new byte[] { 0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, (byte)(type >> 8), (byte)type },
            CaptureReader.LinkLinuxSll2 => new byte[] { (byte)(type >> 8), (byte)type, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0 },
            _ => Array.Empty<byte>(),
        };
        return header.Concat(ip).ToArray();
    }

    [Theory]
    [InlineData(CaptureReader.LinkEthernet, false, false, false)]
    [InlineData(CaptureReader.LinkEthernet, true, false, false)]
    [InlineData(CaptureReader.LinkLinuxSll, false, true, false)]
    [InlineData(CaptureReader.LinkLinuxSll2, false, false, true)]
    [InlineData(CaptureReader.LinkRaw, false, true, true)]
    public void Every_link_type_and_pcap_flavour_reads_the_same_connection(int linkType, bool vlan, bool nanoseconds, bool bigEndian)
    {
        var frames = new[]
        {
            Tcp(C, CP, Sv, SP, S, 1000, 0), Tcp(Sv, SP, C, CP, S | A, 5000, 1001), Tcp(C, CP, Sv, SP, A, 1001, 5001),
        }.Select(p => Link(linkType, p, vlan));
        var r = Assert.Single(ReadStream(new MemoryStream(Pcap(linkType, nanoseconds, bigEndian, frames))));
        Assert.Equal("S1", r.ConnState);
        Assert.Equal("10.0.0.1", r.Client);
        Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 20, 500, DateTimeKind.Utc), r.StartTime);
        Assert.Equal("2023-11-14T22:13:20.500Z", r.Start);
        Assert.Equal(2.0, r.DurationSeconds, 6);
    }

    [Fact]
    public void A_file_cut_mid_record_gives_what_was_read_and_the_offset()
    {
        var frames = new[] { Tcp(C, CP, Sv, SP, S, 1000, 0), Tcp(Sv, SP, C, CP, R | A, 0, 1001), Tcp(C, 41000, Sv, SP, S, 1000, 0) };
        byte[] whole = Pcap(CaptureReader.LinkRaw, false, false, frames);
        byte[] cut = whole[..^10];
        var records = new List<TcpConnectionRecord>();
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, cut);
            var e = Assert.Throws<CaptureFormatException>(() => TcpCaptureAnalyzer.Read(path, new TcpCaptureOptions(), records.Add, CancellationToken.None));
            Assert.Equal(24 + 2 * (16 + 40), e.Offset);
            Assert.Contains($"offset {e.Offset}", e.Message);
            Assert.Equal("REJ", Assert.Single(records).ConnState);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_file_cut_inside_a_record_header_says_how_many_of_its_bytes_are_there()
    {
        byte[] whole = Pcap(CaptureReader.LinkRaw, false, false, new[] { Tcp(C, CP, Sv, SP, S, 1000, 0), Tcp(Sv, SP, C, CP, R | A, 0, 1001) });
        using var reader = new CaptureReader(new MemoryStream(whole[..(24 + 16 + 40 + 5)]));
        Assert.True(reader.Next(out _));
        var e = Assert.Throws<CaptureFormatException>(() => reader.Next(out _));
        Assert.Equal(24 + 16 + 40, e.Offset);
        Assert.Contains("(5 of 16 bytes)", e.Message);

        using var clean = new CaptureReader(new MemoryStream(whole));
        Assert.True(clean.Next(out _) && clean.Next(out _));
        Assert.False(clean.Next(out _)); // a clean end of file is no error
    }

    [Fact]
    public void Not_a_capture_is_refused_at_offset_0()
    {
        var e = Assert.Throws<CaptureFormatException>(() => new CaptureReader(new MemoryStream(System.Text.Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n"))));
        Assert.Equal(0, e.Offset);
    }

    [Fact]
    public void Merge_orders_packets_of_several_files_by_time()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            string a = Path.Combine(dir, "a.pcapng"), b = Path.Combine(dir, "b.pcapng"), into = Path.Combine(dir, "all.pcapng");
            using (var w = PcapNgWriter.Create(a)) { w.Write(Epoch + 1, Tcp(C, CP, Sv, SP, S, 1000, 0), 40); w.Write(Epoch + 3, Tcp(C, CP, Sv, SP, A, 1001, 5001), 40); }
            using (var w = PcapNgWriter.Create(b)) { w.Write(Epoch + 2, Tcp(Sv, SP, C, CP, S | A, 5000, 1001), 40); }
            Assert.Equal(3, PcapNgWriter.Merge(new[] { a, b }, into));
            var times = new List<long>();
            using (var reader = CaptureReader.Open(into))
                while (reader.Next(out CapturedPacket p)) times.Add(p.UnixNanoseconds);
            Assert.Equal(new[] { Epoch + 1, Epoch + 2, Epoch + 3 }, times);
            Assert.Equal("ShA", Assert.Single(ReadStream(File.OpenRead(into))).History);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("10.0.0.2", true)]
    [InlineData("10.0.0.2:8080", true)]
    [InlineData("8080", true)]
    [InlineData(":40000", true)]
    [InlineData("10.0.0.3", false)]
    [InlineData("10.0.0.2:80", false)]
    public void Filter_keeps_connections_with_a_matching_endpoint(string filter, bool kept)
    {
        var frames = new[] { Tcp(C, CP, Sv, SP, S, 1000, 0) };
        var options = new TcpCaptureOptions { Filters = new[] { EndpointFilter.Parse(filter) } };
        var records = ReadStream(new MemoryStream(Pcap(CaptureReader.LinkRaw, false, false, frames)), options);
        Assert.Equal(kept ? 1 : 0, records.Count);
    }

    [Theory]
    [InlineData("[::1]:80")]
    [InlineData("::1")]
    public void Filter_parses_IPv6(string filter) => Assert.NotNull(EndpointFilter.Parse(filter).Address);

    [Theory]
    [InlineData("nohost")]
    [InlineData("70000")]
    public void Filter_refuses_what_is_not_an_endpoint(string filter) => Assert.Throws<ArgumentException>(() => EndpointFilter.Parse(filter));

    [Fact]
    public void Detailed_adds_the_segments_as_Wire_rows()
    {
        var stream = new MemoryStream();
        var writer = new PcapNgWriter(stream);
        writer.Write(Epoch, Tcp(C, CP, Sv, SP, S, 1000, 0), 40);
        writer.Write(Epoch + 1_000_000, Tcp(Sv, SP, C, CP, R | A, 0, 1001), 40);
        var r = Assert.Single(ReadStream(new MemoryStream(stream.ToArray()), new TcpCaptureOptions { Detailed = true }));
        Assert.Equal(new[] { "S", "R." }, r.Segments!.Select(s => s.Operation));
        Assert.Equal(new[] { 0.0, 1.0 }, r.Segments!.Select(s => s.AtMs));
        Assert.All(r.Segments!, s => Assert.Equal(Actors.Wire, s.Actor));
    }
}
