import { createServer } from 'node:http'

// The service behind every target: answers at once with a small JSON body.
const body = JSON.stringify({ ok: true, items: [1, 2, 3] })
createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
}).listen(Number(process.env.PORT), '127.0.0.1', () => { process.stdout.write('ready\n') })
