#!/usr/bin/python3
"""The failing servers the client corpus is produced against (tests/corpus/New-ClientCorpus.sh runs this inside its own
network namespace). Each listens on 127.0.0.1 and fails one way; a DNS stub answers NXDOMAIN for every name.
Bounded: the process exits by itself after --seconds, and the generator also stops it by PID."""
import socket, struct, sys, threading, time

def read_request(conn, limit=0.5):
    """Read until the end of HTTP headers or a pause: the client's request has arrived."""
    conn.settimeout(limit)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data

def reset(conn):
    read_request(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close now sends RST
    conn.close()

def fin(conn):
    read_request(conn)
    conn.close()  # FIN, no answer

def close_at_once(conn):
    conn.close()  # FIN before the client writes: its writes draw RST, then EPIPE

def silent(conn):
    time.sleep(30)  # accepted, never answers; the client's own timeout ends it
    conn.close()

BEHAVIOURS = {"reset": reset, "fin": fin, "wac": close_at_once, "silent": silent}

def serve(port, behaviour):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=behaviour, args=(conn,), daemon=True).start()

def dns_nxdomain():
    """Answer every query with NXDOMAIN (RCODE 3), echoing the question: what a real resolver says for *.invalid (RFC 6761)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 53))
    while True:
        q, addr = s.recvfrom(512)
        if len(q) < 12:
            continue
        flags = 0x8000 | (q[2] & 0x01) << 8 | 0x0080 | 3  # QR, RD copied, RA, NXDOMAIN
        end = q.index(b"\0", 12) + 5  # the question: name, type, class (any EDNS record after it is dropped)
        s.sendto(q[:2] + struct.pack(">HHHHH", flags, 1, 0, 0, 0) + q[12:end], addr)

if __name__ == "__main__":
    ports = {"reset": 18002, "fin": 18003, "wac": 18004, "silent": 18005}
    for name, port in ports.items():
        threading.Thread(target=serve, args=(port, BEHAVIOURS[name]), daemon=True).start()
    if "--dns" in sys.argv:
        threading.Thread(target=dns_nxdomain, daemon=True).start()
    seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 900
    print("ready", flush=True)
    time.sleep(seconds)
