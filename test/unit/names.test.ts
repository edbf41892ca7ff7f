// Name normalisation for free-text search (src/leads/name.normalise.ts): exact outputs, since the
// same function builds what is indexed and what is searched for.
import { describe, expect, it } from 'vitest'
import { extractNames, nameLexemes, nameQuery, nameWords } from '../../src/leads/name.normalise.js'

describe('name normalisation', () => {
  it('folds case and Latin diacritics, including letters NFD cannot split (đ, ø, ß)', () => {
    expect(nameWords('Đặng Thị Hồng-Nhung')).toEqual(['dang', 'thi', 'hong', 'nhung'])
    expect(nameWords('SØREN Straße')).toEqual(['soren', 'strasse'])
    expect(nameWords('Niño DELA CRUZ')).toEqual(['nino', 'dela', 'cruz'])
  })

  it('applies NFKC (full-width and compatibility forms) before anything else', () => {
    expect(nameWords('ＮＧＵＹＥＮ　ｖａｎ')).toEqual(['nguyen', 'van'])
    expect(nameWords('ﬁlipina')).toEqual(['filipina'])
  })

  it('keeps every mark on Thai, Lao and Khmer letters', () => {
    expect(nameWords('วงศ์ใหญ่')).toEqual(['วงศ์ใหญ่'])
    expect(nameWords('ແກ້ວມະນີ')).toEqual(['ແກ້ວມະນີ'])
    expect(nameWords('សុភក្ត្រា')).toEqual(['សុភក្ត្រា'])
    // A Latin word next to a Thai one: only the Latin one is folded.
    expect(nameWords('Prasért วงศ์')).toEqual(['prasert', 'วงศ์'])
  })

  it('indexes a one-word Korean name also by its given name (one- and two-syllable surnames)', () => {
    expect(nameLexemes('류하진')).toEqual(['류하진', '하진'])
    expect(nameLexemes('남궁민수')).toEqual(['남궁민수', '궁민수', '민수'])
    expect(nameLexemes('하진')).toEqual(['하진'])
  })

  it('builds a tsquery of prefixes from two characters, deduplicated, at most 8 words; none from punctuation', () => {
    expect(nameQuery('Dang  dang van a')).toEqual({ words: ['dang', 'van', 'a'], tsquery: "'dang':* & 'van':* & 'a'" })
    expect(nameQuery(" '--' ")).toBeUndefined()
    expect(nameQuery("o'brien")?.tsquery).toBe("'o' & 'brien':*") // a quote splits words; it never reaches the tsquery
    expect(nameQuery('a b c d e f g h i j')?.words).toHaveLength(8)
  })

  it('extracts name and alias fields only, from name objects and strings', () => {
    const labels: Record<string, string> = { names: 'name', aliases: 'alias', phones: 'phone' }
    const out = extractNames({ names: [{ native: '류하진', latin: 'RYU Ha-jin', script: 'Hang' }], aliases: ['Jin'], phones: [{ number: '+821012345678' }] }, (f) => labels[f] ?? 'other')
    expect(out).toEqual([
      { field: 'names', label: 'name', lexemes: ['류하진', '하진', 'ryu', 'ha', 'jin'] },
      { field: 'aliases', label: 'alias', lexemes: ['jin'] },
    ])
  })
})
