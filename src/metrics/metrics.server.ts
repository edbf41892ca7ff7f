// The metrics listener: GET /metrics in Prometheus's text format on its own address (127.0.0.1 by
// default), never on the API port, so only the operator's scraper reaches it. Closed with the app.
import http from 'node:http'
import type { Registry } from 'prom-client'

export interface MetricsServer {
  /** The address it listens on, as http://host:port/metrics. */
  readonly url: string
  close(): Promise<void>
}

function answer(registry: Registry, req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]
  if (path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n')
    return
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n')
    return
  }
  registry.metrics().then(
    (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
    () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n'),
  )
}

/** Listens on host:port; rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL) for the caller to name. */
export function startMetricsServer(registry: Registry, address: { host: string; port: number }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => answer(registry, req, res))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(address.port, address.host, () => {
      server.off('error', reject)
      const { port } = server.address() as { port: number }
      const host = address.host.includes(':') ? `[${address.host}]` : address.host
      resolve({
        url: `http://${host}:${port}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            // close() ends idle keep-alive connections (Node 19+); a scrape under way is cut short too.
            server.closeAllConnections()
          }),
      })
    })
  })
}
