// The record CLI against the real gateway on loopback: KR issues and publishes a person record, TH
// reads it without the VN-only passport, saves the trust file, and verifies offline; VN cannot.
import { createPrivateKey } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { decodeJwt, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindPresentation } from '@icacn/sdk/sd-jwt'
import { splitSdJwt } from '@icacn/sdk/sd-jwt'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, type Gateway, gatewayEnv, runCli, startGateway, stopGateway } from '../support/process.js'

let db: FreshDatabase
let env: NodeJS.ProcessEnv
let gateway: Gateway
let tmp: string

const file = (name: string) => path.join(tmp, name)

// An invented person; the passport is AMBER+STRICT for VN only, so TH must never receive it.
const personRecord = {
  type: 'person',
  marking: 'AMBER',
  grading: 'B2',
  body: {
    names: [{ native: '박도겸', latin: 'PARK Do-gyeom', script: 'Hang' }],
    passports: [{ country: 'KOR', number: 'M70431862' }],
  },
  fieldMarkings: { passports: { marking: 'AMBER+STRICT', releasableTo: ['VN'] } },
}

beforeAll(async () => {
  db = await freshDatabase()
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-cli-'))
  env = gatewayEnv(db, await freePort())
  gateway = await startGateway(env)
})

afterAll(async () => {
  if (gateway) await stopGateway(gateway)
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  await db?.cleanup()
})

describe('record CLI: issue, publish, get, trust, verify', () => {
  let recordId: string

  it('issue as KR writes one SD-JWT line; publish as KR answers with the record and a receipt', () => {
    fs.writeFileSync(file('record.json'), JSON.stringify(personRecord))
    const issued = runCli(env, ['issue', '--member', 'KR', '--file', file('record.json'), '--out', file('record.sdjwt')])
    expect(issued.status, issued.stderr).toBe(0)
    expect(fs.readFileSync(file('record.sdjwt'), 'utf8')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+(~[\w-]+)+~\n$/)

    const published = runCli(env, ['publish', '--member', 'KR', '--file', file('record.sdjwt')])
    expect(published.status, published.stderr).toBe(0)
    const out = JSON.parse(published.stdout) as { record: { id: string; originator: string; type: string }; receipt: string }
    expect(out.record).toMatchObject({ originator: 'KR', type: 'person', version: 1 })
    expect(out.record.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(out.receipt).toMatch(/^ey/)
    recordId = out.record.id
  })

  it('publish of a refused SD-JWT prints one problem line and exits 1', () => {
    const refused = runCli(env, ['publish', '--member', 'TH', '--stdin'], fs.readFileSync(file('record.sdjwt'), 'utf8'))
    expect(refused.status).toBe(1)
    const lines = refused.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^icacn: 4\d\d urn:icacn:problem:[a-z-]+: \S/)
  })

  it('get as TH answers without the VN-only passport', () => {
    const got = runCli(env, ['get', '--member', 'TH', '--originator', 'KR', '--id', recordId, '--purpose', 'investigation'])
    expect(got.status, got.stderr).toBe(0)
    expect(got.stdout).not.toContain('M70431862')
    const out = JSON.parse(got.stdout) as { sdJwt: string; record: unknown }
    expect(out.sdJwt).toMatch(/~[\w-]+\.[\w-]+\.[\w-]+$/)
    fs.writeFileSync(file('presentation.json'), got.stdout)
  })

  it('trust as TH writes the trust file; verify --aud TH then succeeds offline from it', () => {
    const trust = runCli(env, ['trust', '--member', 'TH', '--out', file('trust.json')])
    expect(trust.status, trust.stderr).toBe(0)
    const t = JSON.parse(fs.readFileSync(file('trust.json'), 'utf8')) as {
      members: Record<string, { keys: unknown[] }>
      gateway: { keys: unknown[] }
    }
    expect(Object.keys(t.members).sort()).toEqual(['KH', 'KR', 'LA', 'PH', 'TH', 'VN'])
    expect(t.gateway.keys.length).toBeGreaterThanOrEqual(2)

    // No gateway is reachable at this URL: --trust must make verification fully offline.
    const offline = { ...env, PORT: '1' }
    const verified = runCli(offline, ['verify', '--aud', 'TH', '--trust', file('trust.json'), '--file', file('presentation.json')])
    expect(verified.status, verified.stderr).toBe(0)
    const out = JSON.parse(verified.stdout) as {
      verified: boolean
      originator: string
      disclosedPaths: string[]
      body: Record<string, unknown>
    }
    expect(out).toMatchObject({ verified: true, originator: 'KR' })
    expect(out.body.names).toEqual(personRecord.body.names)
    expect(out.body).not.toHaveProperty('passports')
    expect(out.disclosedPaths.some((p) => p.includes('passports'))).toBe(false)
    expect(verified.stdout).not.toContain('M70431862')
  })

  it('verify --aud VN with the presentation released to TH fails in one line naming the audience', () => {
    const refused = runCli(
      env,
      ['verify', '--aud', 'VN', '--trust', file('trust.json'), '--stdin'],
      fs.readFileSync(file('presentation.json'), 'utf8'),
    )
    expect(refused.status).not.toBe(0)
    expect(refused.stdout).toBe('')
    const lines = refused.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^icacn: .*audience VN/)
    expect(lines[0]).toContain('wrong-audience')
  })

  it('verify offline a presentation released 30 days ago: passes without --max-age; --max-age or a wrong --nonce refuse it', () => {
    // Re-sign TH's presentation with the gateway's own key-binding key as if released a month ago,
    // with the nonce TH would have sent on that read; the record and receipt time stay as received.
    const { sdJwt } = JSON.parse(fs.readFileSync(file('presentation.json'), 'utf8')) as { sdJwt: string }
    const { issuerJwt, disclosures, kbJwt } = splitSdJwt(sdJwt)
    const [gwKey] = (JSON.parse(fs.readFileSync(path.join(db.dataDir, 'dev-keys', 'gateway-receipt.jwks.json'), 'utf8')) as { keys: JWK[] })
      .keys
    const iat = Math.floor(Date.now() / 1000) - 30 * 86_400
    const aged = bindPresentation({
      issuerJwt,
      disclosures,
      aud: 'TH',
      nonce: 'th-case-2026-0117',
      iat,
      signer: { key: createPrivateKey({ key: gwKey as never, format: 'jwk' }), kid: gwKey!.kid!, alg: 'ES256' },
      extra: { icacn_received_at: decodeJwt(kbJwt!).icacn_received_at },
    })
    fs.writeFileSync(file('presentation-30-days.sdjwt'), aged)
    const verify = (...extra: string[]) =>
      runCli({ ...env, PORT: '1' }, [
        'verify',
        '--aud',
        'TH',
        '--trust',
        file('trust.json'),
        '--file',
        file('presentation-30-days.sdjwt'),
        ...extra,
      ])

    const offline = verify()
    expect(offline.status, offline.stderr).toBe(0)
    expect(JSON.parse(offline.stdout)).toMatchObject({
      verified: true,
      originator: 'KR',
      keyBinding: { aud: 'TH', iat, nonce: 'th-case-2026-0117' },
    })
    expect(verify('--nonce', 'th-case-2026-0117').status).toBe(0)

    const stale = verify('--max-age', '600')
    expect(stale.status).toBe(1)
    expect(stale.stderr).toContain('urn:icacn:problem:token-expired')
    const replayed = verify('--nonce', 'th-case-2026-0118')
    expect(replayed.status).toBe(1)
    expect(replayed.stderr).toContain('urn:icacn:problem:invalid-claims')
  })
})

describe('record CLI: refusals printed with the pointer of each field at fault', () => {
  /** Issues `record` as `member` (issue does not judge selectors or markings), then publishes it. */
  function issueAndPublish(name: string, member: string, record: unknown) {
    fs.writeFileSync(file(`${name}.json`), JSON.stringify(record))
    const issued = runCli(env, ['issue', '--member', member, '--file', file(`${name}.json`), '--out', file(`${name}.sdjwt`)])
    expect(issued.status, issued.stderr).toBe(0)
    return runCli(env, ['publish', '--member', member, '--file', file(`${name}.sdjwt`)])
  }

  it('a phone number outside its number plan and a wallet with a bad checksum: the problem line, then one "  <pointer>: <detail>" line each', () => {
    const refused = issueAndPublish('bad-selectors', 'TH', {
      type: 'person',
      marking: 'AMBER',
      grading: 'C3',
      body: {
        names: [{ native: 'วีระ ศรีสุข', latin: 'Weera Srisuk', script: 'Thai' }],
        // +66 5x is no Thai range (mobiles are 6, 8 and 9); the second is a valid mobile.
        phones: [{ number: '+66512345678', raw: '051 234 5678' }, { number: '+66942718350' }],
        // A fresh TRON address with its last character changed, so its base58check checksum fails.
        wallets: [{ chain: 'tron', address: 'TZDZ1suDJnpnjuKiYZy3nG4FYKb1KqXLcJ', asset: 'USDT' }],
      },
    })
    expect(refused.status).toBe(1)
    expect(refused.stdout).toBe('')
    const lines = refused.stderr.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^icacn: 400 urn:icacn:problem:invalid-selector: \S/)
    expect(lines.slice(1).sort()).toEqual([
      '  /body/phones/0: not a valid phone number for TH: "+66512345678"',
      '  /body/wallets/0: bad TRON address checksum',
    ])
  })

  it('a field marked laxer than its record: the sd-jwt-profile line, then the pointer to the field marking', () => {
    const refused = issueAndPublish('lax-field', 'TH', {
      type: 'person',
      marking: 'AMBER',
      grading: 'B2',
      body: { names: [{ native: 'วีระ ศรีสุข', latin: 'Weera Srisuk', script: 'Thai' }], aliases: ['เสี่ยวี'] },
      fieldMarkings: { aliases: { marking: 'GREEN' } },
    })
    expect(refused.status).toBe(1)
    expect(refused.stdout).toBe('')
    const lines = refused.stderr.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^icacn: 400 urn:icacn:problem:sd-jwt-profile: \S/)
    expect(lines.slice(1)).toHaveLength(1)
    expect(lines[1]).toMatch(/^ {2}\/body\/aliases\/marking: GREEN .*AMBER/)
  })

  it('a misspelt key in the record file is refused by issue before anything is signed', () => {
    fs.writeFileSync(
      file('misspelt.json'),
      JSON.stringify({ ...personRecord, fieldMarking: personRecord.fieldMarkings, fieldMarkings: undefined }),
    )
    const refused = runCli(env, ['issue', '--member', 'KR', '--file', file('misspelt.json'), '--out', file('misspelt.sdjwt')])
    expect(refused.status).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toMatch(/^icacn: the record file has "fieldMarking", which a record does not/)
    expect(fs.existsSync(file('misspelt.sdjwt'))).toBe(false)
  })

  it('a record of no known type is refused by issue in one line, not a stack trace', () => {
    fs.writeFileSync(file('no-type.json'), JSON.stringify({ ...personRecord, type: 'vessel' }))
    const refused = runCli(env, ['issue', '--member', 'KR', '--file', file('no-type.json')])
    expect(refused.status).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr.trim().split('\n')).toEqual(['icacn: cannot sign the record: unknown record type vessel'])
  })

  it('a record file that is not JSON is refused in one line naming the file, never quoting it', () => {
    const broken = JSON.stringify(personRecord).replace('"body":{', '"body":{"role":courier,')
    fs.writeFileSync(file('broken.json'), broken)
    const refused = runCli(env, ['issue', '--member', 'KR', '--file', file('broken.json')])
    expect(refused.status).toBe(1)
    // One line naming the file (with the position where Node gives one); the text is never quoted back.
    const lines = refused.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]!.startsWith(`icacn: ${file('broken.json')} is not valid JSON`)).toBe(true)
    expect(lines[0]!.slice(`icacn: ${file('broken.json')} is not valid JSON`.length)).toMatch(/^( \(at character \d+\))?$/)
    expect(refused.stderr).not.toContain('courier')
    // And a key file holding JSON that is not a key is one line, not a stack trace.
    fs.writeFileSync(file('null.jwk.json'), 'null')
    const notKey = runCli(env, ['keys', 'register', '--member', 'KR', '--jwk', file('null.jwk.json')])
    expect([notKey.status, notKey.stderr.trim()]).toEqual([1, `icacn: ${file('null.jwk.json')} does not hold a JWK object`])
  })
})
