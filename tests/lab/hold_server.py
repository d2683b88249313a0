# A server that accepts every connection and holds it without a word, in whatever network namespace
# it is started in (tests/lab/RoutedHop.ps1 starts it behind a real router). It prints
# "LISTENING <port>", then lives until its stdin closes (the test ended or died) or <life> seconds
# pass, whichever comes first: nothing outlives the test. Fixed code: no value is ever built into it.
import select, socket, sys, time

address, life = sys.argv[1], float(sys.argv[2])
family = socket.AF_INET6 if ":" in address else socket.AF_INET
listener = socket.socket(family, socket.SOCK_STREAM)
listener.bind((address, 0))
listener.listen(128)
print("LISTENING", listener.getsockname()[1], flush=True)
held = []
deadline = time.monotonic() + life
while True:
    left = deadline - time.monotonic()
    if left <= 0:
        break
    ready, _, _ = select.select([listener, sys.stdin], [], [], left)
    if sys.stdin in ready and not sys.stdin.buffer.read1(1):
        break
    if listener in ready:
        connection, _ = listener.accept()
        held.append(connection)
