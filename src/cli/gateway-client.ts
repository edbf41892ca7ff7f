// What every CLI command that talks to a running gateway shares: its base URL, a development access
// token for a member (client assertion signed with the member's dev key), and refusals printed as
// one line plus the pointer of each field at fault.
import type { CryptoKey } from 'jose'
import type { Config } from '../config.js'
import { loadDevMemberKey } from '../members/dev-keys.js'
import { fetchAccessToken, signClientAssertion } from '@icacn/sdk'
import { UsageError } from './args.js'

/** An expected failure (refusal, bad input, failed check): index.ts prints its message after "icacn: ", exit 1. */
export class CliError extends Error {}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim()

/**
 * A refusal as the CLI prints it: one line, then one indented line per field error,
 * `  <RFC 6901 pointer>: <detail>`, so a person sees which field to fix. Anything in `fieldErrors`
 * that is not a { pointer, detail } pair is left out rather than printed raw.
 */
export function problemError(head: string, fieldErrors?: unknown): CliError {
  const lines = (Array.isArray(fieldErrors) ? fieldErrors : [])
    .filter((e): e is { pointer: string; detail: string } => typeof e?.pointer === 'string' && typeof e?.detail === 'string')
    .map((e) => `  ${oneLine(e.pointer) || '/'}: ${oneLine(e.detail)}`)
  return new CliError([oneLine(head), ...lines].join('\n'))
}

/** The gateway's base URL: --url, else this machine's view of HOST:PORT (a wildcard bind means loopback). */
export function gatewayBase(config: Config, url?: string): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return (url ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`).replace(/\/+$/, '')
}

/** A member's development signing key; the CLI never holds production keys. */
export async function devMemberKey(config: Config, member: string): Promise<{ kid: string; key: CryptoKey }> {
  if (config.mode !== 'development')
    throw new UsageError('this command uses development keys; in production a member signs with its own key (see the SDK)')
  try {
    return await loadDevMemberKey(config.dataDir, member)
  } catch (e) {
    throw new CliError((e as Error).message)
  }
}

/** fetch with "no gateway here" as one line rather than a stack trace. */
async function reach(base: string, url: string, init?: RequestInit): Promise<Response> {
  return fetch(url, init).catch(() => {
    throw new UsageError(`no gateway answers at ${base}; start it with npm start or pass --url`)
  })
}

export interface TokenOptions {
  purpose?: string
  actor?: string
}

/** Signs a client assertion with the member's dev key and exchanges it at `base`; returns the access token. */
export async function accessToken(
  config: Config,
  base: string,
  member: string,
  roles: readonly string[],
  opts: TokenOptions = {},
): Promise<string> {
  const { kid, key } = await devMemberKey(config, member)
  const meta = await reach(base, `${base}/.well-known/oauth-authorization-server`)
  if (!meta.ok) throw new UsageError(`${base} did not return authorization server metadata (${meta.status})`)
  const { issuer, token_endpoint } = (await meta.json()) as { issuer: string; token_endpoint: string }
  const assertion = await signClientAssertion({
    member,
    kid,
    key,
    audience: issuer,
    actor: opts.actor ?? `dev-cli@${member.toLowerCase()}`,
    roles,
    ...(opts.purpose ? { purpose: opts.purpose } : {}),
  })
  // The advertised endpoint's path, on this base URL: the issuer identifier may name a public URL this
  // machine does not reach (the SDK's createTokenSource does the same).
  try {
    return (await fetchAccessToken(new URL(new URL(token_endpoint, base).pathname, base).toString(), assertion)).access_token
  } catch (e) {
    throw new CliError((e as Error).message)
  }
}

/**
 * Calls the gateway and returns the parsed JSON body. A non-2xx answer becomes
 * `<status> <problem type>: <detail>` (RFC 9457 fields) and its `errors[]` pointers (problemError).
 */
export async function gatewayJson<T>(
  base: string,
  path: string,
  init: { token?: string; method?: string; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const res = await reach(base, `${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  const text = await res.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = null
  }
  if (!res.ok) {
    const p = (body ?? {}) as { type?: string; detail?: string; title?: string; errors?: unknown }
    throw problemError(`${res.status} ${p.type ?? 'about:blank'}: ${p.detail ?? p.title ?? res.statusText}`, p.errors)
  }
  if (body === null) throw new CliError(`${res.status} from ${path} is not JSON`)
  return body as T
}
