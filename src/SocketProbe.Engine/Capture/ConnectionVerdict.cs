using System.Runtime.CompilerServices;
using SocketProbe.Engine.Errors;
using SocketProbe.Engine.Wire;

namespace SocketProbe.Engine.Capture;

/// <summary>
/// Turns a tracked connection into its record: Zeek's ConnState and History, then the fate, who
/// reset it, the phase it ended in, and the catalogue scenario that plays the same ending.
/// </summary>
internal static class ConnectionVerdict
{
    /// <summary>
    /// A silence before the end makes the phase Idle when it is at least this long and at least
    /// <see cref="IdleRoundTrips"/> handshake round trips: nobody was waiting on the network then.
    /// </summary>
    public const double IdleSeconds = 1.0;
    public const int IdleRoundTrips = 10;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static TcpConnectionRecord Build(TcpConnection c, string path)
    {
        string state = c.ConnState();
        var record = new TcpConnectionRecord
        {
            Path = path,
            Client = AddressText(c.OrigAddress, c.IsIPv6), ClientPort = c.OrigPort,
            Server = AddressText(c.RespAddress, c.IsIPv6), ServerPort = c.RespPort,
            AddressFamily = c.IsIPv6 ? "IPv6" : "IPv4",
            StartTime = ToTime(c.FirstNs), EndTime = ToTime(c.LastNs), DurationSeconds = (c.LastNs - c.FirstNs) / 1e9,
            ClientPackets = c.Orig.Packets, ServerPackets = c.Resp.Packets, ClientBytes = c.Orig.Bytes, ServerBytes = c.Resp.Bytes,
            ConnState = state, History = c.History.ToString(),
            Retransmissions = c.Retransmissions, ZeroWindows = c.ZeroWindows,
            IcmpErrors = c.IcmpErrors.Count == 0 ? null : string.Join("; ", c.IcmpErrors),
        };
        record.ResetBy = ResetBy(c, out string? evidence);
        record.ResetEvidence = evidence;
        record.EndedBy = c.EndNs < 0 ? null : c.EndIsReset ? record.ResetBy : c.EndByOrig ? "Client" : "Server";
        record.IdleBeforeEndSeconds = c.IdleBeforeEndNs >= 0 ? Math.Round(c.IdleBeforeEndNs / 1e9, 6) : null;
        record.Fate = Fate(c, state);
        record.EndPhase = Phase(c, record);
        record.Scenario = Scenario(c, record);
        record.SameOnTheWire = WireLookAlikes.TextOf(record.Scenario);
        Explain(c, record);
        return record;
    }

    private static DateTime ToTime(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100);

    /// <summary>The sender of the first RST; Path when its hop count differs from that side's own last segment's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? ResetBy(TcpConnection c, out string? evidence)
    {
        evidence = null;
        if (c.FirstRstNs < 0) return null;
        string side = c.RstByOrig ? "Client" : "Server";
        string hops = c.IsIPv6 ? "hop limit" : "TTL";
        string ipId = c.IsIPv6 || c.RstIpId < 0 ? "" : $", IP ID {c.RstIpId}" + (c.RstReferenceIpId >= 0 ? $" (its last: {c.RstReferenceIpId})" : "");
        if (c.RstSideSpokeAfter)
        {
            evidence = $"the {side.ToLowerInvariant()} went on sending after a RST in its name ({hops} {c.RstTtl}{ipId}): it never sent that RST, something on the path forged it";
            return "Path";
        }
        if (c.RstReferenceTtl < 0)
        {
            evidence = $"RST {hops} {c.RstTtl}{ipId}, window {c.RstWindow}: no earlier segment of the {side.ToLowerInvariant()} to compare with, so taken as its own";
            return side;
        }
        if (c.RstReferenceTtl != c.RstTtl)
        {
            evidence = $"RST {hops} {c.RstTtl} where the {side.ToLowerInvariant()}'s earlier segments had {c.RstReferenceTtl}{ipId}: sent from another distance, forged on the path in the {side.ToLowerInvariant()}'s name";
            return "Path";
        }
        evidence = $"RST {hops} {c.RstTtl} as the {side.ToLowerInvariant()}'s earlier segments{ipId}, window {c.RstWindow}";
        return side;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string Fate(TcpConnection c, string state) => state switch
    {
        "REJ" => "Refused",
        "S0" or "RSTOS0" or "SH" => c.IcmpErrors.Count > 0 ? "Unreachable" : state == "S0" ? "Unanswered" : "Abandoned",
        "RSTO" or "RSTR" or "RSTRH" => "Reset",
        "SF" => "Closed",
        "S2" or "S3" or "SHR" => "HalfClosed",
        "S1" => c.IcmpErrors.Count > 0 ? "Unreachable" : "StillOpen",
        _ => c.FirstRstNs >= 0 ? "Reset" : "Partial",
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string Phase(TcpConnection c, TcpConnectionRecord r)
    {
        if (c.EndNs < 0 && r.Fate is not ("Unanswered" or "Unreachable")) return "Open";
        // Begun before the capture: how far it had got is not in the file.
        if (!c.SawSyn && !c.SawSynAck) return "Unknown";
        if (!c.Established && !(c.SawSyn && c.SawSynAck)) return "Handshake";
        if (c.IdleBeforeEndNs >= Math.Max(IdleSeconds * 1e9, IdleRoundTrips * c.HandshakeNs)) return "Idle";
        if (!c.HadDataBeforeEnd) return "AfterAccept";
        if (c.UnackedAtEnd) return "MidTransfer";
        if (c.OrigDataBeforeEnd && !c.RespDataBeforeEnd) return "AfterRequest";
        return "AfterResponse";
    }

    /// <summary>The catalogue scenario whose wire looks like this ending; null for an ordinary one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Scenario(TcpConnection c, TcpConnectionRecord r)
    {
        string? icmp = c.IcmpErrors.Count > 0 ? c.IcmpErrors[0] : null;
        switch (r.Fate)
        {
            case "Refused": return "ConnectRefused";
            case "Unanswered": return c.Established ? "PeerHostCrash" : "ConnectTimeout";
            case "Unreachable":
                if (c.Established) return "IcmpUnreachableEstablished";
                return icmp is not null && icmp.Contains("net-unreachable") ? "ConnectNoRoute" : "ConnectHostUnreachable";
        }
        if (r.ResetBy == "Path") return "MiddleboxIdleReset";
        if (c.Established && icmp is not null) return "IcmpUnreachableEstablished";
        // A connection begun before the capture: no catalogue ending can be matched to half a story.
        if (r.EndPhase == "Unknown") return null;
        // The client's data went unacknowledged to the end, retransmitted: the server (or the path) went
        // silent. Not when the server's FIN reached the client (acknowledged): then the client's RST is its own abort.
        if (c.Orig.RetransmitCount > 0 && c.UnackedAtEnd && !c.OrigAckedRespFin)
            return r.EndPhase == "Idle" ? "MiddleboxIdleDrop" : "PeerHostCrash";
        if (c.Orig.KeepAlives > 0 && c.EndByOrig && c.EndIsReset && !c.RespDataBeforeEnd) return "PeerHostCrashKeepalive";
        if (r.ResetBy == "Server")
        {
            // The server closed first (FIN) and the client's later segment drew its RST.
            if (c.RespFinNs >= 0 && c.RespFinNs < c.FirstRstNs)
                return r.EndPhase switch { "AfterAccept" => "AcceptThenClose", "Idle" => "ServerIdleClose", _ => "WriteAfterFin" };
            if (c.ResetAgain) return "PeerReboot";
            if (r.EndPhase == "AfterAccept") return "AcceptThenReset";
            // An answer, then RST at once: the server closed with part of the request unread.
            if (c.RespDataBeforeEnd && c.OrigDataBeforeEnd) return r.EndPhase == "Idle" ? "PeerAbort" : "ServerClosesUnreadRequest";
            if (c.OrigDataBeforeEnd) return "PeerKilledWithUnreadData";
            return "PeerAbort";
        }
        // The client closed, the server wrote later, and the client's RST answered it: the client's
        // orphan socket was gone (FIN_WAIT2 timed out) while the server's sat in CLOSE_WAIT.
        if (r.ResetBy == "Client" && c.RespDataAfterOrigFin && c.OrigFinNs >= 0 && c.OrigFinNs < c.FirstRstNs) return "CloseWaitPileUp";
        if (r.ResetBy == "Client") return c.HadDataBeforeEnd ? null : "ResetBeforeAccept";
        if (r.Fate is "Closed" or "HalfClosed")
        {
            if (c.RespDataAfterOrigFin) return "HalfClose";
            if (r.EndedBy != "Server") return null;
            if (r.EndPhase == "AfterAccept") return "AcceptThenClose";
            if (r.EndPhase == "Idle") return "ServerIdleClose";
            return null;
        }
        return null;
    }

    /// <summary>What each side's application saw, in Get-SocketErrorInfo's words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Explain(TcpConnection c, TcpConnectionRecord r)
    {
        (string? client, string? server, string story) = r.Fate switch
        {
            "Refused" => ("ECONNREFUSED", null, "the server's host answered the SYN with RST: nothing listened on the port."),
            "Unanswered" => ("ETIMEDOUT", null, "no answer to the SYNs: connect gave up after its retries (a dropped SYN, a dead host or a full accept queue)."),
            "Unreachable" when r.IcmpErrors is string icmp => (icmp.Contains("net-unreachable") ? "ENETUNREACH" : "EHOSTUNREACH", null,
                $"an ICMP error came back: {icmp}."),
            "Reset" when r.ResetBy == "Path" => ("ECONNRESET", "nothing",
                "a RST the server never sent ended the client's side; the server's socket stayed open until its own timers (a firewall or load balancer that forgot the flow)."),
            "Reset" when r.ResetBy == "Server" => ("ECONNRESET", null,
                c.RespFinNs >= 0 && c.RespFinNs < c.FirstRstNs
                    ? "the server had closed (FIN); the client's later segment was answered by RST: its read gave end of stream, a write after the RST fails (EPIPE)."
                    : "the server reset the connection (an abortive close, unread data at close, or no socket any more)."),
            "Reset" when r.ResetBy == "Client" && c.Established && r.IcmpErrors is string icmp => ("EHOSTUNREACH", "ECONNRESET",
                $"ICMP errors answered the client's segments ({icmp}); it retransmitted until its timer gave up, then reset the connection."),
            "Reset" when r.ResetBy == "Client" && c.Orig.RetransmitCount > 0 && c.UnackedAtEnd && !c.OrigAckedRespFin => ("ETIMEDOUT", "ECONNRESET",
                "the client's data was never acknowledged; it retransmitted until its timer (TCP_USER_TIMEOUT or tcp_retries2) gave up, then reset the connection."),
            "Reset" when r.ResetBy == "Client" && c.Orig.KeepAlives > 0 && !c.RespDataBeforeEnd => ("ETIMEDOUT", "ECONNRESET",
                "the client's keepalive probes went unanswered; its kernel gave up and reset the connection."),
            "Reset" when r.ResetBy == "Client" => (null, "ECONNRESET", "the client reset the connection (an abortive close, or unread data at close)."),
            "Closed" or "HalfClosed" => (r.EndedBy == "Server" ? "EndOfStream" : null, r.EndedBy == "Client" ? "EndOfStream" : null,
                r.Fate == "Closed" ? "an orderly close (FIN each way)." : "one side closed (FIN); the other did not close in the capture."),
            _ => (null, null, r.Fate == "StillOpen" ? "the connection was still open when the capture ended." : "the capture holds only part of the connection."),
        };
        r.ClientSaw = client ?? "nothing";
        r.ServerSaw = server ?? (r.Fate is "Refused" or "Unanswered" or "Unreachable" ? null : "nothing");
        static string Describe(string who, string? saw) =>
            saw is null or "nothing" ? "" :
            saw == "EndOfStream" ? $" {who}: a read gave end of stream (0 bytes)." :
            $" {who}: {Catalogued(saw)}";
        // The same few endings repeat across a capture's connections: each text is built once.
        var explanations = _explanations ??= new();
        var lookup = _explanationLookup ??= new();
        lookup.Set(story, client, server);
        if (!explanations.TryGetValue(lookup, out string? text))
        {
            if (explanations.Count > 4096) explanations.Clear(); // stories that quote an ICMP sender vary
            text = char.ToUpperInvariant(story[0]) + story[1..] + Describe("Client", client) + Describe("Server", server);
            explanations[lookup.Copy()] = text;
        }
        r.Explanation = text;
    }

    // The caches below are per thread (a runspace reads on its own) and keyed by a class, not a tuple: a
    // table with a reference key runs on the runtime's precompiled code from a session's first read on.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> CatalogText = new();
    [ThreadStatic] private static Dictionary<TextKey, string>? _explanations, _addressText;
    [ThreadStatic] private static TextKey? _explanationLookup, _addressLookup;

    /// <summary>An address's text, remembered: a capture's connections share a few hosts (bounded, per thread).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string AddressText(UInt128 address, bool v6)
    {
        var cache = _addressText ??= new();
        var lookup = _addressLookup ??= new();
        lookup.Set(address, v6);
        if (cache.TryGetValue(lookup, out string? text)) return text;
        if (cache.Count >= 65_536) cache.Clear();
        return cache[lookup.Copy()] = PacketFields.Address(address, v6).ToString();
    }

    /// <summary>A cache key: an address and its family, or an explanation's story and what each side saw. Reused for lookups.</summary>
    private sealed class TextKey : IEquatable<TextKey>
    {
        private UInt128 _address;
        private bool _v6;
        private string? _story, _client, _server;

        public void Set(UInt128 address, bool v6) => (_address, _v6) = (address, v6);

        public void Set(string story, string? client, string? server) => (_story, _client, _server) = (story, client, server);

        public TextKey Copy() => new() { _address = _address, _v6 = _v6, _story = _story, _client = _client, _server = _server };

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Equals(TextKey? other) => other is not null && _address == other._address && _v6 == other._v6 &&
            string.Equals(_story, other._story) && string.Equals(_client, other._client) && string.Equals(_server, other._server);

        public override bool Equals(object? obj) => Equals(obj as TextKey);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override int GetHashCode()
        {
            unchecked
            {
                ulong h = (ulong)_address * 0x9E3779B97F4A7C15UL ^ (ulong)(_address >> 64) * 0xC2B2AE3D27D4EB4FUL ^ (_v6 ? 1UL : 0UL);
                int strings = (_story?.GetHashCode() ?? 0) ^ (_client?.GetHashCode() ?? 0) * 31 ^ (_server?.GetHashCode() ?? 0) * 961;
                return (int)(h ^ h >> 32) ^ strings;
            }
        }
    }

    /// <summary>"ECONNRESET (Connection reset by peer): summary" from the error catalogue, looked up once per name.</summary>
    private static string Catalogued(string name) => CatalogText.GetOrAdd(name, n =>
        ErrorCatalog.Lookup(n).FirstOrDefault() is ErrorEntry entry
            ? $"{n} ({entry.On(OsPlatform.Linux)?.Message ?? n}): {entry.Summary}"
            : $"{n}.");

    /// <summary>The ICMP error's description as a connection's IcmpErrors lists it.</summary>
    public static string IcmpDescription(in PacketFields p) =>
        $"{WireSegment.IcmpNameOf(p.IsIPv6, p.IcmpType, p.IcmpCode)} from {PacketFields.Address(p.Source, p.IsIPv6)}";
}
