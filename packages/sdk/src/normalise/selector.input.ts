// Input guards shared by the per-kind normalisers: raw values arrive as `unknown` from JSON
// bodies, so each normaliser checks shape first and fails with a message naming the field.
import { SelectorError, type SelectorKind } from './selector.model.js'

/** Generous ceiling: no real selector is longer, and it bounds regex and codec work. */
const MAX_INPUT = 2048

export function requireString(kind: SelectorKind, raw: unknown, what: string = kind): string {
  if (typeof raw !== 'string') throw new SelectorError(kind, `${what} must be a string`)
  const s = raw.normalize('NFKC').trim()
  if (s === '') throw new SelectorError(kind, `${what} is empty`)
  if (s.length > MAX_INPUT) throw new SelectorError(kind, `${what} is too long`)
  return s
}

export function requireObject(kind: SelectorKind, raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SelectorError(kind, `${kind} must be an object`)
  }
  return raw as Record<string, unknown>
}

/** An ISO 3166-1 code of the given length, upper-cased; undefined when absent. */
export function countryCode(kind: SelectorKind, raw: unknown, letters: 2 | 3, what: string): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined
  const code = requireString(kind, raw, what).toUpperCase()
  const ok = letters === 2 ? /^[A-Z]{2}$/.test(code) : /^[A-Z]{3}$/.test(code)
  if (!ok) throw new SelectorError(kind, `${what} must be ${letters} letters A–Z, got "${code}"`)
  return code
}

// Zero of each script's decimal digits in use across the region (Thai, Lao, Khmer, Myanmar) and
// its neighbours; NFKC leaves these alone, but a Thai-digit plate is the same plate.
const DIGIT_ZEROS = [0x0660, 0x06f0, 0x0966, 0x09e6, 0x0e50, 0x0ed0, 0x1040, 0x1090, 0x17e0]

export function asciiDigits(s: string): string {
  return s.replace(/\p{Nd}/gu, (d) => {
    const cp = d.codePointAt(0) ?? 0
    const zero = DIGIT_ZEROS.find((z) => cp >= z && cp <= z + 9)
    return zero === undefined ? d : String(cp - zero)
  })
}

/**
 * Document numbers are written with arbitrary spacing and dashes (and dots on plates) that carry
 * no meaning; NFKC also turns full-width digits and letters into their ASCII forms. No diacritic
 * folding: Thai and other non-Latin letters are part of the number.
 */
export function compactIdentifier(s: string, alsoDots = false): string {
  const separators = alsoDots ? /[\s\p{Pd}.]+/gu : /[\s\p{Pd}]+/gu
  return asciiDigits(s.normalize('NFKC')).toUpperCase().replace(separators, '')
}
