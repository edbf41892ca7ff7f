// Where a webhook may be delivered (SSRF defence, OWASP SSRF Prevention Cheat Sheet): pure checks of
// one IP address, of the operator's WEBHOOK_ALLOW_CIDRS list, and of a webhook URL before any lookup.
import net from 'node:net'
import ipaddr from 'ipaddr.js'

type Ip = ipaddr.IPv4 | ipaddr.IPv6
type Cidr = readonly [Ip, number]

/** Private ranges the operator opened to webhooks (WEBHOOK_ALLOW_CIDRS), as parseAllowCidrs returns them. */
export type AllowedCidrs = readonly Cidr[]

export interface OutboundPolicy {
  /** Development only: also allows http and loopback receivers (never link-local or metadata). */
  insecureDev: boolean
  allowCidrs: AllowedCidrs
}

export type Classification = { allowed: true } | { allowed: false; reason: string }

const cidr = (text: string): Cidr => ipaddr.parseCIDR(text)

/**
 * Refused whatever WEBHOOK_ALLOW_CIDRS says, in priority order (the first match names the reason).
 * 0.0.0.0 and :: reach the local host on Linux, so they count with loopback. Metadata services:
 * AWS/GCP/Azure/Oracle 169.254.169.254, AWS IPv6 fd00:ec2::254, Alibaba 100.100.100.200 (inside
 * CGNAT space, which an operator may open), Azure WireServer 168.63.129.16 (a global address).
 * The IPv6 blocks that embed an IPv4 address (IPv4-compatible ::/96, SIIT, NAT64, 6to4, Teredo)
 * could smuggle a private or loopback IPv4 address past this check, so none is ever allowed.
 * IPv4-mapped addresses are classified as the IPv4 address they carry and never reach this table;
 * the entry stops an allow-list entry from naming IPv4 space in IPv6 form.
 */
const NEVER: ReadonlyArray<{ name: string; range: Cidr }> = [
  ...['169.254.169.254/32', '100.100.100.200/32', '168.63.129.16/32', 'fd00:ec2::254/128'].map((c) => ({
    name: 'metadata',
    range: cidr(c),
  })),
  { name: 'unspecified', range: cidr('0.0.0.0/8') },
  { name: 'unspecified', range: cidr('::/128') },
  { name: 'loopback', range: cidr('127.0.0.0/8') },
  { name: 'loopback', range: cidr('::1/128') },
  { name: 'linkLocal', range: cidr('169.254.0.0/16') },
  { name: 'linkLocal', range: cidr('fe80::/10') },
  { name: 'multicast', range: cidr('224.0.0.0/4') },
  { name: 'multicast', range: cidr('ff00::/8') },
  { name: 'broadcast', range: cidr('255.255.255.255/32') },
  { name: 'ipv4Compatible', range: cidr('::/96') },
  { name: 'ipv4Mapped', range: cidr('::ffff:0:0/96') },
  { name: 'rfc6145', range: cidr('::ffff:0:0:0/96') },
  { name: 'rfc6052', range: cidr('64:ff9b::/96') },
  { name: 'rfc6052', range: cidr('64:ff9b:1::/48') },
  { name: '6to4', range: cidr('2002::/16') },
  { name: 'teredo', range: cidr('2001::/32') },
]

const within = (ip: Ip, [base, bits]: Cidr): boolean => ip.kind() === base.kind() && ip.match(base, bits)

/** Two prefix-aligned blocks overlap exactly when one holds the other's first address. */
const overlaps = (a: Cidr, b: Cidr): boolean => within(a[0], b) || within(b[0], a)

/**
 * Only the textual forms the resolver and the URL parser produce; `0x7f000001` is not an address
 * here. A trailing dotted quad becomes hex first: ipaddr.js reads `::1.2.3.4` as ::ffff:1.2.3.4,
 * while RFC 4291 §2.2 (and inet_ntop, which prints IPv4-compatible addresses so) mean ::102:304.
 */
function parseIp(text: string): Ip | undefined {
  if (net.isIP(text) === 0) return undefined
  if (net.isIPv4(text)) return ipaddr.IPv4.parse(text)
  const hex = text
    .split('%')[0]!
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`)
  const ip = ipaddr.IPv6.parse(hex)
  return ip.isIPv4MappedAddress() ? ip.toIPv4Address() : ip
}

/**
 * Whether a webhook may connect to `ip`. Allowed: global unicast (ipaddr.js range() 'unicast'),
 * a range the operator opened, and loopback under insecureDev. Never: loopback otherwise,
 * link-local, metadata, unspecified, multicast, broadcast, IPv6 blocks embedding IPv4.
 * Everything else ipaddr.js names (private, CGNAT, unique-local, reserved, documentation, …) is
 * refused unless an allow-list entry covers it.
 */
export function classifyAddress(ip: string, policy: OutboundPolicy): Classification {
  const addr = parseIp(ip)
  if (!addr) return { allowed: false, reason: 'invalid' }
  const never = NEVER.find((n) => within(addr, n.range))
  if (never) return never.name === 'loopback' && policy.insecureDev ? { allowed: true } : { allowed: false, reason: never.name }
  const range = addr.range()
  if (range === 'unicast' || policy.allowCidrs.some((c) => within(addr, c))) return { allowed: true }
  return { allowed: false, reason: range }
}

/**
 * WEBHOOK_ALLOW_CIDRS, e.g. `10.20.0.0/16` for an agency's closed network. Throws a plain Error
 * naming the entry for one that is not a CIDR or that overlaps a range never allowed (so
 * `0.0.0.0/0` is refused: it covers loopback and metadata), rather than silently ignoring it.
 */
export function parseAllowCidrs(list: readonly string[]): AllowedCidrs {
  return list.map((entry) => {
    const text = entry.trim()
    if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text) && !(text.includes(':') && ipaddr.IPv6.isValidCIDR(text)))
      throw new Error(`"${text}" is not a CIDR range such as 10.20.0.0/16 or fd12:3456::/48`)
    const range = cidr(text)
    const clash = NEVER.find((n) => overlaps(range, n.range))
    if (clash?.name === 'ipv4Mapped') throw new Error(`"${text}" names IPv4 addresses in IPv6 form: write the IPv4 range instead`)
    if (clash)
      throw new Error(`"${text}" covers ${clash.name} addresses (${clash.range.join('/')}), which webhooks may never be delivered to`)
    return range
  })
}

const MAX_URL_LENGTH = 2048

/** The host as net.connect takes it: an IPv6 literal without its brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1')

export type UrlCheck = { url: URL } | { error: 'invalid-url' | 'refused-scheme' | 'refused-address'; detail: string }

/** What create time and send time both check: the URL alone, without resolving names. */
export function inspectUrl(raw: string, policy: OutboundPolicy): UrlCheck {
  if (raw.length > MAX_URL_LENGTH) return { error: 'invalid-url', detail: `the URL is longer than ${MAX_URL_LENGTH} characters` }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { error: 'invalid-url', detail: 'not an absolute URL' }
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.insecureDev))
    return { error: 'refused-scheme', detail: 'the URL must use https' }
  if (url.username || url.password) return { error: 'invalid-url', detail: 'the URL must not carry credentials (user:password@)' }
  // `url.hash` is empty for a bare trailing '#', which the serialised URL still carries.
  if (url.href.includes('#')) return { error: 'invalid-url', detail: 'the URL must not have a fragment' }
  const host = hostOf(url)
  // net.connect skips the lookup option for IP literals, so they are classified here, before any connection.
  if (net.isIP(host)) {
    const c = classifyAddress(host, policy)
    if (!c.allowed) return { error: 'refused-address', detail: `${host} is a ${c.reason} address, which webhooks are not delivered to` }
  } else if (!policy.insecureDev && /(^|\.)localhost\.?$/.test(host)) {
    return { error: 'refused-address', detail: 'localhost names are not delivered to' }
  }
  return { url }
}
