// `icacn webhooks listen`: a receiver for a member's webhook endpoint during development. Each POST
// is verified with the SDK's verifyWebhook (signature, timestamp, the record's SD-JWT) and one JSON
// line per delivery goes to stdout; runs until SIGINT or SIGTERM.
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { isSdkError, type Trust, verifyWebhook } from '@icacn/sdk'
import { Webhook } from 'standardwebhooks'
import type { Config } from '../config.js'
import { parseCommand, required, UsageError } from './args.js'
import { CliError } from './gateway-client.js'
import { type CommandSpec, usageLine } from './help.js'
import { loadTrust } from './record-verify.js'

// Above the gateway's largest record (RECORD_MAX_BYTES at most 16 MiB) with its presentation and view.
const MAX_BODY = 48 * 1_048_576

export const WEBHOOKS: CommandSpec = {
  name: 'webhooks',
  summary: "receive the gateway's webhooks and verify each: signature, timestamp, and the record's SD-JWT",
  usage: ['icacn webhooks listen --port N --member CODE (--secret SECRET | --secret-file FILE) --trust FILE [--host HOST]'],
  options: {
    port: { type: 'string', value: 'N', meaning: 'the port to listen on (0: any free port; the listening line names it)' },
    host: { type: 'string', value: 'HOST', meaning: 'the address to listen on (default 127.0.0.1)' },
    member: { type: 'string', value: 'CODE', meaning: 'the receiving member, whom the records must be released to (required)' },
    secret: {
      type: 'string',
      value: 'SECRET',
      multiple: true,
      meaning: "the endpoint's secret (whsec_…), twice during a rotation; other local users can see it in ps",
    },
    'secret-file': { type: 'string', value: 'FILE', meaning: 'a file holding the secret instead, one per line (two during a rotation)' },
    trust: {
      type: 'string',
      value: 'FILE',
      meaning: "the trust file written by trust: the members' and the gateway's public keys (required)",
    },
  },
  examples: ['npm run -s icacn -- webhooks listen --port 8787 --member TH --secret-file th-webhook.secret --trust trust.json'],
  notes: [
    'First it writes "listening on http://HOST:PORT" to stderr. Then one JSON line on stdout per POST:',
    '  verified (answered 204): {"id","event","type","subject","verified":true,"originator","disclosedPaths"}',
    '  refused (answered 400):  {"verified":false,"code","detail"}   code e.g. WEBHOOK_SIGNATURE, TAMPERED_DISCLOSURE',
    'The record itself is never printed. SIGINT or SIGTERM stops it (exit 0).',
  ],
}

function secretsFrom(v: Record<string, unknown>): string[] {
  const given = (v.secret as string[] | undefined) ?? []
  const file = v['secret-file']
  if (given.length > 0 && typeof file === 'string')
    throw new UsageError(`--secret and --secret-file exclude each other; ${usageLine(WEBHOOKS)}`)
  let secrets = given
  if (typeof file === 'string') {
    try {
      secrets = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
  }
  if (secrets.length === 0) throw new UsageError(`a secret is required (--secret or --secret-file); ${usageLine(WEBHOOKS)}`)
  // Checked before listening, so a typo is a start-up error rather than every delivery refused; never echoed.
  for (const s of secrets)
    try {
      new Webhook(s)
    } catch {
      throw new CliError('a webhook secret is not "whsec_" followed by base64')
    }
  return secrets
}

function portFrom(v: Record<string, unknown>): number {
  const port = Number(required(v, 'port'))
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a whole number from 0 to 65535')
  return port
}

/** Reads the body up to MAX_BODY; null when it is larger. */
async function bodyOf(req: http.IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) return null
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

type Outcome = { status: number; line: Record<string, unknown> }

async function receive(req: http.IncomingMessage, secrets: string[], trust: Trust, member: string): Promise<Outcome> {
  const body = await bodyOf(req)
  if (body === null)
    return { status: 413, line: { verified: false, code: 'PAYLOAD_TOO_LARGE', detail: `the body exceeds ${MAX_BODY} bytes` } }
  try {
    const w = await verifyWebhook(req.headers, body, secrets, trust, { member })
    const { originator, disclosedPaths } = w.record ?? {}
    return {
      status: 204,
      line: { id: w.id, event: w.event.id, type: w.type, subject: w.event.subject, verified: true, originator, disclosedPaths },
    }
  } catch (e) {
    if (isSdkError(e)) return { status: 400, line: { verified: false, code: e.code, detail: e.message } }
    return { status: 500, line: { verified: false, code: 'INTERNAL', detail: (e as Error).message } }
  }
}

export async function webhooksCommand(argv: string[], _config: Config): Promise<void> {
  const [sub, ...rest] = argv
  if (sub !== 'listen') throw new UsageError(usageLine(WEBHOOKS))
  const v = parseCommand(rest, WEBHOOKS)
  const port = portFrom(v)
  const member = required(v, 'member').toUpperCase()
  const secrets = secretsFrom(v)
  const trust = loadTrust(required(v, 'trust'))
  const host = typeof v.host === 'string' ? v.host : '127.0.0.1'

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end()
      return
    }
    receive(req, secrets, trust, member).then(
      ({ status, line }) => {
        process.stdout.write(`${JSON.stringify(line)}\n`)
        if (status === 204) res.writeHead(204).end()
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: line.code }))
      },
      // The sender went away mid-body: nothing was delivered, so nothing is printed.
      () => res.destroy(),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new CliError(`cannot listen on ${host}:${port}: ${e.code ?? e.message}`)))
    server.listen(port, host, resolve)
  })
  const { address, port: bound } = server.address() as AddressInfo
  process.stderr.write(`listening on http://${address.includes(':') ? `[${address}]` : address}:${bound} for ${member}'s webhooks\n`)
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop)
      server.close(() => resolve())
      // A sender's keep-alive connection would otherwise hold the close open.
      server.closeAllConnections()
    }
    process.on('SIGINT', stop).on('SIGTERM', stop)
  })
  process.stderr.write('stopped listening\n')
}
