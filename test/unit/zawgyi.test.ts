// Zawgyi detection and conversion (src/records/zawgyi*.ts): the model and rules of myanmar-tools give
// the package's own published results, and a record body's first Zawgyi string is named by pointer.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { errors, toProblem } from '../../src/errors.js'
import { nameQuery, nameWords } from '@icacn/sdk/normalise'
import { createZawgyiCheck, toUnicodeQuery, ZAWGYI_THRESHOLD } from '../../src/records/zawgyi.js'
import { loadZawgyiModel } from '../../src/records/zawgyi-model.js'
import { RECORD_TYPES, recordFixtures } from '../fixtures/records.js'

const resource = (name: string) => fs.readFileSync(createRequire(import.meta.url).resolve(`myanmar-tools/resources/${name}`), 'utf8')
const model = loadZawgyiModel()
const check = createZawgyiCheck(model)

// The pair of myanmar-tools' spec/zawgyi_detector_spec.js ("strong signals"): one text in both encodings.
const UNICODE = 'အပြည်ပြည်ဆိုင်ရာ လူ့အခွင့်အရေး ကြေညာစာတမ်း'
const ZAWGYI = 'အျပည္ျပည္ဆိုင္ရာ လူ႔အခြင့္အေရး ေၾကညာစာတမ္း'
// An invented name in Unicode and as a Zawgyi keyboard types it (medial ya U+103A, vowel e first, asat U+1039).
const NAME = 'ဦးအောင်ကျော်မင်း'
const NAME_ZAWGYI = '\u1026\u1038\u1031\u1021\u102c\u1004\u1039\u1031\u1000\u103a\u102c\u1039\u1019\u1004\u1039\u1038'

describe('the myanmar-tools model and rules', () => {
  it('give every probability of the package’s compatibility.tsv (its 1.2.0 model), to 1e-6', () => {
    const lines = resource('compatibility.tsv').split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThanOrEqual(50)
    for (const line of lines) {
      const tab = line.indexOf('\t')
      const expected = line.slice(0, tab) === '-Infinity' ? Number.NEGATIVE_INFINITY : Number(line.slice(0, tab))
      const actual = model.probability(line.slice(tab + 1))
      if (actual !== expected) expect(Math.abs((actual - expected) / expected), line).toBeLessThanOrEqual(1e-6)
    }
  })

  it('convert the package’s Zawgyi news corpus to exactly its Unicode output', () => {
    const source = resource('mmgov_zawgyi_src.txt').split('\n')
    const expected = resource('mmgov_unicode_out.txt').split('\n')
    expect(source.length).toBe(expected.length)
    expect(source.filter((l) => model.probability(l) >= ZAWGYI_THRESHOLD).length).toBeGreaterThan(50)
    source.forEach((line, i) => expect(model.toUnicode(line), `line ${i + 1}`).toBe(expected[i]))
  })

  it('convert every Zawgyi/Unicode pair of the package’s converter spec', () => {
    const spec = fs.readFileSync(createRequire(import.meta.url).resolve('myanmar-tools/spec/zawgyi_converter_spec.js'), 'utf8')
    const start = spec.indexOf('var zawygi_unicode_convert_data')
    const pairs = vm.runInNewContext(`${spec.slice(start, spec.indexOf('\n];', start) + 3)}\nzawygi_unicode_convert_data`, {}) as Array<{
      z: string
      u: string
    }>
    expect(pairs.length).toBeGreaterThan(100)
    for (const [i, { z, u }] of pairs.entries()) expect(model.toUnicode(z), `pair ${i}`).toBe(u)
  })

  it('tell the spec’s pair apart and convert its Zawgyi side to its Unicode side', () => {
    expect(model.probability(UNICODE)).toBeLessThan(0.001)
    expect(model.probability(ZAWGYI)).toBeGreaterThan(0.999)
    expect(model.toUnicode(ZAWGYI)).toBe(UNICODE)
    expect(model.toUnicode(NAME_ZAWGYI)).toBe(NAME)
    expect(model.probability('Aung Kyaw Min')).toBe(Number.NEGATIVE_INFINITY)
  })
})

describe('createZawgyiCheck', () => {
  it('names the first Zawgyi string of a body by its JSON pointer, in field and element order', () => {
    const body = {
      names: [
        { native: NAME, script: 'Mymr' },
        { native: NAME_ZAWGYI, latin: 'U Aung Kyaw Min', script: 'Mymr' },
      ],
      aliases: [NAME_ZAWGYI],
    }
    expect(check(body)).toBe('/body/names/1/native')
    expect(check({ aliases: ['Ko Aung', NAME_ZAWGYI], names: [{ native: NAME_ZAWGYI }] })).toBe('/body/aliases/1')
    expect(check({ notes: ZAWGYI })).toBe('/body/notes')
    expect(check({ 'a/b': { '~c': [ZAWGYI] } })).toBe('/body/a~1b/~0c/0') // RFC 6901 escapes
  })

  it('passes Unicode Burmese, text that is the same in both encodings, and strings with no Burmese', () => {
    expect(check({ names: [{ native: NAME, latin: 'U Aung Kyaw Min', script: 'Mymr' }], notes: UNICODE, birthYear: 1979 })).toBeUndefined()
    expect(model.probability('မသီတာ')).toBeGreaterThan(0.5) // Ma Thida: identical code points in both
    expect(check({ names: [{ native: 'မသီတာ', script: 'Mymr' }] })).toBeUndefined()
    expect(check({ aliases: ['\u200b\u200b', '김민준', 'Дима'] })).toBeUndefined()
    expect(check({})).toBeUndefined()
  })

  it('refuses none of the fixture records, in any of the region’s scripts', () => {
    for (const type of RECORD_TYPES)
      for (const [i, f] of recordFixtures[type].entries()) expect(check(f.body), `${type}[${i}]`).toBeUndefined()
  })
})

describe('toUnicodeQuery', () => {
  it('converts a query typed in Zawgyi, so it searches the same words as its Unicode form', () => {
    expect(toUnicodeQuery(NAME_ZAWGYI, model)).toBe(NAME)
    expect(toUnicodeQuery(`U Aung ${NAME_ZAWGYI}`, model)).toBe(`U Aung ${NAME}`)
    expect(nameQuery(toUnicodeQuery(NAME_ZAWGYI, model))).toEqual(nameQuery(NAME))
    expect(nameWords(NAME_ZAWGYI)).not.toEqual(nameWords(NAME)) // unconverted, it would search for another word
  })

  it('leaves Unicode and non-Burmese queries as they are', () => {
    for (const q of [NAME, UNICODE, 'မသီတာ', 'Aung Kyaw Min', '欧阳明华', 'Лёвкин']) expect(toUnicodeQuery(q, model)).toBe(q)
  })
})

describe('errors.zawgyiEncoding', () => {
  it('is a 400 problem naming the field, asking for Unicode and saying why the gateway cannot convert', () => {
    const p = toProblem(errors.zawgyiEncoding('/body/names/0/native'))
    expect(p).toMatchObject({
      status: 400,
      code: 'ZAWGYI_ENCODING',
      type: 'urn:icacn:problem:zawgyi-encoding',
      title: 'Burmese text in Zawgyi encoding',
    })
    expect(p.errors).toEqual([{ pointer: '/body/names/0/native', detail: expect.stringMatching(/Unicode/) }])
    expect(p.detail).toMatch(/\/body\/names\/0\/native.*Unicode.*sign/)
  })
})
