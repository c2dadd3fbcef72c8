import { describe, expect, it } from 'vitest'
import { pacedBatches } from '../../src/db/batches.js'

/** A job of `batches` batches, each taking `took[i]` on a fake clock; the rests it asked for. */
async function pace(took: number[], share: number, signal?: AbortSignal) {
  let now = 0
  const rests: number[] = []
  let ran = 0
  await pacedBatches(
    () => {
      now += took[ran] ?? 0
      ran++
      return Promise.resolve(ran < took.length)
    },
    {
      share,
      clock: () => now,
      rest: (ms) => {
        rests.push(ms)
        now += ms
        return Promise.resolve()
      },
      ...(signal ? { signal } : {}),
    },
  )
  return { ran, rests, elapsed: now }
}

describe('paced batches', () => {
  it('rest after each batch but the last, so the work takes its share of the time', async () => {
    const { ran, rests, elapsed } = await pace([10, 30, 20], 0.25)
    expect(ran).toBe(3)
    expect(rests).toEqual([30, 90])
    // 60 of work in 180: a quarter, counting the last batch, which needs no rest after it.
    expect(elapsed).toBe(180)
  })

  it('never rest at a full share, and never rest after the only batch', async () => {
    expect((await pace([10, 10], 1)).rests).toEqual([])
    expect((await pace([10], 0.1)).rests).toEqual([])
  })

  it('stop between batches once aborted, and start none when aborted already', async () => {
    const stopping = new AbortController()
    let ran = 0
    await pacedBatches(
      () => {
        ran++
        if (ran === 2) stopping.abort()
        return Promise.resolve(true)
      },
      { share: 0.5, signal: stopping.signal, rest: () => Promise.resolve() },
    )
    expect(ran).toBe(2)
    expect((await pace([10, 10], 0.5, AbortSignal.abort())).ran).toBe(0)
  })

  it('wake from a rest at once when aborted', async () => {
    const stopping = new AbortController()
    const started = performance.now()
    let ran = 0
    const job = pacedBatches(
      async () => {
        ran++
        await new Promise((resolve) => setTimeout(resolve, 20))
        return true
      },
      // 20 ms of work at a 1% share asks for a rest of about 2 s.
      { share: 0.01, signal: stopping.signal },
    )
    await new Promise((resolve) => setTimeout(resolve, 60))
    stopping.abort()
    await job
    expect(ran).toBe(1)
    expect(performance.now() - started).toBeLessThan(1_000)
  })
})
