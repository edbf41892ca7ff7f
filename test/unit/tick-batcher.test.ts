// tickBatcher: items pushed in the same turn of the event loop share one call; max and distinct
// split batches; with isolateFailures one bad item fails alone.
import { describe, expect, it } from 'vitest'
import { tickBatcher } from '../../src/db/tick-batcher.js'

describe('tickBatcher', () => {
  it('runs items pushed in one turn as one batch, answering each with its own result', async () => {
    const calls: number[][] = []
    const b = tickBatcher(async (xs: readonly number[]) => {
      calls.push([...xs])
      return xs.map((x) => x * 10)
    })
    const first = await Promise.all([1, 2, 3].map((x) => b.push(x)))
    const second = await b.push(4)
    expect(first).toEqual([10, 20, 30])
    expect(second).toBe(40)
    expect(calls).toEqual([[1, 2, 3], [4]])
  })

  it('caps a batch at max and keeps items with the same key in separate batches, in order', async () => {
    const calls: string[][] = []
    const b = tickBatcher(async (xs: readonly string[]) => (calls.push([...xs]), xs.map(() => true)), {
      max: 2,
      distinct: (x) => x.split('#')[0]!,
    })
    await Promise.all(['KR#1', 'KR#2', 'TH#1', 'VN#1', 'LA#1'].map((x) => b.push(x)))
    expect(calls).toEqual([['KR#1', 'TH#1'], ['KR#2', 'VN#1'], ['LA#1']])
  })

  it('with isolateFailures, retries each item alone so only the bad one fails', async () => {
    const calls: number[][] = []
    const b = tickBatcher(
      async (xs: readonly number[]) => {
        calls.push([...xs])
        if (xs.includes(13)) throw new Error('unlucky')
        return xs.map((x) => x + 1)
      },
      { isolateFailures: true },
    )
    const results = await Promise.allSettled([12, 13, 14].map((x) => b.push(x)))
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([13, 'unlucky', 15])
    expect(calls[0]).toEqual([12, 13, 14])
    expect(calls.slice(1).sort()).toEqual([[12], [13], [14]])
  })

  it('without isolateFailures, a failed batch fails every item in it', async () => {
    const b = tickBatcher(async (): Promise<number[]> => {
      throw new Error('database unavailable')
    })
    const results = await Promise.allSettled([1, 2].map((x) => b.push(x)))
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
  })
})
