// Name normalisation for free-text search (src/leads/name.normalise.ts): exact outputs, since the
// same function builds what is indexed and what is searched for.
import { describe, expect, it } from 'vitest'
import { extractNames, nameLexemes, nameQuery, nameWords } from '@icacn/sdk/normalise'

describe('name normalisation', () => {
  it('folds case and Latin diacritics, including letters NFD cannot split (đ, ø, ß)', () => {
    expect(nameWords('Đặng Thị Hồng-Nhung')).toEqual(['dang', 'thi', 'hong', 'nhung'])
    expect(nameWords('SØREN Straße')).toEqual(['soren', 'strasse'])
    expect(nameWords('Niño DELA CRUZ')).toEqual(['nino', 'dela', 'cruz'])
  })

  it('leaves out a word PostgreSQL cannot index or query (over 2,046 bytes once NFKC has expanded it)', () => {
    // 170 × U+3300 is 510 bytes as written and 170 × "アパート" (2,040 bytes) after NFKC; 171 is 2,052.
    expect(nameWords('\u3300'.repeat(170))).toEqual(['アパート'.repeat(170)])
    expect(nameWords(`Vanna ${'\u3300'.repeat(171)} Sok`)).toEqual(['vanna', 'sok'])
    expect(nameQuery('\u3300'.repeat(256))).toBeUndefined()
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

  it('keeps Burmese letters, medials, vowel signs, asat and stacked consonants in one word, unfolded', () => {
    expect(nameWords('ဦးအောင်ကျော်မင်း')).toEqual(['ဦးအောင်ကျော်မင်း'])
    expect(nameWords('ဒေါ်ခင်မြင့်ဦး')).toEqual(['ဒေါ်ခင်မြင့်ဦး'])
    expect(nameWords('သက္ကရာဇ်')).toEqual(['သက္ကရာဇ်']) // virama U+1039 stacks က under က
    expect(nameWords('မင်း')).not.toEqual(nameWords('မင')) // without asat and visarga: another word
    // Dot below and asat typed in either order are one word (NFKC puts U+1037 before U+103A).
    expect(nameWords('မြင\u103a\u1037')).toEqual(nameWords('မြင\u1037\u103a'))
    // U+1026 and its decomposition U+1025 U+102E are the same letter.
    expect(nameWords('\u1025\u102e\u1038')).toEqual(['\u1026\u1038'])
    expect(nameWords('ဦး အောင်၊ ကိုအောင်')).toEqual(['ဦး', 'အောင်', 'ကိုအောင်']) // spaces and ၊ separate words
  })

  it('indexes a Burmese name from each syllable on (no family name; the honorific changes), up to six syllables', () => {
    expect(nameLexemes('ဦးအောင်ကျော်မင်း')).toEqual(['ဦးအောင်ကျော်မင်း', 'အောင်ကျော်မင်း', 'ကျော်မင်း', 'မင်း'])
    // A consonant closed by asat or stacked by virama (and kinzi: င်္) does not start a syllable.
    expect(nameLexemes('မင်းထက်')).toEqual(['မင်းထက်', 'ထက်'])
    expect(nameLexemes('ဒေါ်ခင်မြင့်')).toEqual(['ဒေါ်ခင်မြင့်', 'ခင်မြင့်', 'မြင့်']) // dot below before asat (င့်)
    expect(nameLexemes('သက္ကရာဇ်')).toEqual(['သက္ကရာဇ်', 'ရာဇ်'])
    expect(nameLexemes('အင်္ဂလိပ်')).toEqual(['အင်္ဂလိပ်', 'လိပ်'])
    expect(nameLexemes('မင်း')).toEqual(['မင်း'])
    expect(nameLexemes('ကကကကကကက')).toEqual(['ကကကကကကက']) // seven syllables: not a name
  })

  it('reads a Chinese name as one word and indexes it also by its given name', () => {
    expect(nameLexemes('张伟')).toEqual(['张伟', '伟'])
    expect(nameLexemes('陳志明')).toEqual(['陳志明', '志明'])
    expect(nameLexemes('欧阳明华')).toEqual(['欧阳明华', '明华']) // compound surname: only the given name
    expect(nameLexemes('歐陽明華')).toEqual(['歐陽明華', '明華'])
    expect(nameLexemes('司馬遷')).toEqual(['司馬遷', '遷'])
    expect(nameLexemes('上官婉儿')).toEqual(['上官婉儿', '婉儿'])
    expect(nameLexemes('尉迟恭')).toEqual(['尉迟恭', '恭'])
    expect(nameLexemes('诸葛')).toEqual(['诸葛']) // a surname alone has no given name
    expect(nameLexemes('陳李美玲')).toEqual(['陳李美玲', '李美玲', '美玲']) // two surnames, or an unknown compound one
    expect(nameLexemes('澜湄通达商贸')).toEqual(['澜湄通达商贸']) // longer than a name
    expect(nameLexemes('伟')).toEqual(['伟'])
  })

  it('joins Han characters split by spaces, splits Han from romanisation, and folds pinyin tones', () => {
    expect(nameWords('张 伟')).toEqual(['张伟'])
    expect(nameWords('歐陽　明華')).toEqual(['歐陽明華']) // ideographic space
    expect(nameLexemes('张 伟')).toEqual(nameLexemes('张伟'))
    expect(nameWords('张伟Zhang Wei')).toEqual(['张伟', 'zhang', 'wei'])
    expect(nameWords('Zhāng Wěi (张伟)')).toEqual(['zhang', 'wei', '张伟'])
    expect(nameWords('Lǚ Bù')).toEqual(['lu', 'bu'])
    expect(nameWords('马克·张')).toEqual(['马克', '张']) // a middle dot separates the parts of a transcribed name
    expect(nameWords('葛\u{e0100}优')).toEqual(['葛优']) // an ideographic variation selector is a glyph choice
    expect(nameQuery('张 伟')).toEqual({ words: ['张伟'], tsquery: "'张伟':*" })
    expect(nameQuery('伟')).toEqual({ words: ['伟'], tsquery: "'伟'" }) // a one-character given name is a whole word
  })

  it('folds Cyrillic case but not its letters with marks (й is not и), except ё, commonly written е', () => {
    expect(nameWords('ЙОВАН Ильич')).toEqual(['йован', 'ильич'])
    expect(nameWords('Йован')).not.toEqual(nameWords('Иован'))
    expect(nameWords('Їжак Іван')).toEqual(['їжак', 'іван']) // Ukrainian ї and і are letters too
    expect(nameWords('ЛЁВКИН Фёдор')).toEqual(['левкин', 'федор'])
    expect(nameWords('Лёвкин')).toEqual(nameWords('Левкин'))
    expect(nameWords('Dmitrii Лёвкин')).toEqual(['dmitrii', 'левкин'])
  })

  it('builds a tsquery of prefixes from two characters, deduplicated, at most 8 words; none from punctuation', () => {
    expect(nameQuery('Dang  dang van a')).toEqual({ words: ['dang', 'van', 'a'], tsquery: "'dang':* & 'van':* & 'a'" })
    expect(nameQuery(" '--' ")).toBeUndefined()
    expect(nameQuery("o'brien")?.tsquery).toBe("'o' & 'brien':*") // a quote splits words; it never reaches the tsquery
    expect(nameQuery('a b c d e f g h i j')?.words).toHaveLength(8)
  })

  it('extracts name and alias fields only, from name objects and strings', () => {
    const labels: Record<string, string> = { names: 'name', aliases: 'alias', phones: 'phone' }
    const out = extractNames(
      { names: [{ native: '류하진', latin: 'RYU Ha-jin', script: 'Hang' }], aliases: ['Jin'], phones: [{ number: '+821012345678' }] },
      (f) => labels[f] ?? 'other',
    )
    expect(out).toEqual([
      { field: 'names', label: 'name', lexemes: ['류하진', '하진', 'ryu', 'ha', 'jin'] },
      { field: 'aliases', label: 'alias', lexemes: ['jin'] },
    ])
  })
})
