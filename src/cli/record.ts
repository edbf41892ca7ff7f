// `icacn issue | publish | get`: sign a record with a member's development key, publish it to the
// running gateway, read it back as another member sees it. Output on stdout is machine-usable.
import fs from 'node:fs'
import type { JWK } from 'jose'
import type { Config } from '../config.js'
import { activeKeyBindingKey } from '../auth/gateway-keys.js'
import { uuidv7 } from '../records/record-id.js'
import type { RecordInput } from '../records/record.model.js'
import { issueRecord } from '../sdk/records.js'
import { parse, required, UsageError } from './args.js'
import { accessToken, CliError, devMemberKey, gatewayBase, gatewayJson } from './gateway-client.js'

const ISSUE_USAGE = 'usage: icacn issue --member CODE --file record.json [--url URL] [--out FILE]'
const PUBLISH_USAGE = 'usage: icacn publish --member CODE (--file FILE | --stdin) [--url URL]'
const GET_USAGE = 'usage: icacn get --member CODE --originator CODE --id UUID [--purpose PURPOSE] [--nonce NONCE] [--url URL]'

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
    let parsed: unknown
    try {
      parsed = JSON.parse(t)
    } catch {
      throw new CliError('input is neither an SD-JWT nor valid JSON')
    }
    const s = typeof parsed === 'string' ? parsed : (parsed as { sdJwt?: unknown } | null)?.sdJwt
    if ((parsed as { visibility?: unknown } | null)?.visibility === 'hit') throw new CliError('this is a hit (existence only): it carries no signed record to verify; request access to the record first')
    if (typeof s !== 'string') throw new CliError('JSON input carries no "sdJwt" string')
    return s.trim()
  }
  if (!/^[\w-]+\.[\w-]+\.[\w-]+~/.test(t)) throw new CliError('input is not an SD-JWT (compact JWS followed by ~)')
  return t
}

/** Fills what the CLI can (id, originator, defaults), refuses what only the analyst can say. */
export function completeRecord(input: unknown, member: string, now: Date): RecordInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new CliError('the record file must hold a JSON object')
  const r = input as Partial<RecordInput>
  for (const name of ['type', 'marking', 'grading', 'body'] as const) if (r[name] === undefined) throw new CliError(`the record has no "${name}"`)
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) throw new CliError('"body" must be a JSON object')
  // The gateway would refuse it anyway (iss must be the caller); saying so here is clearer.
  if (r.originator !== undefined && r.originator !== member) throw new CliError(`the record names originator ${r.originator} but --member is ${member}`)
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
  const v = parse(argv, { member: { type: 'string' }, file: { type: 'string' }, url: { type: 'string' }, out: { type: 'string' } })
  if (!v.member || !v.file) throw new UsageError(ISSUE_USAGE)
  const member = required(v, 'member').toUpperCase()
  let input: unknown
  try {
    input = JSON.parse(await readInput(v, ISSUE_USAGE))
  } catch (e) {
    throw e instanceof SyntaxError ? new CliError(`${String(v.file)} is not valid JSON: ${e.message}`) : e
  }
  const record = completeRecord(input, member, new Date())
  const { kid, key } = await devMemberKey(config, member)
  const base = gatewayBase(config, v.url as string | undefined)
  // The gateway marks its keys with icacn_use; the first key-binding key is the active one.
  const jwks = await gatewayJson<{ keys?: JWK[] }>(base, '/.well-known/jwks.json')
  const holderJwk = jwks.keys ? activeKeyBindingKey({ keys: jwks.keys }) : undefined
  if (!holderJwk) throw new CliError(`${base}/.well-known/jwks.json lists no keys`)
  const sdJwt = await issueRecord(record, { key, kid, alg: 'ES256' }, { holderJwk })
  if (typeof v.out === 'string') fs.writeFileSync(v.out, `${sdJwt}\n`)
  else process.stdout.write(`${sdJwt}\n`)
}

export async function publishCommand(argv: string[], config: Config): Promise<void> {
  const v = parse(argv, { member: { type: 'string' }, file: { type: 'string' }, stdin: { type: 'boolean' }, url: { type: 'string' } })
  if (!v.member) throw new UsageError(PUBLISH_USAGE)
  const member = required(v, 'member').toUpperCase()
  const sdJwt = sdJwtFrom(await readInput(v, PUBLISH_USAGE))
  const base = gatewayBase(config, v.url as string | undefined)
  const token = await accessToken(config, base, member, ['analyst'])
  const result = await gatewayJson<unknown>(base, '/v1/records', { token, body: { sdJwt } })
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}

export async function getCommand(argv: string[], config: Config): Promise<void> {
  const v = parse(argv, { member: { type: 'string' }, originator: { type: 'string' }, id: { type: 'string' }, purpose: { type: 'string' }, nonce: { type: 'string' }, url: { type: 'string' } })
  if (!v.member || !v.originator || !v.id) throw new UsageError(GET_USAGE)
  const member = required(v, 'member').toUpperCase()
  const base = gatewayBase(config, v.url as string | undefined)
  const token = await accessToken(config, base, member, ['analyst'], v.purpose ? { purpose: v.purpose as string } : {})
  // Records are addressed by (originator, id): another member's record under the same id is another record.
  const path = `/v1/records/${encodeURIComponent(required(v, 'originator').toUpperCase())}/${encodeURIComponent(required(v, 'id'))}`
  const result = await gatewayJson<unknown>(base, typeof v.nonce === 'string' ? `${path}?nonce=${encodeURIComponent(v.nonce)}` : path, { token })
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}
