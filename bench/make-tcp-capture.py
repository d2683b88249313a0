#!/usr/bin/env python3
"""Write a synthetic pcap (Ethernet, microseconds) of many interleaved TCP connections for
bench/ReadTcpCapture.Bench.ps1: orderly exchanges, refused connects, server resets mid-transfer,
retransmissions, RSTs forged by the path (another TTL) and unanswered SYNs. Usage:
make-tcp-capture.py OUT PACKETS [SEED]. About 200 connections are open at any moment; packets are
0.5 ms apart, so a file of N packets spans N/2000 s whatever its size."""
import random
import struct
import sys

out, target = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 28)
F, S, R, P, A = 0x01, 0x02, 0x04, 0x08, 0x10
ETH = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00"


def packet(src, sport, dst, dport, flags, seq, ack, payload, ttl):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + payload, rng.randrange(65536), 0x4000, ttl, 6, 0, src, dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 512, 0, 0)
    return ETH + ip + tcp + bytes(payload)


def conversation(n):
    """One connection's packets as (from_client, flags, seq_offset, ack_offset, payload, ttl)."""
    kind = rng.random()
    hs = [(1, S, 0, 0, 0, 64), (0, S | A, 0, 1, 0, 60), (1, A, 1, 1, 0, 64)]
    if kind < 0.70:  # orderly: request, response, FIN each way
        return hs + [(1, P | A, 1, 1, 80, 64), (0, A, 1, 81, 0, 60), (0, P | A, 1, 81, 300, 60), (1, A, 81, 301, 0, 64),
                     (1, F | A, 81, 301, 0, 64), (0, A, 301, 82, 0, 60), (0, F | A, 301, 82, 0, 60), (1, A, 82, 302, 0, 64)]
    if kind < 0.80:  # refused
        return [(1, S, 0, 0, 0, 64), (0, R | A, 0, 1, 0, 60)]
    if kind < 0.88:  # server resets mid-transfer
        return hs + [(1, P | A, 1, 1, 80, 64), (0, A, 1, 81, 0, 60), (0, P | A, 1, 81, 300, 60), (0, R | A, 301, 81, 0, 60)]
    if kind < 0.94:  # request retransmitted twice, then an orderly end
        return hs + [(1, P | A, 1, 1, 80, 64), (1, P | A, 1, 1, 80, 64), (1, P | A, 1, 1, 80, 64), (0, A, 1, 81, 0, 60),
                     (0, P | A, 1, 81, 300, 60), (1, A, 81, 301, 0, 64), (1, F | A, 81, 301, 0, 64), (0, F | A, 301, 82, 0, 60),
                     (1, A, 82, 302, 0, 64)]
    if kind < 0.98:  # a RST in the server's name from another distance (TTL 64, the server's is 60)
        return hs + [(1, P | A, 1, 1, 80, 64), (0, A, 1, 81, 0, 60), (1, P | A, 81, 1, 80, 64), (0, R, 1, 0, 0, 64)]
    return [(1, S, 0, 0, 0, 64), (1, S, 0, 0, 0, 64), (1, S, 0, 0, 0, 64)]  # unanswered


with open(out, "wb", buffering=1 << 20) as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    active, written, conn, started, now_us = [], 0, 0, 0, 1_700_000_000 * 1_000_000
    while written < target:
        while len(active) < 200:
            conn += 1
            client = struct.pack("!I", 0x0A000000 | (conn % 250 + 1) << 8 | (conn // 250 % 250 + 1))
            server = struct.pack("!I", 0xC0A80000 | (conn % 16 + 1))
            active.append([conversation(conn), 0, client, 1024 + conn % 60000, server, 80 + conn % 3, rng.getrandbits(32), rng.getrandbits(32)])
        i = rng.randrange(len(active))
        c = active[i]
        started += c[1] == 0
        from_client, flags, seq, ack, payload, ttl = c[0][c[1]]
        client, cport, server, sport, cisn, sisn = c[2:]
        if from_client:
            data = packet(client, cport, server, sport, flags, cisn + seq, sisn + ack if flags & A else 0, payload, ttl)
        else:
            data = packet(server, sport, client, cport, flags, sisn + seq, cisn + ack if flags & A else 0, payload, ttl)
        now_us += 500
        f.write(struct.pack("<IIII", now_us // 1_000_000, now_us % 1_000_000, len(data), len(data)))
        f.write(data)
        written += 1
        c[1] += 1
        if c[1] == len(c[0]):
            active[i] = active[-1]
            active.pop()
print(f"{written} packets, {started} connections")
