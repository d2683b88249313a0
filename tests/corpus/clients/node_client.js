// Node.js clients of the corpus: node node_client.js MODE HOST PORT [post]. Prints the error as a log line does:
// String(err), then each cause's String (fetch's TypeError carries the real error as its cause).
const [mode, host, portText, post] = process.argv.slice(2);
const port = Number(portText);
const body = post ? Buffer.alloc(8 << 20, 120) : null;
function report(err) {
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) console.error((depth ? 'cause: ' : '') + String(e));
  process.exit(1);
}
if (mode === 'http') {
  const req = require('http').request({ host, port, method: post ? 'POST' : 'GET', path: '/', timeout: 2000 }, res => res.resume());
  req.on('timeout', () => req.destroy());  // http's timeout only emits; the documented handler destroys the request
  req.on('error', report);
  if (body) req.write(body);
  req.end();
} else if (mode === 'fetch') {
  fetch(`http://${host}:${port}/`, { method: post ? 'POST' : 'GET', body, signal: AbortSignal.timeout(2000) })
    .then(r => r.text()).catch(report);
} else if (mode === 'net') {
  const s = require('net').connect({ host, port });
  s.setTimeout(2000, () => s.destroy());  // no error of its own: a silent end prints nothing
  s.on('error', report);
  s.on('connect', () => { if (body) s.write(body); s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); });
}
