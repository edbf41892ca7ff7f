// Person and organisation names for free-text search (never match selectors: deconfliction and
// hit/no-hit use hard identifiers only). Unicode NFKC and case folding everywhere; diacritics folded
// only on Latin letters (Vietnamese "Nguyễn" finds "nguyen", Filipino "Niño" finds "nino"); marks on
// Thai, Lao, Khmer, Burmese and Cyrillic letters are kept, since there a mark changes the word.

/** Latin letters that carry their "diacritic" in the base letter, so NFD cannot strip it. */
const LATIN_BASE: Record<string, string> = { đ: 'd', ð: 'd', ø: 'o', ł: 'l', ħ: 'h', ı: 'i', ß: 'ss', æ: 'ae', œ: 'oe', þ: 'th' }
const LATIN = /\p{Script=Latin}/u
const MARK = /\p{M}/u
const HANGUL_SYLLABLES = /^[\uac00-\ud7a3]+$/u
// Han text has no spaces between words: a space between two Han characters is layout ("张 伟").
const SPACE_IN_HAN = /(\p{Script=Han})\s+(?=\p{Script=Han})/gu
// A Han run is a word of its own, also when romanisation is glued to it ("张伟Zhang").
const HAN_OR_OTHER = /\p{Script=Han}+|\P{Script=Han}+/gu
// Glyph choices (ideographic variation sequences in Han names), not letters.
const VARIATION_SELECTORS = /\p{Variation_Selector}/gu

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

/**
 * PostgreSQL indexes and queries words of at most 2,046 bytes (tsvector lexemes, tsquery operands).
 * NFKC can multiply a word's length (U+3300 "㌀" becomes "アパート"), so a name that fits its schema
 * can hold a longer word; such a word is not a name and is neither indexed nor searched for.
 */
export const MAX_WORD_BYTES = 2046
const utf8 = new TextEncoder()

/** The words of a name, normalised: what is indexed and what is searched for. */
export function nameWords(text: string): string[] {
  // ё is routinely written е in Russian (Фёдоров, Федоров); й and и stay apart: they are letters.
  const folded = text.normalize('NFKC').toLowerCase().replace(VARIATION_SELECTORS, '').replace(/ё/g, 'е').replace(SPACE_IN_HAN, '$1')
  const words = (folded.match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).flatMap((w) => w.match(HAN_OR_OTHER) ?? [])
  return words.map(foldLatin).filter((w) => utf8.encode(w).length <= MAX_WORD_BYTES)
}

const HAN_NAME = /^\p{Script=Han}{2,4}$/u
/** Two-character Chinese surnames, simplified and traditional; any other name starts with a one-character surname. */
const COMPOUND_SURNAMES: ReadonlySet<string> = new Set([
  '欧阳',
  '歐陽',
  '司马',
  '司馬',
  '诸葛',
  '諸葛',
  '上官',
  '东方',
  '東方',
  '皇甫',
  '令狐',
  '慕容',
  '尉迟',
  '尉遲',
  '司徒',
  '夏侯',
  '公孙',
  '公孫',
  '端木',
  '宇文',
])

/** The given name of a Chinese name written as one word of 2 to 4 Han characters ("张伟" → "伟"). */
function chineseGivenNames(w: string): string[] {
  if (!HAN_NAME.test(w)) return []
  const chars = [...w]
  if (COMPOUND_SURNAMES.has(chars.slice(0, 2).join(''))) return chars.length > 2 ? [chars.slice(2).join('')] : []
  // Four characters without a known compound surname: a three-character given name, or else a rarer
  // compound surname or the two surnames of a married woman in Hong Kong or Taiwan (陳李美玲): both.
  return chars.length === 4 ? [chars.slice(1).join(''), chars.slice(2).join('')] : [chars.slice(1).join('')]
}

const MYANMAR_WORD = /^\p{Script=Myanmar}+$/u
// A syllable starts at a letter not stacked under the one before (virama U+1039) and not itself
// closing the syllable before (asat U+103A, or virama: the first of a stacked pair).
const SYLLABLE_START = /(?<!\u1039)[\p{L}\p{N}](?!\u1037?[\u103a\u1039])/gu
const MAX_NAME_SYLLABLES = 6

/**
 * A Burmese name has no family name, is written without spaces, and its honorific changes with age
 * and standing (Maung, Ko, U: "မောင်", "ကို", "ဦး"), so it is indexed from each of its syllables:
 * "ဦးအောင်ကျော်မင်း" is found by "အောင်ကျော်မင်း" and by "ကျော်မင်း".
 */
function burmeseSuffixes(w: string): string[] {
  if (!MYANMAR_WORD.test(w)) return []
  const starts = [...w.matchAll(SYLLABLE_START)].map((m) => m.index)
  if (starts.length < 2 || starts.length > MAX_NAME_SYLLABLES) return []
  return starts.slice(1).map((i) => w.slice(i))
}

/**
 * The lexemes indexed for a name: its words, and for a Korean name written as one word (surname and
 * given name together, 3 or 4 syllables) also the given name, so "민준" finds "김민준"; likewise a
 * Chinese name ("明华" finds "欧阳明华"); and a Burmese name from each syllable on.
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
    for (const x of [...chineseGivenNames(w), ...burmeseSuffixes(w)]) out.add(x)
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
export function extractNames(
  body: Record<string, unknown>,
  labelOf: (field: string) => string,
): Array<{ field: string; label: string; lexemes: string[] }> {
  const out: Array<{ field: string; label: string; lexemes: string[] }> = []
  for (const [field, value] of Object.entries(body)) {
    const label = labelOf(field)
    if (!NAME_LABELS.has(label)) continue
    const lexemes = new Set((Array.isArray(value) ? value : [value]).flatMap(nameTexts).flatMap(nameLexemes))
    if (lexemes.size) out.push({ field, label, lexemes: [...lexemes] })
  }
  return out
}
