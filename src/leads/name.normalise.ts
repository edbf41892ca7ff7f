// Person and organisation names for free-text search (never match selectors: deconfliction and
// hit/no-hit use hard identifiers only). Unicode NFKC and case folding everywhere; diacritics folded
// only on Latin letters (Vietnamese "Nguyễn" finds "nguyen", Filipino "Niño" finds "nino"); marks on
// Thai, Lao and Khmer letters are kept, since there a tone or vowel mark changes the word.

/** Latin letters that carry their "diacritic" in the base letter, so NFD cannot strip it. */
const LATIN_BASE: Record<string, string> = { đ: 'd', ð: 'd', ø: 'o', ł: 'l', ħ: 'h', ı: 'i', ß: 'ss', æ: 'ae', œ: 'oe', þ: 'th' }
const LATIN = /\p{Script=Latin}/u
const MARK = /\p{M}/u
const HANGUL_SYLLABLES = /^[\uac00-\ud7a3]+$/u

/** Marks dropped only where the letter they sit on is Latin. */
function foldLatin(word: string): string {
  let out = ''
  let onLatin = false
  for (const ch of word.normalize('NFD')) {
    if (MARK.test(ch)) {
      if (!onLatin) out += ch
      continue
    }
    onLatin = LATIN.test(ch)
    out += onLatin ? (LATIN_BASE[ch] ?? ch) : ch
  }
  return out.normalize('NFC')
}

/** The words of a name, normalised: what is indexed and what is searched for. */
export function nameWords(text: string): string[] {
  const folded = text.normalize('NFKC').toLowerCase()
  return (folded.match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).map(foldLatin)
}

/**
 * The lexemes indexed for a name: its words, and for a Korean name written as one word (surname and
 * given name together, 3 or 4 syllables) also the given name, so "민준" finds "김민준".
 */
export function nameLexemes(text: string): string[] {
  const out = new Set<string>()
  for (const w of nameWords(text)) {
    out.add(w)
    const n = [...w].length
    if (HANGUL_SYLLABLES.test(w) && (n === 3 || n === 4)) {
      out.add(w.slice(1))
      if (n === 4) out.add(w.slice(2)) // two-syllable surnames (남궁, 선우…)
    }
  }
  return [...out]
}

export const MAX_QUERY_WORDS = 8

/**
 * A free-text query as a PostgreSQL tsquery over the indexed lexemes: every word must be present,
 * as a prefix when it is at least two characters. Words hold only letters, marks and digits, so the
 * quoted lexemes cannot break out of the query syntax. Undefined when the text holds no word.
 */
export function nameQuery(text: string): { words: string[]; tsquery: string } | undefined {
  const words = [...new Set(nameWords(text))].slice(0, MAX_QUERY_WORDS)
  if (words.length === 0) return undefined
  const tsquery = words.map((w) => `'${w}'${[...w].length >= 2 ? ':*' : ''}`).join(' & ')
  return { words, tsquery }
}

/** The text of one element of a name or alias field: a name object's renderings, or a string. */
export function nameTexts(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>
    return [v.native, v.latin].filter((t): t is string => typeof t === 'string')
  }
  return []
}

/** Field labels whose values are names. */
export const NAME_LABELS: ReadonlySet<string> = new Set(['name', 'alias'])

/** The name fields of a body with their lexemes (fields by name; labels from the record type). */
export function extractNames(body: Record<string, unknown>, labelOf: (field: string) => string): Array<{ field: string; label: string; lexemes: string[] }> {
  const out: Array<{ field: string; label: string; lexemes: string[] }> = []
  for (const [field, value] of Object.entries(body)) {
    const label = labelOf(field)
    if (!NAME_LABELS.has(label)) continue
    const lexemes = new Set((Array.isArray(value) ? value : [value]).flatMap(nameTexts).flatMap(nameLexemes))
    if (lexemes.size) out.push({ field, label, lexemes: [...lexemes] })
  }
  return out
}
