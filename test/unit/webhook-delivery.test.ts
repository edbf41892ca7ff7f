// The pure rules of webhook delivery: the retry schedule, the verdict on one send, and the filter,
// which may test only what a rendered event shows.
import { describe, expect, it } from 'vitest'
import { normaliseSelector, parseSelectorQuery, type SelectorKind } from '@icacn/sdk/normalise'
import { judge } from '../../src/webhooks/delivery.finish.js'
import { DISABLE_AFTER_FAILING_MS, MAX_ATTEMPTS, nextAttemptAt, RETRY_DELAYS_S } from '../../src/webhooks/delivery.schedule.js'
import { EVENT_TYPES, filterMatches, parseFilter, type WebhookFilter } from '../../src/webhooks/subscription.filter.js'

const T0 = new Date('2026-11-27T03:00:00Z')
const vocab = {
  types: new Set(['person', 'crypto_wallet']),
  memberCodes: new Set(['KR', 'TH', 'LA', 'VN', 'KH', 'PH']),
  // The lookup normaliser as a Thai member reads a selector (national numbers are Thai).
  normalise: (selector: string, kind?: string) =>
    kind ? normaliseSelector(kind as SelectorKind, selector, { region: 'TH' }) : parseSelectorQuery(selector, { region: 'TH' }),
}
const fail = (status?: number) => ({
  kind: 'sent' as const,
  result: { ok: false as const, latencyMs: 12, error: 'http-status' as const, status },
})
const ok = { kind: 'sent' as const, result: { ok: true as const, status: 204, latencyMs: 9, excerpt: '' } }

describe('retry schedule', () => {
  it.each(RETRY_DELAYS_S.map((s, i) => [i + 1, s] as const))('after %i failed tries waits %i s, ±20%', (n, s) => {
    expect(nextAttemptAt(n, T0, () => 0.5)!.getTime() - T0.getTime()).toBe(s * 1000)
    expect(nextAttemptAt(n, T0, () => 0)!.getTime() - T0.getTime()).toBe(Math.round(s * 800))
    expect(nextAttemptAt(n, T0, () => 1)!.getTime() - T0.getTime()).toBe(Math.round(s * 1200))
  })
  it('gives up after eight tries, and on nonsense', () => {
    expect(MAX_ATTEMPTS).toBe(8)
    for (const n of [8, 9, 100, 0, -1, 1.5, Number.NaN]) expect(nextAttemptAt(n, T0)).toBeNull()
  })
  it('clamps a random source outside [0, 1]', () => {
    expect(nextAttemptAt(1, T0, () => 7)!.getTime() - T0.getTime()).toBe(6000)
  })
})

describe('verdict on one send', () => {
  it.each([
    ['2xx: delivered, the endpoint healthy again', ok, 3, new Date(T0.getTime() - 3600_000), { state: 'delivered' }, null, undefined],
    ['500 on the first try: retried in 5 s, failing from now', fail(500), 1, null, { state: 'pending' }, T0, undefined],
    [
      'timeout (no status): retried',
      { kind: 'sent' as const, result: { ok: false as const, latencyMs: 10_000, error: 'timeout' as const } },
      2,
      null,
      { state: 'pending' },
      T0,
      undefined,
    ],
    ['500 on the eighth try: dead', fail(500), 8, T0, { state: 'dead' }, T0, undefined],
    ['410: disabled at once, the delivery kept for a resume', fail(410), 1, null, { state: 'pending' }, T0, 'gone'],
    ['suppressed: nothing sent, health unchanged', { kind: 'suppressed' as const }, 1, null, { state: 'suppressed' }, null, undefined],
  ] as const)('%s', (_, sent, attempts, since, outcome, failingSince, disable) => {
    const v = judge(sent, attempts, since, T0, () => 0.5)
    expect(v.outcome).toMatchObject(outcome)
    expect(v.failingSince).toEqual(failingSince)
    expect(v.disable).toBe(disable)
  })
  it('an endpoint failing for 5 days is disabled; a day less is not', () => {
    const fiveDays = new Date(T0.getTime() - DISABLE_AFTER_FAILING_MS)
    expect(judge(fail(503), 2, fiveDays, T0).disable).toBe('failing')
    expect(judge(fail(503), 2, new Date(T0.getTime() - DISABLE_AFTER_FAILING_MS + 86_400_000), T0).disable).toBeUndefined()
    expect(judge(ok, 2, fiveDays, T0).disable).toBeUndefined()
  })
})

describe('filter', () => {
  const disclosed = { type: 'record.shared', record: { type: 'person', originator: 'KR', grading: 'B2', marking: 'AMBER' } }
  const hit = { type: 'record.shared', record: { type: 'person', originator: 'KR', grading: 'B2' } }
  const withdrawn = { type: 'record.withdrawn', record: { originator: 'KR' } }
  const policy = { type: 'policy.activated' }
  const rows: Array<[string, WebhookFilter, Array<[typeof disclosed | typeof hit | typeof withdrawn | typeof policy, boolean]>]> = [
    [
      'no filter: every event',
      {},
      [
        [disclosed, true],
        [hit, true],
        [withdrawn, true],
        [policy, true],
      ],
    ],
    [
      'event types',
      { eventTypes: ['record.withdrawn'] },
      [
        [disclosed, false],
        [withdrawn, true],
        [policy, false],
      ],
    ],
    [
      'record types: shown on presentations and hits, not on notices',
      { recordTypes: ['person'] },
      [
        [disclosed, true],
        [hit, true],
        [withdrawn, false],
        [policy, false],
      ],
    ],
    [
      'other record type',
      { recordTypes: ['crypto_wallet'] },
      [
        [disclosed, false],
        [hit, false],
      ],
    ],
    [
      'originators',
      { originators: ['KR'] },
      [
        [disclosed, true],
        [hit, true],
        [withdrawn, true],
        [policy, false],
      ],
    ],
    [
      'a marking filter never matches a marking a hit hides',
      { markings: ['AMBER'] },
      [
        [disclosed, true],
        [hit, false],
        [withdrawn, false],
      ],
    ],
    [
      'minimum grading B2',
      { minGrading: 'B2' },
      [
        [disclosed, true],
        [hit, true],
        [withdrawn, false],
      ],
    ],
    ['minimum grading A2: B is worse', { minGrading: 'A2' }, [[disclosed, false]]],
    ['minimum grading B1: credibility 2 is worse', { minGrading: 'B1' }, [[disclosed, false]]],
    ['minimum grading C3', { minGrading: 'C3' }, [[disclosed, true]]],
    [
      'all at once',
      { eventTypes: ['record.shared'], recordTypes: ['person'], originators: ['KR'], markings: ['AMBER'], minGrading: 'B2' },
      [
        [disclosed, true],
        [hit, false],
      ],
    ],
  ]
  it.each(rows)('%s', (_, f, cases) => {
    for (const [shown, expected] of cases) expect(filterMatches(f, shown), JSON.stringify(shown)).toBe(expected)
  })

  it('parses what it may test, and refuses the rest with a pointer for each problem', () => {
    expect(parseFilter(undefined, vocab)).toEqual({})
    expect(parseFilter({ eventTypes: ['record.shared', 'record.shared'], minGrading: 'A1' }, vocab)).toEqual({
      eventTypes: ['record.shared'],
      minGrading: 'A1',
    })
    expect(parseFilter({ eventTypes: [...EVENT_TYPES] }, vocab).eventTypes).toHaveLength(EVENT_TYPES.length)
    const refused = (raw: unknown) => {
      try {
        parseFilter(raw, vocab)
      } catch (e) {
        return (e as { code: string; errors?: Array<{ pointer: string }> }).errors?.map((x) => x.pointer) ?? (e as { code: string }).code
      }
      throw new Error('accepted')
    }
    expect(refused([])).toEqual(['/filter'])
    expect(refused({ values: ['+66812345678'] })).toEqual(['/filter/values'])
    expect(refused({ eventTypes: ['record.*'] })).toEqual(['/filter/eventTypes/0'])
    expect(refused({ eventTypes: [] })).toEqual(['/filter/eventTypes'])
    expect(refused({ recordTypes: ['person', 'vehicle'] })).toEqual(['/filter/recordTypes/1'])
    expect(refused({ originators: ['XX'], markings: ['SECRET'], minGrading: 'G7' })).toEqual([
      '/filter/originators/0',
      '/filter/markings/0',
      '/filter/minGrading',
    ])
    expect(refused({ originators: Array(51).fill('KR') })).toEqual(['/filter/originators'])
    // Selectors are read as a lookup reads them: national and international forms are one selector.
    expect(parseFilter({ selectors: ['081-234-5678', { selector: '+66 81 234 5678', kind: 'phone' }] }, vocab).selectors).toEqual([
      { kind: 'phone', value: '+66812345678' },
    ])
    expect(refused({ selectors: ['not a selector at all'] })).toEqual(['/filter/selectors/0'])
    expect(refused({ selectors: [{ selector: '081-234-5678', kind: 'shoe_size' }] })).toEqual(['/filter/selectors/0'])
    expect(refused({ selectors: Array(51).fill('081-234-5678') })).toEqual(['/filter/selectors'])
  })
})
