// The outbound HTTP sender for webhook delivery, safe against SSRF: https only, every address checked
// inside the connect-time DNS lookup (the address checked is the address connected to, so DNS
// rebinding has no window), no redirects, a capped response and one deadline for the whole exchange.
import dns from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import type net from 'node:net'
import tls from 'node:tls'
import { errors } from '../errors.js'
import { classifyAddress, hostOf, inspectUrl, type OutboundPolicy } from './outbound-address.js'

export type { AllowedCidrs, OutboundPolicy } from './outbound-address.js'

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>

export interface OutboundRequest {
  url: string
  headers: Record<string, string>
  body: string
  /** Covers DNS, connect, TLS, sending and the whole response. Default 10 000. */
  timeoutMs?: number
  /** How much of the response body is kept for the delivery log. Default 4096. */
  maxExcerptBytes?: number
}

export type OutboundResult =
  | { ok: true; status: number; latencyMs: number; excerpt: string }
  | { ok: false; status?: number; latencyMs: number; error: OutboundError; detail?: string; excerpt?: string }

export type OutboundError =
  | 'invalid-url'
  | 'refused-scheme'
  | 'refused-address'
  | 'invalid-request'
  | 'dns'
  | 'connect'
  | 'tls'
  | 'response'
  | 'timeout'
  | 'redirect'
  | 'http-status'
  | 'response-too-large'

export interface Outbound {
  /** Never throws; `ok` means a 2xx status with the whole response read within the limits. */
  post(req: OutboundRequest): Promise<OutboundResult>
}

/** Past this many response bytes the socket is destroyed: a receiver cannot make us read forever. */
const MAX_RESPONSE_BYTES = 64 * 1024

const systemLookup: Lookup = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))

/** At subscription create time: a 400 naming /url for a URL webhooks may never be delivered to. */
export function checkWebhookUrl(raw: string, policy: OutboundPolicy): URL {
  const c = inspectUrl(raw, policy)
  if ('url' in c) return c.url
  throw errors.validation(`the webhook URL is refused: ${c.detail}`, [{ pointer: '/url', detail: c.detail }])
}

type Phase = 'dns' | 'connect' | 'tls' | 'response'

/** What one delivery attempt has reached, so a socket error can be named by where it happened. */
interface Attempt {
  phase: Phase
  refused?: string
}

/**
 * The lookup net/tls connect calls: every address the name resolves to must pass, or none is
 * used (a name mixing global and private answers is refused outright, not filtered).
 */
function guardLookup(lookup: Lookup, policy: OutboundPolicy, attempt: Attempt): net.LookupFunction {
  return (hostname, options, callback) => {
    attempt.phase = 'dns'
    lookup(hostname).then(
      (answers) => {
        for (const a of answers) {
          const c = classifyAddress(a.address, policy)
          if (!c.allowed) {
            attempt.refused = `${hostname} resolves to ${a.address}, a ${c.reason} address, which webhooks are not delivered to`
            return callback(Object.assign(new Error(attempt.refused), { code: 'EREFUSEDADDRESS' }), '')
          }
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family
        const wanted = answers.filter((a) => !family || a.family === family)
        const first = wanted[0]
        if (!first) return callback(Object.assign(new Error(`no usable address for ${hostname}`), { code: 'ENOTFOUND' }), '')
        attempt.phase = 'connect'
        if (options.all) return callback(null, wanted)
        callback(null, first.address, first.family)
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    )
  }
}

interface SendDeps {
  policy: OutboundPolicy
  lookup: Lookup
  ca: Array<string | Buffer> | undefined
}

function send(deps: SendDeps, req: OutboundRequest): Promise<OutboundResult> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const checked = inspectUrl(req.url, deps.policy)
  if (!('url' in checked)) return Promise.resolve({ ok: false, latencyMs: elapsed(), error: checked.error, detail: checked.detail })
  const { url } = checked
  const https_ = url.protocol === 'https:'
  const maxExcerpt = req.maxExcerptBytes ?? 4096
  const timeoutMs = req.timeoutMs ?? 10_000

  return new Promise((resolve) => {
    const attempt: Attempt = { phase: 'connect' }
    let status: number | undefined
    const kept: Buffer[] = []
    let keptBytes = 0
    let readBytes = 0
    let request: http.ClientRequest | undefined
    let settled = false
    const excerpt = () => Buffer.concat(kept).toString('utf8')
    const done = (result: OutboundResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request?.destroy()
      resolve(result)
    }
    const fail = (error: OutboundError, detail: string) =>
      done({ ok: false, latencyMs: elapsed(), error, detail, ...(status === undefined ? {} : { status, excerpt: excerpt() }) })
    const timer = setTimeout(() => fail('timeout', `no complete response within ${timeoutMs} ms`), timeoutMs)

    // The caller's headers, but the length is ours (for the exact bytes sent).
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.toLowerCase() !== 'content-length'))
    headers['content-length'] = String(Buffer.byteLength(req.body))
    const options: https.RequestOptions = {
      method: 'POST',
      host: hostOf(url),
      port: url.port || undefined,
      path: url.pathname + url.search,
      headers,
      agent: false, // a fresh connection each time: a pooled socket would skip the lookup check
      lookup: guardLookup(deps.lookup, deps.policy, attempt),
      ...(https_ ? { ca: deps.ca, minVersion: 'TLSv1.2' as const } : {}),
    }
    try {
      request = (https_ ? https : http).request(options)
    } catch (e) {
      return fail('invalid-request', (e as Error).message.slice(0, 200))
    }
    request.on('socket', (socket) => {
      socket.once('connect', () => (attempt.phase = https_ ? 'tls' : 'response'))
      socket.once('secureConnect', () => (attempt.phase = 'response'))
    })
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (attempt.refused) return fail('refused-address', attempt.refused)
      fail(attempt.phase, `${err.code ?? 'error'}: ${err.message}`.slice(0, 200))
    })
    request.on('response', (res) => {
      status = res.statusCode ?? 0
      res.on('error', () => fail('response', 'the connection failed before the response ended'))
      res.on('close', () => res.complete || fail('response', 'the connection closed before the response ended'))
      // RFC 9110 §15.4: a 3xx is not followed (its Location could name any address); the attempt fails.
      if (status >= 300 && status < 400) return fail('redirect', `HTTP ${status}: redirects are not followed`)
      res.on('data', (chunk: Buffer) => {
        readBytes += chunk.length
        if (keptBytes < maxExcerpt) {
          const part = chunk.subarray(0, maxExcerpt - keptBytes)
          kept.push(part)
          keptBytes += part.length
        }
        if (readBytes > MAX_RESPONSE_BYTES) fail('response-too-large', `the response body passed ${MAX_RESPONSE_BYTES} bytes`)
      })
      res.on('end', () => {
        const code = status ?? 0
        if (code >= 200 && code < 300) done({ ok: true, status: code, latencyMs: elapsed(), excerpt: excerpt() })
        else fail('http-status', `HTTP ${code}`)
      })
    })
    request.end(req.body)
  })
}

/** `ca` is trusted in addition to Node's bundled roots (Node's own `ca` option would replace them). */
export function createOutbound(policy: OutboundPolicy, opts: { lookup?: Lookup; ca?: string | Buffer } = {}): Outbound {
  const deps: SendDeps = { policy, lookup: opts.lookup ?? systemLookup, ca: opts.ca ? [...tls.rootCertificates, opts.ca] : undefined }
  return {
    post: (req) =>
      send(deps, req).catch((e: unknown) => ({ ok: false, latencyMs: 0, error: 'invalid-request', detail: String(e).slice(0, 200) })),
  }
}
