// Where webhooks may be delivered: every refused address class in IPv4 and IPv6 form, the operator's
// allow-list and its limits, development loopback, and the URL check made when a subscription is created.
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import { isAppError } from '../../src/errors.js'
import { classifyAddress, type OutboundPolicy, parseAllowCidrs } from '../../src/webhooks/outbound-address.js'
import { checkWebhookUrl } from '../../src/webhooks/outbound.js'

const strict: OutboundPolicy = { insecureDev: false, allowCidrs: parseAllowCidrs([]) }
const dev: OutboundPolicy = { insecureDev: true, allowCidrs: parseAllowCidrs([]) }
const agency: OutboundPolicy = { insecureDev: false, allowCidrs: parseAllowCidrs(['10.20.0.0/16', 'fd12:3456::/48', '100.64.0.0/11']) }

describe('classifyAddress', () => {
  // Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32) are refused: ipaddr.js
  // calls them 'reserved', and no real receiver is ever there.
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.0.1', 'linkLocal'],
    ['169.254.170.2', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.10', 'reserved'],
    ['192.88.99.1', 'reserved'],
    ['192.175.48.1', 'as112'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:100.64.0.1', 'carrierGradeNat'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:224.0.0.1', 'multicast'],
    ['::127.0.0.1', 'ipv4Compatible'],
    ['::8.8.8.8', 'ipv4Compatible'],
    ['0:0:0:0:0:0:127.0.0.1', 'ipv4Compatible'],
    ['::ffff:0:127.0.0.1', 'rfc6145'],
    ['64:ff9b::10.0.0.1', 'rfc6052'],
    ['fe80::1', 'linkLocal'],
    ['febf:ffff::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'multicast'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['64:ff9b::808:808', 'rfc6052'],
    ['64:ff9b:1::1', 'rfc6052'],
    ['::ffff:0:7f00:1', 'rfc6145'],
    ['2002:7f00:1::1', '6to4'],
    ['2002:a00:1::1', '6to4'],
    ['2001::1', 'teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'discard'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['2001:2::1', 'benchmarking'],
    ['localhost', 'invalid'],
    ['0x7f000001', 'invalid'],
    ['127.1', 'invalid'],
    ['[::1]', 'invalid'],
    ['', 'invalid'],
  ])('refuses %s (%s)', (ip, reason) => {
    expect(classifyAddress(ip, strict)).toEqual({ allowed: false, reason })
  })

  it.each(['8.8.8.8', '1.1.1.1', '203.0.114.1', '::ffff:8.8.8.8', '2001:4860:4860::8888', '2606:4700:4700::1111'])(
    'allows the global unicast address %s',
    (ip) => expect(classifyAddress(ip, strict)).toEqual({ allowed: true }),
  )

  it.each([
    ['10.20.0.1', true],
    ['10.20.255.254', true],
    ['::ffff:10.20.0.5', true],
    ['fd12:3456::1', true],
    ['100.64.0.1', true],
    ['10.21.0.1', false],
    ['10.19.255.255', false],
    ['fd12:3457::1', false],
    ['::10.20.0.1', false], // IPv4-compatible ::a14:1, not 10.20.0.1 (ipaddr.js alone reads it as mapped)
    ['100.100.100.200', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
  ])('with WEBHOOK_ALLOW_CIDRS 10.20.0.0/16, fd12:3456::/48, 100.64.0.0/11: %s allowed=%s', (ip, allowed) => {
    expect(classifyAddress(ip, agency).allowed).toBe(allowed)
  })

  // Defence in depth: parseAllowCidrs refuses such a list, but one built another way still opens nothing of this.
  it.each(['127.0.0.1', '::1', '169.254.169.254', '169.254.1.1', 'fe80::1', 'fd00:ec2::254', '100.100.100.200', '0.0.0.0', '::127.0.0.1'])(
    'refuses %s even when a hand-built allow-list covers it',
    (ip) => {
      const everything = ['0.0.0.0/0', '::/0'].map((c) => ipaddr.parseCIDR(c))
      expect(classifyAddress(ip, { insecureDev: false, allowCidrs: everything }).allowed).toBe(false)
    },
  )

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['169.254.169.254', false],
    ['169.254.1.1', false],
    ['fe80::1', false],
    ['fd00:ec2::254', false],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
  ])('with insecureDev: %s allowed=%s', (ip, allowed) => {
    expect(classifyAddress(ip, dev).allowed).toBe(allowed)
  })
})

describe('parseAllowCidrs', () => {
  it('keeps valid ranges, trimmed', () => {
    expect(parseAllowCidrs([' 10.20.0.0/16', '172.20.0.0/14 ', 'fd12:3456::/48'])).toHaveLength(3)
  })

  it.each([
    ['127.0.0.0/8', /loopback/],
    ['127.0.0.1/32', /loopback/],
    ['169.254.0.0/16', /metadata/],
    ['169.254.1.0/24', /linkLocal/],
    ['0.0.0.0/0', /covers/],
    ['0.0.0.0/8', /unspecified/],
    ['100.64.0.0/10', /metadata/],
    ['224.0.0.0/4', /multicast/],
    ['::/0', /covers/],
    ['::1/128', /loopback/],
    ['fe80::/10', /linkLocal/],
    ['fd00::/8', /metadata/],
    ['fc00::/7', /metadata/],
    ['2002::/16', /6to4/],
    ['::ffff:10.0.0.0/104', /IPv6 form/],
    ['ten.0.0.0/8', /not a CIDR/],
    ['10.0.0.0', /not a CIDR/],
    ['10.0.0.0/33', /not a CIDR/],
    ['10.0.0/8', /not a CIDR/],
    ['0x0a000000/8', /not a CIDR/],
    ['', /not a CIDR/],
  ])('refuses %s', (entry, message) => {
    expect(() => parseAllowCidrs(['10.20.0.0/16', entry])).toThrow(message)
    expect(() => parseAllowCidrs([entry])).toThrow(`"${entry.trim()}"`)
  })
})

describe('checkWebhookUrl', () => {
  const refusal = (raw: string, policy: OutboundPolicy) => {
    try {
      checkWebhookUrl(raw, policy)
    } catch (e) {
      if (isAppError(e)) return e
      throw e
    }
    throw new Error(`accepted ${raw}`)
  }

  it.each([
    ['http://127.0.0.1:8080/hook', strict, /https/],
    ['http://receiver.police.go.th/hooks', strict, /https/],
    ['ftp://receiver.police.go.th/hooks', dev, /https/],
    ['file:///etc/passwd', dev, /https/],
    ['javascript:alert(1)', dev, /https/],
    ['https://127.0.0.1/hook', strict, /loopback/],
    ['https://169.254.169.254/latest/meta-data/', strict, /metadata/],
    ['https://169.254.169.254/latest/meta-data/', dev, /metadata/],
    ['http://169.254.169.254/latest/meta-data/', agency, /https/],
    ['https://[::ffff:127.0.0.1]/hook', strict, /loopback/],
    ['https://0x7f000001/hook', strict, /loopback/],
    ['https://2130706433/hook', strict, /loopback/],
    ['https://0177.0.0.1/hook', strict, /loopback/],
    ['https://127.1/hook', strict, /loopback/],
    ['https://[::1]/hook', strict, /loopback/],
    ['https://[fd00:ec2::254]/', agency, /metadata/],
    ['https://[fe80::1]/', dev, /linkLocal/],
    ['https://10.0.0.1/hook', strict, /private/],
    ['https://10.21.0.1/hook', agency, /private/],
    ['https://0.0.0.0/hook', dev, /unspecified/],
    ['https://localhost/hook', strict, /localhost/],
    ['https://hooks.localhost/hook', strict, /localhost/],
    ['https://LOCALHOST./hook', strict, /localhost/],
    ['https://user:pw@example.org/hook', strict, /credentials/],
    ['https://user@example.org/hook', strict, /credentials/],
    ['https://:pw@example.org/hook', strict, /credentials/],
    ['https://example.org/#x', strict, /fragment/],
    ['https://example.org/hook#', strict, /fragment/],
    ['not a url', strict, /absolute URL/],
    ['/hooks', strict, /absolute URL/],
    [`https://example.org/${'a'.repeat(2029)}`, strict, /2048/],
  ])('refuses %s', (raw, policy, detail) => {
    const e = refusal(raw, policy)
    expect(e.code).toBe('VALIDATION_FAILED')
    expect(e.status).toBe(400)
    expect(e.errors?.[0]?.pointer).toBe('/url')
    expect(e.errors?.[0]?.detail).toMatch(detail)
  })

  it.each([
    ['https://receiver.police.go.th/hooks', strict],
    ['https://receiver.police.go.th:8443/hooks?agency=TH', strict],
    ['https://8.8.8.8/hook', strict],
    ['https://[2001:4860:4860::8888]/hook', strict],
    ['https://10.20.0.5/hook', agency],
    ['http://127.0.0.1:8080/hook', dev],
    ['http://localhost:3000/hook', dev],
    ['https://[::1]/hook', dev],
    [`https://example.org/${'a'.repeat(2028)}`, strict],
  ])('accepts %s', (raw, policy) => {
    expect(checkWebhookUrl(raw, policy).href).toBe(new URL(raw).href)
  })

  it('does not resolve names: a name is checked when the delivery connects', () => {
    expect(checkWebhookUrl('https://hooks.th.example/in', strict).hostname).toBe('hooks.th.example')
  })
})
