// `npm run -s token -- --member TH --role analyst [--purpose investigation] [--actor name] [--url http://…]`
// Development mode: signs an assertion with the member's dev key and exchanges it over HTTP at the
// running gateway; prints only the access token. It never opens the database (PGlite allows one process).
import type { Config } from '../config.js'
import { loadDevMemberKey } from '../members/dev-keys.js'
import { fetchAccessToken, signClientAssertion } from '../sdk/client-assertion.js'
import { parse, required, UsageError } from './args.js'

export async function tokenCommand(argv: string[], config: Config): Promise<void> {
  const v = parse(argv, {
    member: { type: 'string' },
    role: { type: 'string', multiple: true },
    purpose: { type: 'string' },
    actor: { type: 'string' },
    url: { type: 'string' },
  })
  const member = required(v, 'member').toUpperCase()
  const roles = (v.role as string[] | undefined) ?? ['analyst']
  if (config.mode !== 'development') throw new UsageError('the token command uses development keys; in production a member signs assertions with its own key (see the SDK)')
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  const base = ((v.url as string | undefined) ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`).replace(/\/+$/, '')
  const meta = await fetch(`${base}/.well-known/oauth-authorization-server`).catch(() => {
    throw new UsageError(`no gateway answers at ${base}; start it with npm start or pass --url`)
  })
  if (!meta.ok) throw new UsageError(`${base} did not return authorization server metadata (${meta.status})`)
  const { issuer } = (await meta.json()) as { issuer: string }
  const { kid, key } = await loadDevMemberKey(config.dataDir, member)
  const assertion = await signClientAssertion({
    member,
    kid,
    key,
    audience: issuer,
    actor: (v.actor as string | undefined) ?? `dev-cli@${member.toLowerCase()}`,
    roles,
    ...(v.purpose ? { purpose: v.purpose as string } : {}),
  })
  // Post to this base URL: the issuer identifier may name a public URL this machine does not reach.
  const { access_token } = await fetchAccessToken(`${base}/v1/auth/token`, assertion)
  process.stdout.write(`${access_token}\n`)
}
