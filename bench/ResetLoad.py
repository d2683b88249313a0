#!/usr/bin/python3
# Loopback RST load for bench/WatchTcpReset.Bench.ps1: refused connects to one closed port at a
# paced rate (each draws one RST from this host's kernel, NO_SOCKET), for a bounded time.
# Prints how many connects were refused, i.e. how many RSTs the kernel sent.
import socket, sys, time
port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
refused = 0
start = time.monotonic()
end = start + seconds
sent = 0
while True:
    now = time.monotonic()
    if now >= end:
        break
    due = int((now - start) * rate)
    while sent < due:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            refused += 1
        finally:
            s.close()
        sent += 1
    time.sleep(0.0005)
print(refused)
