// The example records under examples/records/ are what a person tries first: each of the nine types
// is issued and published with the CLI against a real gateway process, as the member it names, and
// one is read back by two other members, so its field markings are seen in force.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDatabase, type FreshDatabase } from '../support/database.js'
import { freePort, type Gateway, gatewayEnv, ROOT, runCli, startGateway, stopGateway } from '../support/process.js'

const EXAMPLES = path.join(ROOT, 'examples/records')
const TYPES = fs
  .readdirSync(path.join(ROOT, 'schema/records'))
  .filter((f) => f !== 'common.json')
  .map((f) => f.replace(/\.json$/, ''))
  .sort()

interface Example {
  originator: string
  type: string
  body: Record<string, unknown>
  fieldMarkings?: Record<string, { marking?: string; releasableTo?: string[] }>
}
const example = (type: string): Example => JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${type}.json`), 'utf8')) as Example

let db: FreshDatabase
let env: NodeJS.ProcessEnv
let gateway: Gateway
let tmp: string
const published = new Map<string, string>()

beforeAll(async () => {
  db = await freshDatabase()
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icacn-examples-'))
  env = gatewayEnv(db, await freePort())
  gateway = await startGateway(env)
})

afterAll(async () => {
  if (gateway) await stopGateway(gateway)
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  await db?.cleanup()
})

describe('examples/records', () => {
  it('holds one example for each of the nine record types, and nothing else', () => {
    expect(TYPES).toHaveLength(9)
    expect(fs.readdirSync(EXAMPLES).sort()).toEqual(TYPES.map((t) => `${t}.json`))
    for (const type of TYPES) expect(example(type).type).toBe(type)
  })

  it.each(TYPES)(
    '%s: icacn issue then icacn publish as its originator stores a new record (201) with a receipt for those bytes',
    (type) => {
      const { originator } = example(type)
      const out = path.join(tmp, `${type}.sdjwt`)
      const issued = runCli(env, ['issue', '--member', originator, '--file', path.join(EXAMPLES, `${type}.json`), '--out', out])
      expect(issued.status, issued.stderr).toBe(0)
      const sdJwt = fs.readFileSync(out, 'utf8').trim()
      const id = decodeJwt(sdJwt.split('~')[0]!).id as string

      const pub = runCli(env, ['publish', '--member', originator, '--file', out])
      expect(pub.status, pub.stderr).toBe(0)
      expect(pub.stderr).toBe('')
      const result = JSON.parse(pub.stdout) as {
        record: { id: string; originator: string; type: string; version: number }
        receipt: string
      }
      expect(result.record).toMatchObject({ id, originator, type, version: 1 })
      // A receipt over exactly the bytes issued: the gateway stored this record now (a replay of
      // stored bytes would answer 200 with the first receipt, and there is none before this one).
      const receipt = decodeJwt(result.receipt) as { record: { id: string; sd_jwt_sha256: string } }
      expect(receipt.record.id).toBe(id)
      expect(receipt.record.sd_jwt_sha256).toBe(createHash('sha256').update(sdJwt).digest('base64url'))
      published.set(type, id)
    },
  )

  it('person: TH reads the KR example with its TH-releasable passport and wallet; LA reads it without them', () => {
    const person = example('person')
    expect(person.fieldMarkings?.passports?.releasableTo).toContain('TH')
    expect(person.fieldMarkings?.wallets).toMatchObject({ marking: 'RED', releasableTo: ['TH'] })
    const id = published.get('person')!
    const read = (member: string) =>
      runCli(env, ['get', '--member', member, '--originator', 'KR', '--id', id, '--purpose', 'investigation'])

    const th = read('TH')
    expect(th.status, th.stderr).toBe(0)
    const thView = JSON.parse(th.stdout) as { record: { body: Record<string, unknown> } }
    expect(thView.record.body.names).toEqual(person.body.names)
    expect(thView.record.body).toHaveProperty('passports')
    expect(thView.record.body).toHaveProperty('wallets')

    const la = read('LA')
    expect(la.status, la.stderr).toBe(0)
    const laView = JSON.parse(la.stdout) as { record: { body: Record<string, unknown> } }
    expect(laView.record.body.names).toEqual(person.body.names)
    expect(laView.record.body).not.toHaveProperty('passports')
    expect(laView.record.body).not.toHaveProperty('wallets')
    expect(la.stdout).not.toContain('M62917048')
  })
})
