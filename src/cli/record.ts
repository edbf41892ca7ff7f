// `icacn issue | publish | get`: sign a record with a member's development key, publish it to the
// running gateway, read it back as another member sees it. Output on stdout is machine-usable.
import fs from 'node:fs'
import type { JWK } from 'jose'
import type { Config } from '../config.js'
import { activeKeyBindingKey } from '../auth/gateway-keys.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'
import { parseCommand, required, UsageError } from './args.js'
import { accessToken, CliError, devMemberKey, gatewayBase, gatewayJson, problemError } from './gateway-client.js'
import { type CommandSpec, URL_OPTION, usageLine } from './help.js'
import { parseJson } from './json-input.js'

const MEMBER_MEANING = 'KR, TH, LA, VN, KH or PH'

export const ISSUE: CommandSpec = {
  name: 'issue',
  summary: "sign a record file as an SD-JWT with a member's development key",
  usage: ['icacn issue --member CODE --file FILE [--out FILE] [--url URL]'],
  options: {
    member: { type: 'string', value: 'CODE', meaning: `the originator that signs it: ${MEMBER_MEANING} (required)` },
    file: {
      type: 'string',
      value: 'FILE',
      meaning: 'the record as JSON: type, marking, grading, body, optional fieldMarkings… (see examples/records/)',
    },
    out: { type: 'string', value: 'FILE', meaning: 'write the SD-JWT to FILE instead of stdout' },
    url: { ...URL_OPTION, meaning: 'the gateway whose key-binding key the record names in cnf.jwk (default: http://HOST:PORT)' },
  },
  examples: ['npm run -s icacn -- issue --member KR --file examples/records/person.json --out person.sdjwt'],
  notes: ['It fills in what the file leaves out: id (UUIDv7), version 1, createdAt (now), releasableTo ["ALL"], originator = --member.'],
}

export const PUBLISH: CommandSpec = {
  name: 'publish',
  summary: 'publish a signed record to the gateway; prints the stored record and its signed receipt',
  usage: ['icacn publish --member CODE (--file FILE | --stdin) [--url URL]'],
  options: {
    member: {
      type: 'string',
      value: 'CODE',
      meaning: `the member publishing, who must be the record's signer: ${MEMBER_MEANING} (required)`,
    },
    file: { type: 'string', value: 'FILE', meaning: 'the SD-JWT to publish (what issue wrote)' },
    stdin: { type: 'boolean', meaning: 'read the SD-JWT from standard input instead of --file' },
    url: URL_OPTION,
  },
  examples: [
    'npm run -s icacn -- publish --member KR --file person.sdjwt',
    'npm run -s icacn -- issue --member KR --file examples/records/person.json | npm run -s icacn -- publish --member KR --stdin',
  ],
}

export const GET: CommandSpec = {
  name: 'get',
  summary: 'read a record as a member may see it (the presentation and its decoded view)',
  usage: ['icacn get --member CODE --originator CODE --id UUID [--purpose PURPOSE] [--nonce NONCE] [--url URL]'],
  options: {
    member: { type: 'string', value: 'CODE', meaning: `the member reading: ${MEMBER_MEANING} (required)` },
    originator: { type: 'string', value: 'CODE', meaning: 'the member that published the record (required; records are (originator, id))' },
    id: { type: 'string', value: 'UUID', meaning: 'the record id (required)' },
    purpose: {
      type: 'string',
      value: 'PURPOSE',
      meaning: 'the declared purpose, when the record or policy asks for one: investigation, analysis or prosecution',
    },
    nonce: {
      type: 'string',
      value: 'NONCE',
      meaning: "your nonce for the gateway's key-binding JWT (16–128 base64url characters), to prove freshness later",
    },
    url: URL_OPTION,
  },
  examples: [
    'npm run -s icacn -- get --member TH --originator KR --id 0195f3a2-7c41-7d3e-9b8a-5e2f10c4d6a7 --purpose investigation > th.json',
  ],
}

/** The text of --file, or all of stdin with --stdin (exactly one of them). */
export async function readInput(v: Record<string, unknown>, usage: string): Promise<string> {
  if (typeof v.file === 'string' && v.stdin) throw new UsageError(`--file and --stdin exclude each other; ${usage}`)
  if (typeof v.file === 'string') {
    try {
      return fs.readFileSync(v.file, 'utf8')
    } catch (e) {
      throw new CliError(`cannot read ${v.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
  }
  if (!v.stdin) throw new UsageError(usage)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** An SD-JWT from a bare compact string or from JSON carrying `sdJwt` (what `get` prints). */
export function sdJwtFrom(text: string): string {
  const t = text.trim()
  if (t.startsWith('{') || t.startsWith('"')) {
    const parsed = parseJson(t, 'the input (neither an SD-JWT nor JSON)')
    const s = typeof parsed === 'string' ? parsed : (parsed as { sdJwt?: unknown } | null)?.sdJwt
    if ((parsed as { visibility?: unknown } | null)?.visibility === 'hit')
      throw new CliError('this is a hit (existence only): it carries no signed record to verify; request access to the record first')
    if (typeof s !== 'string') throw new CliError('JSON input carries no "sdJwt" string')
    return s.trim()
  }
  if (!/^[\w-]+\.[\w-]+\.[\w-]+~/.test(t)) throw new CliError('input is not an SD-JWT (compact JWS followed by ~)')
  return t
}

const RECORD_KEYS = [
  'id',
  'originator',
  'type',
  'version',
  'supersedes',
  'createdAt',
  'retainUntil',
  'marking',
  'releasableTo',
  'handling',
  'grading',
  'purposeLimits',
  'body',
  'fieldMarkings',
] as const satisfies readonly (keyof RecordInput)[]

/** Fills what the CLI can (id, originator, defaults), refuses what only the analyst can say. */
export function completeRecord(input: unknown, member: string, now: Date): RecordInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new CliError('the record file must hold a JSON object')
  // A misspelt key (say "fieldMarking") would otherwise be dropped silently, and a field signed laxer than meant.
  const unknown = Object.keys(input).filter((k) => !(RECORD_KEYS as readonly string[]).includes(k))
  if (unknown.length)
    throw new CliError(
      `the record file has ${unknown.map((k) => `"${k}"`).join(', ')}, which a record does not (it takes ${RECORD_KEYS.join(', ')})`,
    )
  const r = input as Partial<RecordInput>
  for (const name of ['type', 'marking', 'grading', 'body'] as const)
    if (r[name] === undefined) throw new CliError(`the record has no "${name}"`)
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) throw new CliError('"body" must be a JSON object')
  // The gateway would refuse it anyway (iss must be the caller); saying so here is clearer.
  if (r.originator !== undefined && r.originator !== member)
    throw new CliError(`the record names originator ${r.originator} but --member is ${member}`)
  return {
    id: r.id ?? uuidv7(now),
    originator: member,
    type: r.type!,
    version: r.version ?? 1,
    supersedes: r.supersedes ?? null,
    createdAt: r.createdAt ?? now.toISOString(),
    retainUntil: r.retainUntil ?? null,
    marking: r.marking!,
    releasableTo: r.releasableTo ?? ['ALL'],
    handling: r.handling ?? { originatorControl: false },
    grading: r.grading!,
    purposeLimits: r.purposeLimits ?? [],
    body: r.body,
    ...(r.fieldMarkings ? { fieldMarkings: r.fieldMarkings } : {}),
  }
}

export async function issueCommand(argv: string[], config: Config): Promise<void> {
  const v = parseCommand(argv, ISSUE)
  if (!v.member || !v.file) throw new UsageError(usageLine(ISSUE))
  const member = required(v, 'member').toUpperCase()
  const input = parseJson(await readInput(v, usageLine(ISSUE)), String(v.file ?? 'standard input'))
  const record = completeRecord(input, member, new Date())
  const { kid, key } = await devMemberKey(config, member)
  const base = gatewayBase(config, v.url as string | undefined)
  // The gateway marks its keys with icacn_use; the first key-binding key is the active one.
  const jwks = await gatewayJson<{ keys?: JWK[] }>(base, '/.well-known/jwks.json')
  const holderJwk = jwks.keys ? activeKeyBindingKey({ keys: jwks.keys }) : undefined
  if (!holderJwk) throw new CliError(`${base}/.well-known/jwks.json lists no keys`)
  let sdJwt: string
  try {
    sdJwt = await issueRecord(record, { key, kid, alg: 'ES256' }, { holderJwk })
  } catch (e) {
    // The SDK's faults carry a code and field pointers; anything else is still the record's fault.
    throw problemError(`cannot sign the record: ${(e as Error).message}`, (e as { errors?: unknown }).errors)
  }
  if (typeof v.out === 'string') fs.writeFileSync(v.out, `${sdJwt}\n`)
  else process.stdout.write(`${sdJwt}\n`)
}

export async function publishCommand(argv: string[], config: Config): Promise<void> {
  const v = parseCommand(argv, PUBLISH)
  if (!v.member) throw new UsageError(usageLine(PUBLISH))
  const member = required(v, 'member').toUpperCase()
  const sdJwt = sdJwtFrom(await readInput(v, usageLine(PUBLISH)))
  const base = gatewayBase(config, v.url as string | undefined)
  const token = await accessToken(config, base, member, ['analyst'])
  const result = await gatewayJson<unknown>(base, '/v1/records', { token, body: { sdJwt } })
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}

export async function getCommand(argv: string[], config: Config): Promise<void> {
  const v = parseCommand(argv, GET)
  if (!v.member || !v.originator || !v.id) throw new UsageError(usageLine(GET))
  const member = required(v, 'member').toUpperCase()
  const base = gatewayBase(config, v.url as string | undefined)
  const token = await accessToken(config, base, member, ['analyst'], v.purpose ? { purpose: v.purpose as string } : {})
  // Records are addressed by (originator, id): another member's record under the same id is another record.
  const path = `/v1/records/${encodeURIComponent(required(v, 'originator').toUpperCase())}/${encodeURIComponent(required(v, 'id'))}`
  const result = await gatewayJson<unknown>(base, typeof v.nonce === 'string' ? `${path}?nonce=${encodeURIComponent(v.nonce)}` : path, {
    token,
  })
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}
