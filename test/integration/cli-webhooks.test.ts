// `icacn webhooks listen` as a child process on loopback: a signed delivery of TH's real presentation
// is answered 204 with one JSON line naming it (never the record), a bad signature 400 with its code,
// and SIGTERM stops it with exit 0. Usage mistakes are refused before it listens.
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type TestGateway } from '../support/app.js'
import { exited, ROOT, runCli, TSX } from '../support/process.js'
import { pingBody, recordSharedBody, type SharedRecord, sharedRecord, signedHeaders, trustOf, webhookSecret } from '../support/webhook.js'

let gw: TestGateway
let shared: SharedRecord
let tmp: string
let env: NodeJS.ProcessEnv
const [oldSecret, newSecret] = [webhookSecret(), webhookSecret()]

beforeAll(async () => {
  gw = await startGateway()
  shared = await sharedRecord(gw, 'TH')
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-webhooks-'))
  fs.writeFileSync(path.join(tmp, 'trust.json'), JSON.stringify(await trustOf(gw)))
  // Mid-rotation: the receiver holds both secrets, one per line.
  fs.writeFileSync(path.join(tmp, 'th.secret'), `${oldSecret}\n${newSecret}\n`, { mode: 0o600 })
  const { DATABASE_URL: _omit, ...rest } = process.env
  env = { ...rest, ICACN_MODE: 'development', DATA_DIR: tmp, HOST: '127.0.0.1', PORT: '1' }
}, 120_000)
afterAll(async () => {
  await gw?.close()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

interface Listener {
  proc: ChildProcess
  base: string
  /** The next JSON line on stdout. */
  nextLine(): Promise<Record<string, unknown>>
  stdout(): string
}

/** Starts the listener and waits for the line saying where it listens. */
async function listen(args: string[]): Promise<Listener> {
  const proc = spawn(TSX, ['src/cli/index.ts', 'webhooks', 'listen', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  let taken = 0
  const waiters: Array<() => void> = []
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    for (const w of waiters.splice(0)) w()
  })
  const base = await new Promise<string>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+) for TH's webhooks$/m.exec(err)
      if (m) resolve(m[1]!)
    })
    proc.once('exit', (code) => reject(new Error(`listener exited with ${code}: ${err}`)))
  })
  const nextLine = async (): Promise<Record<string, unknown>> => {
    while (out.split('\n').length - 1 <= taken) await new Promise<void>((r) => waiters.push(r))
    return JSON.parse(out.split('\n')[taken++]!) as Record<string, unknown>
  }
  return { proc, base, nextLine, stdout: () => out }
}

const post = (base: string, body: string, headers: Record<string, string>) =>
  fetch(`${base}/hooks/icacn`, { method: 'POST', body, headers })

describe('icacn webhooks listen', () => {
  it('verifies each delivery (204 and a line naming it), refuses a bad signature (400), and stops on SIGTERM with exit 0', async () => {
    const l = await listen([
      '--port',
      '0',
      '--member',
      'th',
      '--secret-file',
      path.join(tmp, 'th.secret'),
      '--trust',
      path.join(tmp, 'trust.json'),
    ])
    try {
      const body = recordSharedBody(shared)
      const ok = await post(l.base, body, signedHeaders([newSecret], body, { id: 'msg_5b0e2d7c-8a41-4f3e-b6c9-1d2e3f4a5b6c' }))
      expect(ok.status).toBe(204)
      const line = await l.nextLine()
      expect(line).toEqual({
        id: 'msg_5b0e2d7c-8a41-4f3e-b6c9-1d2e3f4a5b6c',
        event: expect.any(String),
        type: 'record.shared',
        subject: shared.subject,
        verified: true,
        originator: 'KR',
        disclosedPaths: expect.arrayContaining(['/body/names', '/body/phones']),
      })

      const forged = await post(l.base, body, signedHeaders([webhookSecret()], body))
      expect(forged.status).toBe(400)
      expect(await forged.json()).toEqual({ code: 'WEBHOOK_SIGNATURE' })
      expect(await l.nextLine()).toMatchObject({ verified: false, code: 'WEBHOOK_SIGNATURE' })

      const ping = pingBody()
      expect((await post(l.base, ping, signedHeaders([oldSecret], ping))).status).toBe(204)
      expect(await l.nextLine()).toMatchObject({ type: 'webhook.ping', verified: true })
      expect((await fetch(l.base)).status).toBe(405)

      // The record's content never reaches the output, only where it came from and which paths.
      expect(l.stdout()).not.toContain('PARK')
      expect(l.stdout()).not.toContain(shared.read.sdJwt.split('~')[0]!)
    } finally {
      const code = exited(l.proc)
      l.proc.kill('SIGTERM')
      expect(await code).toBe(0)
    }
  }, 60_000)

  it.each([
    ['no secret', ['--port', '0', '--member', 'TH', '--trust', 'trust.json'], 64, /a secret is required/],
    [
      'both --secret and --secret-file',
      ['--port', '0', '--member', 'TH', '--secret', 'a', '--secret-file', 'f', '--trust', 't'],
      64,
      /exclude each other/,
    ],
    ['a bad port', ['--port', '70000', '--member', 'TH', '--secret', 'a', '--trust', 't'], 64, /--port must be/],
    [
      'a secret that is not whsec_ + base64',
      ['--port', '0', '--member', 'TH', '--secret', 'whsec_no*pe', '--trust', 't'],
      1,
      /not "whsec_" followed by base64$/,
    ],
  ] as const)(
    '%s: refused before listening, one line on stderr',
    async (_what, args, status, message) => {
      const r = runCli(env, ['webhooks', 'listen', ...args])
      expect(r.status).toBe(status)
      expect(r.stdout).toBe('')
      const lines = r.stderr.split('\n').filter((x) => x !== '')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(message)
      expect(lines[0]).not.toContain('no*pe')
    },
    60_000,
  )
})
