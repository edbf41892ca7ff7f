// Selector normalisation: every written form of one identifier gives one canonical value, and
// checksummed forms (onion, bitcoin, EIP-55, TRON) refuse corrupted input. Fixtures are invented;
// addresses are generated here from seeded or random bytes with independently computed checksums.
import { randomBytes } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2'
import { keccak_256, sha3_256 } from '@noble/hashes/sha3'
import { base32, bech32, bech32m, createBase58check, hex } from '@scure/base'
import { describe, expect, it } from 'vitest'
import { SelectorError, type SelectorContext, type SelectorKind } from '@icacn/sdk/normalise'
import { normaliseSelector, parseSelectorQuery } from '@icacn/sdk/normalise'

const b58c = createBase58check(sha256)
const seeded = (label: string, n = 32) => sha256(new TextEncoder().encode(label)).slice(0, n)
const value = (kind: SelectorKind, raw: unknown, ctx: SelectorContext = {}) => normaliseSelector(kind, raw, ctx).value
const refuses = (kind: SelectorKind, raw: unknown, ctx: SelectorContext = {}, message?: RegExp) => {
  const e = thrown(() => normaliseSelector(kind, raw, ctx))
  expect(e, `${kind} ${JSON.stringify(raw)} should be refused`).toBeInstanceOf(SelectorError)
  expect(e?.kind).toBe(kind)
  if (message) expect(e?.message).toMatch(message)
}
const thrown = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return e as SelectorError
  }
  return undefined
}
/** The same string with character i replaced by the next one in `alphabet`. */
const corrupt = (s: string, i: number, alphabet: string) =>
  s.slice(0, i) + alphabet[(alphabet.indexOf(s[i]!) + 1) % alphabet.length] + s.slice(i + 1)
const [B58, BECH32, B32] = [
  '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz',
  'qpzry9x8gf2tvdw0s3jn54khce6mua7l',
  'abcdefghijklmnopqrstuvwxyz234567',
]

function onionFor(pubkey: Uint8Array): string {
  const version = new Uint8Array([3])
  const check = sha3_256(new Uint8Array([...new TextEncoder().encode('.onion checksum'), ...pubkey, ...version])).slice(0, 2)
  return `${base32.encode(new Uint8Array([...pubkey, ...check, ...version])).toLowerCase()}.onion`
}

describe('phone', () => {
  it.each([
    ['081-234-5678', 'TH', '+66812345678'],
    ['+66 81 234 5678', undefined, '+66812345678'],
    ['+66 81 234 5678', 'KR', '+66812345678'],
    ['๐๘๑-๒๓๔-๕๖๗๘', 'TH', '+66812345678'],
    ['０８１２３４５６７８', 'TH', '+66812345678'],
    ['010-4567-8912', 'KR', '+821045678912'],
    ['091 234 5678', 'VN', '+84912345678'],
    ['+84 91 234 5678', undefined, '+84912345678'],
    ['020 5555 1234', 'LA', '+8562055551234'],
    ['+856 20 5555 1234', undefined, '+8562055551234'],
    ['012 345 678', 'KH', '+85512345678'],
    ['+855 12 345 678', undefined, '+85512345678'],
    ['0917 123 4567', 'ph', '+639171234567'],
    ['+63 917 123 4567', undefined, '+639171234567'],
  ])('%s in %s is %s', (raw, region, e164) => {
    expect(value('phone', raw, region ? { region } : {})).toBe(e164)
  })
  it('refuses invalid numbers, national format without a region, and non-strings', () => {
    refuses('phone', '+66 12 345', {}, /not a valid phone number/)
    for (const region of [undefined, 'XX']) refuses('phone', '081-234-5678', region ? { region } : {}, /region/)
    for (const raw of ['+66 01 234 5678', 'call me', 66812345678]) refuses('phone', raw)
  })
})

describe('telegram', () => {
  it('folds every way of writing a username to one value', () => {
    for (const raw of [
      '@Golden_Drop',
      'Golden_Drop',
      't.me/golden_drop',
      'https://t.me/GOLDEN_DROP',
      'http://telegram.me/golden_drop',
      'https://t.me/s/Golden_Drop',
      'https://t.me/golden_drop/1842',
      'https://t.me/golden_drop?start=x',
    ]) {
      expect(value('telegram', raw)).toBe('tg:golden_drop')
    }
  })
  it('keeps invite hash case and joins the + and joinchat forms', () => {
    for (const raw of ['t.me/+AbCdEfGh123', 't.me/joinchat/AbCdEfGh123', 'https://t.me/joinchat/AbCdEfGh123/']) {
      expect(value('telegram', raw)).toBe('tg:+AbCdEfGh123')
    }
    expect(value('telegram', 't.me/+abcdefgh123')).not.toBe(value('telegram', 'https://t.me/+AbCdEfGh123'))
  })
  it('refuses bad usernames and phone-number links', () => {
    for (const raw of ['@gold', '@1golden', '@golden-drop', 't.me/golden_drop/extra/path', `@${'a'.repeat(33)}`]) refuses('telegram', raw)
    refuses('telegram', 't.me/+66812345678', {}, /phone/)
  })
})

describe('onion', () => {
  const onion = onionFor(seeded('fixture:onion'))
  it('accepts generated v3 addresses with or without scheme, port and path', () => {
    for (const raw of [onion, `http://${onion}/market`, `HTTP://${onion.toUpperCase()}:80/market?cat=2`])
      expect(value('onion', raw)).toBe(onion)
    const fresh = Array.from({ length: 10 }, () => onionFor(randomBytes(32)))
    expect(fresh.map((o) => value('onion', o))).toEqual(fresh)
  })
  it('refuses a flipped character, a wrong version and v2', () => {
    refuses('onion', corrupt(onion, 10, B32), {}, /checksum/) // in the public key
    refuses('onion', corrupt(onion, 52, B32), {}, /checksum/) // in the checksum itself
    refuses('onion', corrupt(onion, 55, B32), {}, /version/)
    refuses('onion', 'goldendropabcdef.onion', {}, /v2/)
  })
})

describe('crypto', () => {
  const h160 = seeded('fixture:wallet', 20)
  const p2pkh = b58c.encode(new Uint8Array([0x00, ...h160]))
  const p2sh = b58c.encode(new Uint8Array([0x05, ...h160]))
  const wpkh = bech32.encode('bc', [0, ...bech32.toWords(h160)])
  const taproot = bech32m.encode('bc', [1, ...bech32m.toWords(seeded('fixture:taproot'))])
  const tron = b58c.encode(new Uint8Array([0x41, ...h160]))
  it('accepts bitcoin P2PKH, P2SH, bech32 and bech32m, refuses one-character corruptions', () => {
    expect(p2pkh.startsWith('1') && p2sh.startsWith('3') && taproot.startsWith('bc1p')).toBe(true)
    for (const a of [p2pkh, p2sh]) {
      expect(value('crypto', a, { chain: 'bitcoin' })).toBe(`btc:${a}`)
      refuses('crypto', corrupt(a, 12, B58), { chain: 'bitcoin' }, /checksum/)
    }
    for (const a of [wpkh, taproot]) {
      expect(value('crypto', a.toUpperCase(), { chain: 'bitcoin' })).toBe(`btc:${a}`)
      refuses('crypto', corrupt(a, 12, BECH32), { chain: 'bitcoin' }, /checksum/)
    }
    const random = b58c.encode(new Uint8Array([0x00, ...randomBytes(20)]))
    expect(value('crypto', random)).toBe(`btc:${random}`)
  })
  it('refuses wrong segwit checksum variant, network and version byte', () => {
    refuses('crypto', bech32m.encode('bc', [0, ...bech32.toWords(h160)]), {}, /wrong checksum/)
    refuses('crypto', bech32.encode('tb', [0, ...bech32.toWords(h160)]), { chain: 'bitcoin' }, /mainnet/)
    refuses('crypto', b58c.encode(new Uint8Array([0x6f, ...h160])), { chain: 'bitcoin' }, /version/)
    refuses('crypto', bech32.encode('bc', [0, ...bech32.toWords(h160.slice(0, 16))]), {}, /length/)
  })
  it('checks EIP-55 and gives one value on every EVM chain', () => {
    const vector = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    const expected = 'evm:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
    for (const chain of ['ethereum', 'bsc']) expect(value('crypto', vector, { chain })).toBe(expected)
    expect(value('crypto', vector.toLowerCase(), { chain: 'polygon' })).toBe(expected)
    expect(value('crypto', `0x${vector.slice(2).toUpperCase()}`)).toBe(expected)
    refuses('crypto', '0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed', { chain: 'ethereum' }, /checksum/)
    refuses('crypto', vector, { chain: 'dogecoin' }, /unsupported chain/)
    refuses('crypto', vector, { chain: 'tron' })
    // and a checksum computed here, independently, with keccak-256
    const lower = hex.encode(randomBytes(20))
    const digest = hex.encode(keccak_256(new TextEncoder().encode(lower)))
    const mixed = [...lower].map((c, i) => (parseInt(digest[i]!, 16) >= 8 ? c.toUpperCase() : c)).join('')
    expect(value('crypto', `0x${mixed}`, { chain: 'ethereum' })).toBe(`evm:0x${lower}`)
  })
  it('validates TRON base58check and never collides with the EVM form of the same 20 bytes', () => {
    expect(value('crypto', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', { chain: 'tron' })).toBe('tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t')
    expect(value('crypto', tron)).toBe(`tron:${tron}`)
    for (const bad of [corrupt(tron, 12, B58), 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6T'])
      refuses('crypto', bad, { chain: 'tron' }, /bad TRON address checksum/)
    const evm = value('crypto', `0x${hex.encode(h160)}`, { chain: 'ethereum' })
    expect(evm).toBe(`evm:0x${hex.encode(h160)}`)
    expect(value('crypto', tron, { chain: 'tron' })).not.toBe(evm)
  })
})

describe('documents', () => {
  it('compacts passports, national ids, bank accounts and plates', () => {
    expect(value('passport', { country: 'kor', number: 'm 123-456 78' })).toBe('passport:KOR:M12345678')
    expect(value('passport', 'KOR:M12345678')).toBe('passport:KOR:M12345678')
    expect(value('national_id', { country: 'THA', number: '1 1037 02345 67 1', kind: 'thai_id' })).toBe('national_id:THA:1103702345671')
    expect(value('bank_account', { accountNumber: '123-4-56789-0' }, { region: 'TH' })).toBe('bank:TH:1234567890')
    expect(value('bank_account', { country: 'kh', accountNumber: '0001 2345 678' }, { region: 'TH' })).toBe('bank:KH:00012345678')
    expect(value('bank_account', { accountNumber: 'ab-12' })).toBe('bank:??:AB12')
    expect(value('vehicle', { plate: 'กข 1234' }, { region: 'TH' })).toBe('plate:TH:กข1234')
    expect(value('vehicle', { plate: '51f-123.45', registrationCountry: 'VN' }, { region: 'TH' })).toBe('plate:VN:51F12345')
    expect(value('vehicle', { plate: '12가 3456' })).toBe('plate:??:12가3456')
    expect(value('vehicle', { plate: 'กข ๑๒๓๔' }, { region: 'TH' })).toBe('plate:TH:กข1234')
  })
  it('refuses missing plates, bad countries and junk numbers', () => {
    refuses('vehicle', { make: 'Toyota', colour: 'white' }, { region: 'TH' }, /no plate/)
    refuses('vehicle', { plate: 'AB 1234', registrationCountry: 'THA' }, {}, /2 letters/)
    refuses('passport', { country: 'KR', number: 'M12345678' }, {}, /3 letters/)
    refuses('passport', { number: 'M12345678' }, {}, /missing/)
    for (const [kind, raw] of [
      ['national_id', { country: 'THA', number: '1103*702345' }],
      ['bank_account', { accountNumber: '' }],
    ] as const)
      refuses(kind, raw)
  })
})

describe('email, url and domain', () => {
  it('lower-cases emails and punycodes IDN domains', () => {
    expect(value('email', ' Somchai.K@Example.COM ')).toBe('somchai.k@example.com')
    expect(value('email', 'sales@ตัวอย่าง.ไทย')).toBe('sales@xn--72c1a1bt4awk9o.xn--o3cw4h')
    for (const raw of ['no-at-sign', 'a@localhost', 'a..b@example.com', '@example.com', 'a@exa mple.com']) refuses('email', raw)
  })
  it('canonicalises URL host, default port and fragment, keeping path and query', () => {
    expect(value('url', 'HTTPS://Shop.Example.COM:443/Path/To?q=Ab#reviews')).toBe('url:https://shop.example.com/Path/To?q=Ab')
    expect(value('url', 'http://shop.example.com:8080')).toBe('url:http://shop.example.com:8080/')
    expect(value('url', 'https://buyer:s3cret@shop.example.com./a')).toBe('url:https://shop.example.com/a')
    for (const raw of ['ftp://shop.example.com/file', 'shop.example.com/path', 'http://intranet/x']) refuses('url', raw)
  })
  it('gives a domain from a host name or a URL', () => {
    expect(value('domain', 'Shop.Example.COM.')).toBe('domain:shop.example.com')
    expect(value('domain', 'https://Shop.Example.com:8443/x')).toBe('domain:shop.example.com')
    expect(value('domain', 'ตัวอย่าง.ไทย')).toBe('domain:xn--72c1a1bt4awk9o.xn--o3cw4h')
    for (const raw of ['shop', 'shop.example.com/path', 'bad_tld.123']) refuses('domain', raw)
  })
})

describe('parseSelectorQuery', () => {
  const onion = onionFor(seeded('fixture:onion'))
  const wpkh = bech32.encode('bc', [0, ...bech32.toWords(seeded('q', 20))])
  const p2sh = b58c.encode(new Uint8Array([5, ...seeded('q', 20)]))
  it.each([
    ['+66 81 234 5678', 'phone', '+66812345678'],
    ['081-234-5678', 'phone', '+66812345678'],
    ['@Golden_Drop', 'telegram', 'tg:golden_drop'],
    ['https://t.me/joinchat/AbCdEfGh123', 'telegram', 'tg:+AbCdEfGh123'],
    [`http://${onion}/market`, 'onion', onion],
    ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', 'crypto', 'evm:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'],
    ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'crypto', 'tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'],
    [wpkh, 'crypto', `btc:${wpkh}`],
    [p2sh, 'crypto', `btc:${p2sh}`],
    ['Somchai.K@Example.COM', 'email', 'somchai.k@example.com'],
    ['https://Example.com/shop?id=7', 'url', 'url:https://example.com/shop?id=7'],
    ['golden-drop.example', 'domain', 'domain:golden-drop.example'],
  ])('%s is a %s selector', (text, kind, v) => {
    expect(parseSelectorQuery(text, { region: 'TH' })).toEqual({ kind, value: v })
  })
  it('refuses unrecognisable text with kind null, and a recognised form with a bad checksum with its kind', () => {
    for (const text of ['', 'golden drop', 'ไอซ์ 1 กรัม']) expect(thrown(() => parseSelectorQuery(text, {}))?.kind).toBeNull()
    const bad = thrown(() => parseSelectorQuery('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6T', {}))
    expect([bad instanceof SelectorError, bad?.kind, bad?.message]).toEqual([true, 'crypto', 'bad TRON address checksum'])
  })
})
