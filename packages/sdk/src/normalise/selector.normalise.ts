// Entry points: normalise a selector of a known kind (record publish) or guess the kind of a
// free-text search string (lead search). Per-kind rules live in the selector.<family>.ts files.
import { detectChainFamily, normaliseCrypto } from './selector.crypto.js'
import { normaliseBankAccount, normaliseNationalId, normalisePassport, normaliseVehicle } from './selector.documents.js'
import { SelectorError, type Selector, type SelectorContext, type SelectorKind } from './selector.model.js'
import { looksLikeOnion, normaliseOnion } from './selector.onion.js'
import { normalisePhone } from './selector.phone.js'
import { looksLikeTelegram, normaliseTelegram } from './selector.telegram.js'
import { looksLikeDomain, normaliseDomain, normaliseEmail, normaliseUrl } from './selector.web.js'

/**
 * The canonical selector for `raw`, or SelectorError saying what is wrong with it. String kinds
 * take a string; passport, national_id, bank_account and vehicle take their record objects.
 */
export function normaliseSelector(kind: SelectorKind, raw: unknown, ctx: SelectorContext = {}): Selector {
  switch (kind) {
    case 'phone':
      return normalisePhone(raw, ctx.region)
    case 'email':
      return normaliseEmail(raw)
    case 'telegram':
      return normaliseTelegram(raw)
    case 'onion':
      return normaliseOnion(raw)
    case 'crypto':
      return normaliseCrypto(raw, ctx.chain)
    case 'passport':
      return normalisePassport(raw)
    case 'national_id':
      return normaliseNationalId(raw)
    case 'bank_account':
      return normaliseBankAccount(raw, ctx.region)
    case 'vehicle':
      return normaliseVehicle(raw, ctx.region)
    case 'url':
      return normaliseUrl(raw)
    case 'domain':
      return normaliseDomain(raw)
    default:
      // Reachable from untyped callers (JSON, GraphQL enums out of step with SELECTOR_KINDS).
      throw new SelectorError(null, `unknown selector kind "${String(kind)}"`)
  }
}

// \p{Nd}: Thai, Lao, Khmer and Myanmar digits count too (the phone rules convert them).
const PHONE_LIKE = /^\+?[\p{Nd}\s().\-/]+$/u

/**
 * The selector a search box string denotes. Detection is by form only, most specific first
 * (a t.me or .onion URL is a telegram or onion selector, not a URL); once the form is clear,
 * that kind's own rules decide validity, so "bc1…" with a bad checksum is a crypto error, not
 * "unrecognised". Documents, which need a country, cannot be searched as free text.
 */
export function parseSelectorQuery(text: string, ctx: SelectorContext = {}): Selector {
  const q = typeof text === 'string' ? text.normalize('NFKC').trim() : ''
  if (q === '') throw new SelectorError(null, 'search text is empty')
  const kind = detectKind(q)
  if (kind === undefined) {
    throw new SelectorError(
      null,
      `cannot tell what "${q.length > 80 ? `${q.slice(0, 80)}…` : q}" is: expected a phone number, email, ` +
        '@handle or t.me link, .onion address, wallet address, URL or domain',
    )
  }
  return normaliseSelector(kind, q, ctx)
}

function detectKind(q: string): SelectorKind | undefined {
  if (looksLikeTelegram(q)) return 'telegram'
  if (looksLikeOnion(q)) return 'onion'
  if (/^https?:\/\//i.test(q)) return 'url'
  if (/^(?:mailto:)?[^\s@]+@[^\s@]+$/i.test(q)) return 'email'
  if (detectChainFamily(q) !== undefined) return 'crypto'
  if (PHONE_LIKE.test(q)) {
    const digits = q.replace(/\P{Nd}/gu, '').length
    if (digits >= 6 && digits <= 17) return 'phone'
  }
  if (looksLikeDomain(q)) return 'domain'
  return undefined
}
