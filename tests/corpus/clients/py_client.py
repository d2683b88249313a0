#!/usr/bin/python3
"""Python clients of the corpus: py_client.py MODE HOST PORT [post]. The error is left uncaught: Python prints its
traceback, whose exception lines are what a log holds."""
import sys, socket
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
post = len(sys.argv) > 4
body = b"x" * (8 << 20) if post else None
url = f"http://{host}:{port}/"
if mode == "urllib":
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=2).read()
elif mode == "httpclient":
    import http.client
    c = http.client.HTTPConnection(host, port, timeout=2)
    c.request("POST" if post else "GET", "/", body=body)
    c.getresponse().read()
elif mode == "requests":
    import requests
    (requests.post(url, data=body, timeout=2) if post else requests.get(url, timeout=2)).content
elif mode == "socket":
    s = socket.create_connection((host, port), timeout=2)
    if post:
        for _ in range(64):
            s.sendall(b"x" * 131072)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(4096)  # b"" at end of stream: no error, no line
elif mode == "asyncio":
    import asyncio
    async def main():
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 2)
        w.write((body or b"") + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await w.drain()
        await asyncio.wait_for(r.readexactly(16), 2)
    asyncio.run(main())
