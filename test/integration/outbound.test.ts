// The webhook sender against real receivers on 127.0.0.1: status and capped excerpts, redirects not
// followed, one deadline, refusals made before any connection (names via a stub lookup, never real DNS).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseAllowCidrs } from '../../src/webhooks/outbound-address.js'
import { checkWebhookUrl, createOutbound, type Lookup, type OutboundPolicy } from '../../src/webhooks/outbound.js'

const strict: OutboundPolicy = { insecureDev: false, allowCidrs: parseAllowCidrs([]) }
const dev: OutboundPolicy = { insecureDev: true, allowCidrs: parseAllowCidrs([]) }
const SECRET = 'record-body-9f3c'
// The caller's content-length is wrong on purpose: the sender counts the bytes it sends itself.
const delivery = (url: string, extra: { timeoutMs?: number; maxExcerptBytes?: number } = {}) => ({
  url,
  headers: { 'content-type': 'application/json', 'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', 'content-length': '3' },
  body: JSON.stringify({ type: 'record.published', data: SECRET }),
  ...extra,
})

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void
interface Receiver {
  port: number
  requests: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string; servername?: string }>
  connections: number
}

let certs: { key: string; cert: string }
const servers: Array<http.Server> = []

async function receiver(handler: Handler, tls = false): Promise<Receiver> {
  const r: Receiver = { port: 0, requests: [], connections: 0 }
  const onRequest: Handler = (req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      r.requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body,
        servername: (req.socket as { servername?: string }).servername,
      })
      handler(req, res)
    })
  }
  const server = tls ? https.createServer(certs, onRequest) : http.createServer(onRequest)
  server.on('connection', () => r.connections++)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  r.port = (server.address() as net.AddressInfo).port
  return r
}

const reply =
  (status: number, body = '', headers: Record<string, string> = {}): Handler =>
  (_req, res) =>
    res.writeHead(status, headers).end(body)

/** Stands in for DNS: the names used here exist nowhere, so a delivery that works went where the stub said. */
function stubLookup(answer: Array<{ address: string; family: 4 | 6 }> | (() => Promise<never>)) {
  const calls: string[] = []
  const lookup: Lookup = async (hostname) => {
    calls.push(hostname)
    return typeof answer === 'function' ? answer() : answer
  }
  return { lookup, calls }
}

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-outbound-'))
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')]
  const subject = ['-subj', '/CN=hooks.th.example', '-addext', 'subjectAltName=DNS:hooks.th.example,IP:127.0.0.1']
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', ...subject]
  const made = spawnSync('openssl', [...args, '-keyout', key, '-out', cert], { encoding: 'utf8' })
  expect(made.status, made.stderr).toBe(0)
  certs = { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') }
  fs.rmSync(dir, { recursive: true, force: true })
})

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

describe('outbound delivery over http (insecureDev)', () => {
  const out = createOutbound(dev)

  it('posts the body and headers and reports a 2xx with its excerpt', async () => {
    const r = await receiver(reply(202, 'accepted'))
    const res = await out.post(delivery(`http://127.0.0.1:${r.port}/hooks?agency=TH`))
    expect(res).toMatchObject({ ok: true, status: 202, excerpt: 'accepted' })
    expect(res.latencyMs).toBeGreaterThanOrEqual(0)
    const [got] = r.requests
    expect(got).toMatchObject({ method: 'POST', url: '/hooks?agency=TH', body: JSON.stringify({ type: 'record.published', data: SECRET }) })
    expect(got?.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' })
    expect(got?.headers['content-length']).toBe(String(got?.body.length))
  })

  it.each([
    [undefined, 4096],
    [16, 16],
  ])('keeps at most maxExcerptBytes=%s of the response body (%s)', async (maxExcerptBytes, kept) => {
    const r = await receiver(reply(200, 'a'.repeat(10_000)))
    const res = await out.post(delivery(`http://127.0.0.1:${r.port}/`, { maxExcerptBytes }))
    expect(res).toMatchObject({ ok: true, status: 200 })
    expect(res.excerpt).toBe('a'.repeat(kept))
  })

  it.each([400, 410, 500, 503])('reports status %s as http-status with its excerpt', async (status) => {
    const r = await receiver(reply(status, 'receiver said no'))
    const res = await out.post(delivery(`http://127.0.0.1:${r.port}/`))
    expect(res).toMatchObject({ ok: false, status, error: 'http-status', excerpt: 'receiver said no' })
    expect(JSON.stringify(res)).not.toContain(SECRET)
  })

  it.each([301, 302, 303, 307, 308])('does not follow a %s redirect', async (status) => {
    const target = await receiver(reply(200, 'followed'))
    const r = await receiver(reply(status, '', { location: `http://127.0.0.1:${target.port}/internal` }))
    const res = await out.post(delivery(`http://127.0.0.1:${r.port}/`))
    expect(res).toMatchObject({ ok: false, status, error: 'redirect' })
    expect(r.requests).toHaveLength(1)
    expect(target.connections).toBe(0)
  })

  it('gives up at the deadline on a receiver that never answers', async () => {
    const r = await receiver(() => {})
    const started = Date.now()
    const res = await out.post(delivery(`http://127.0.0.1:${r.port}/`, { timeoutMs: 300 }))
    expect(res).toMatchObject({ ok: false, error: 'timeout' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(r.requests).toHaveLength(1)
  })

  it('counts the response body in the deadline: headers then silence is a timeout', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).write('partial'))
    const res = await out.post(delivery(`http://127.0.0.1:${r.port}/`, { timeoutMs: 300 }))
    expect(res).toMatchObject({ ok: false, status: 200, error: 'timeout', excerpt: 'partial' })
  })

  it('stops reading an endless response body and closes the connection', async () => {
    let closed!: () => void
    const receiverClosed = new Promise<void>((resolve) => (closed = resolve))
    const r = await receiver((_req, res) => {
      const chunk = Buffer.alloc(16 * 1024, 'x')
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      }
      res.on('drain', pump).on('close', closed)
      res.writeHead(200)
      pump()
    })
    const res = await out.post(delivery(`http://127.0.0.1:${r.port}/`, { timeoutMs: 5000 }))
    expect(res).toMatchObject({ ok: false, status: 200, error: 'response-too-large' })
    expect(res.excerpt).toBe('x'.repeat(4096))
    await receiverClosed
  })

  it('reports a refused connection as connect', async () => {
    const r = await receiver(reply(200))
    const port = r.port
    await new Promise((resolve) => servers.pop()?.close(resolve))
    expect(await out.post(delivery(`http://127.0.0.1:${port}/`))).toMatchObject({ ok: false, error: 'connect' })
  })
})

describe('names are checked at connect time, every address they resolve to', () => {
  it('connects to the address the lookup gave, once it passes', async () => {
    const r = await receiver(reply(200, 'ok'))
    const stub = stubLookup([{ address: '127.0.0.1', family: 4 }])
    const res = await createOutbound(dev, stub).post(delivery(`http://hooks.th.example:${r.port}/in`))
    expect(res).toMatchObject({ ok: true, status: 200 })
    expect(stub.calls).toEqual(['hooks.th.example'])
    expect(r.requests[0]?.headers.host).toBe(`hooks.th.example:${r.port}`)
  })

  it('refuses a private answer without allowCidrs', async () => {
    const stub = stubLookup([{ address: '10.0.0.1', family: 4 }])
    const res = await createOutbound(strict, stub).post(delivery('https://hooks.th.example/in'))
    expect(res).toMatchObject({ ok: false, error: 'refused-address' })
    expect(res).toMatchObject({ detail: expect.stringContaining('10.0.0.1') })
    expect(JSON.stringify(res)).not.toContain(SECRET)
  })

  it('refuses a name accepted at create time that now resolves to loopback (DNS rebinding), before connecting', async () => {
    const r = await receiver(reply(200), true)
    const url = `https://hooks.th.example:${r.port}/in`
    expect(checkWebhookUrl(url, strict).hostname).toBe('hooks.th.example')
    const stub = stubLookup([{ address: '127.0.0.1', family: 4 }])
    const res = await createOutbound(strict, { ...stub, ca: certs.cert }).post(delivery(url))
    expect(res).toMatchObject({ ok: false, error: 'refused-address' })
    expect(stub.calls).toEqual(['hooks.th.example'])
    expect(r.connections).toBe(0)
  })

  it.each([
    [['127.0.0.1', '10.0.0.1']],
    [['127.0.0.1', '169.254.169.254']],
    [['127.0.0.1', '::ffff:192.168.0.1']],
    [['169.254.169.254', '127.0.0.1']],
  ])('refuses the whole name when any answer is refused: %j', async (addresses) => {
    const r = await receiver(reply(200))
    const stub = stubLookup(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))
    const res = await createOutbound(dev, stub).post(delivery(`http://hooks.th.example:${r.port}/in`))
    expect(res).toMatchObject({ ok: false, error: 'refused-address' })
    expect(r.connections).toBe(0)
  })

  it.each([
    ['a resolver failure', () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND hooks.th.example'), { code: 'ENOTFOUND' }))],
    ['no answers', () => Promise.resolve([])],
  ])('reports %s as dns', async (_what, answer) => {
    const res = await createOutbound(strict, { lookup: answer }).post(delivery('https://hooks.th.example/in'))
    expect(res).toMatchObject({ ok: false, error: 'dns' })
  })

  it('counts DNS in the deadline', async () => {
    const stub = stubLookup(() => new Promise<never>(() => {}))
    const started = Date.now()
    const res = await createOutbound(strict, stub).post(delivery('https://hooks.th.example/in', { timeoutMs: 200 }))
    expect(res).toMatchObject({ ok: false, error: 'timeout' })
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe('https and IP literals', () => {
  it('delivers over https to a receiver whose certificate the extra CA signs, with SNI', async () => {
    const r = await receiver(reply(200, 'ok'), true)
    const stub = stubLookup([{ address: '127.0.0.1', family: 4 }])
    const res = await createOutbound(dev, { ...stub, ca: certs.cert }).post(delivery(`https://hooks.th.example:${r.port}/in`))
    expect(res).toMatchObject({ ok: true, status: 200, excerpt: 'ok' })
    expect(r.requests[0]?.servername).toBe('hooks.th.example')
  })

  it.each([
    ['an untrusted certificate', 'hooks.th.example', undefined],
    ['a certificate for another name', 'other.th.example', 'ca'],
  ])('refuses %s as tls', async (_what, name, withCa) => {
    const r = await receiver(reply(200), true)
    const stub = stubLookup([{ address: '127.0.0.1', family: 4 }])
    const res = await createOutbound(dev, { ...stub, ...(withCa ? { ca: certs.cert } : {}) }).post(delivery(`https://${name}:${r.port}/in`))
    expect(res).toMatchObject({ ok: false, error: 'tls' })
    expect(r.requests).toHaveLength(0)
  })

  it.each([
    'https://127.0.0.1:PORT/in',
    'https://0x7f000001:PORT/in',
    'https://[::ffff:127.0.0.1]:PORT/in',
    'https://localhost:PORT/in',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/latest/meta-data/',
  ])('refuses %s before connecting, without insecureDev', async (url) => {
    const r = await receiver(reply(200), true)
    const res = await createOutbound(strict, { ca: certs.cert }).post(delivery(url.replace('PORT', String(r.port))))
    expect(res).toMatchObject({ ok: false, error: 'refused-address' })
    expect(r.connections).toBe(0)
  })

  it('refuses http without insecureDev, before connecting', async () => {
    const r = await receiver(reply(200))
    const res = await createOutbound(strict).post(delivery(`http://127.0.0.1:${r.port}/in`))
    expect(res).toMatchObject({ ok: false, error: 'refused-scheme' })
    expect(r.connections).toBe(0)
  })

  it('reports a URL it cannot use without throwing', async () => {
    expect(await createOutbound(strict).post(delivery('https://user:pw@example.org/'))).toMatchObject({ ok: false, error: 'invalid-url' })
  })
})
