// Web selectors: URLs, domains and email addresses. Hosts go through the WHATWG URL parser so
// case, IDN (to punycode) and default ports come out the way every browser would write them.
import { requireString } from './selector.input.js'
import { SelectorError, type Selector, type SelectorKind } from './selector.model.js'

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?'
const TLD = '(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})'
const DOMAIN = new RegExp(`^(?=.{1,253}$)(?:${LABEL}\\.)+${TLD}$`)
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/
const EMAIL_LOCAL = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i

/** True when the text is a bare dotted hostname such as `golden-drop.shop`. */
export function looksLikeDomain(text: string): boolean {
  return DOMAIN.test(text.toLowerCase().replace(/\.$/, ''))
}

export function normaliseUrl(raw: unknown): Selector {
  const url = parseHttpUrl('url', requireString('url', raw, 'URL'))
  // Refused here rather than later when its domain is derived; the trailing root dot is dropped.
  url.hostname = hostOf('url', url)
  // Fragments never reach the server, so they cannot tell two resources apart; credentials do
  // not name the resource either and must not spread into every member's lead index.
  url.hash = ''
  url.username = ''
  url.password = ''
  return { kind: 'url', value: `url:${url.href}` }
}

/** A bare hostname, or the host of an http(s) URL (so a URL's domain can be derived from it). */
export function normaliseDomain(raw: unknown): Selector {
  const text = requireString('domain', raw, 'domain')
  if (SCHEME.test(text)) return { kind: 'domain', value: `domain:${hostOf('domain', parseHttpUrl('domain', text))}` }
  if (/[/?#@:\\\s]/.test(text)) throw new SelectorError('domain', `not a domain name: "${text}"`)
  return { kind: 'domain', value: `domain:${hostOf('domain', parseHttpUrl('domain', `http://${text}`))}` }
}

export function normaliseEmail(raw: unknown): Selector {
  const text = requireString('email', raw, 'email address').replace(/^mailto:/i, '')
  const at = text.lastIndexOf('@')
  const local = text.slice(0, at).toLowerCase()
  const domainPart = text.slice(at + 1)
  if (at < 1 || local.length > 64 || !EMAIL_LOCAL.test(local)) {
    throw new SelectorError('email', `not a valid email address: "${text}"`)
  }
  if (/[/?#@:\\\s[\]]/.test(domainPart)) throw new SelectorError('email', `bad email domain "${domainPart}"`)
  const domain = hostOf('email', parseHttpUrl('email', `http://${domainPart}`))
  if (!DOMAIN.test(domain)) throw new SelectorError('email', `bad email domain "${domainPart}"`)
  const value = `${local}@${domain}`
  if (value.length > 254) throw new SelectorError('email', 'email address is too long')
  return { kind: 'email', value }
}

function parseHttpUrl(kind: SelectorKind, text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new SelectorError(kind, `not a valid URL: "${text}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SelectorError(kind, `only http and https URLs are accepted, got "${url.protocol}"`)
  }
  return url
}

/** The URL's host without a trailing dot; a dotted domain name or an IP literal. */
function hostOf(kind: SelectorKind, url: URL): string {
  const host = url.hostname.replace(/\.$/, '')
  const ok = DOMAIN.test(host) || IPV4.test(host) || (host.startsWith('[') && host.endsWith(']'))
  if (!ok) throw new SelectorError(kind, `"${url.hostname}" is not a usable domain name or IP address`)
  return host
}
