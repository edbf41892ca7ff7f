// One HTTP/1.1 exchange on a raw loopback socket, for what inject() cannot send: bytes the HTTP
// parser refuses (oversized or malformed headers, conflicting framing) before fastify sees a request.
import net from 'node:net'

export interface RawAnswer {
  /** The status line. */
  head: string
  statusCode: number
  headers: Record<string, string>
  body: string
}

/** Sends bytes on a fresh loopback connection and reads one HTTP/1.1 answer up to the server's close. */
export function rawHttp(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no close within 10 s: ${Buffer.concat(chunks).toString()}`))
    }, 10_000)
    socket.on('data', (d) => chunks.push(d))
    // The server may reset the connection after answering (it does not read the rest of a refused request).
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString('latin1')
      const [head = '', ...rest] = text.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
      resolve({
        head: statusLine,
        statusCode: Number(statusLine.split(' ')[1]),
        headers,
        body: Buffer.from(rest.join('\r\n\r\n'), 'latin1').toString('utf8'),
      })
    })
    socket.write(request)
  })
}
