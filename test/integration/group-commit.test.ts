import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { groupCommit } from '../../src/db/group-commit.js'
import { TooManyRequestsError } from '../../src/errors.js'
import { rateLimiter } from '../../src/web/rate-limit.js'
import { createTestContext, type TestContext } from '../helpers/context.js'

let ctx: TestContext

beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
  await ctx.services.db.schema.createTable('notes', (table) => {
    table.string('id').primary()
  })
})
afterEach(async () => {
  await ctx.destroy()
})

/** Top-level transactions begun while `work` runs (savepoints not counted). */
async function transactionsDuring(work: () => Promise<unknown>): Promise<number> {
  let begun = 0
  const count = (query: { sql: string }) => {
    if (/^begin\b/i.test(query.sql.trim())) begun++
  }
  ctx.services.db.on('query', count)
  try {
    await work()
  } finally {
    ctx.services.db.off('query', count)
  }
  return begun
}

const notes = async () =>
  (await ctx.services.db('notes').select('id').orderBy('id')).map((row: { id: string }) => row.id)

describe('group commit', () => {
  it('writes work asked for together in one transaction, each caller getting its own result', async () => {
    const commits = groupCommit(ctx.services.db)
    let results: string[] = []
    const transactions = await transactionsDuring(async () => {
      results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          commits.run(async (trx) => {
            await trx('notes').insert({ id: `note-${i}` })
            return `done ${i}`
          }),
        ),
      )
    })
    expect(transactions).toBe(1)
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => `done ${i}`))
    expect(await notes()).toHaveLength(10)
  })

  it('undoes only the writes of work that throws, and only its caller hears of it', async () => {
    const commits = groupCommit(ctx.services.db)
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'c'].map((id) =>
        commits.run(async (trx) => {
          await trx('notes').insert({ id })
          if (id === 'b') throw new Error('refused')
          return id
        }),
      ),
    )
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'refused' })
    expect(await notes()).toEqual(['a', 'c'])
  })

  it('keeps work asked for during a write for the next group, and answers each only after its commit', async () => {
    const commits = groupCommit(ctx.services.db)
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    let firstAnswered = false
    const transactions = await transactionsDuring(async () => {
      const first = commits
        .run(async (trx) => {
          await trx('notes').insert({ id: 'first' })
          await held
        })
        .then(() => (firstAnswered = true))
      await new Promise((resolve) => setTimeout(resolve, 20))
      const second = commits.run((trx) => trx('notes').insert({ id: 'second' }))
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(firstAnswered).toBe(false)
      release()
      await Promise.all([first, second])
    })
    expect(transactions).toBe(2)
    expect(await notes()).toEqual(['first', 'second'])
  })

  it('caps a group, so a flood is written in several bounded transactions', async () => {
    const commits = groupCommit(ctx.services.db, { groupLimit: 4 })
    const transactions = await transactionsDuring(() =>
      Promise.all(
        Array.from({ length: 10 }, (_, i) => commits.run((trx) => trx('notes').insert({ id: `n${i}` }))),
      ),
    )
    expect(transactions).toBe(3)
    expect(await notes()).toHaveLength(10)
  })

  it('counts rate limits in the same commit: a submission over its limit stores nothing', async () => {
    const commits = groupCommit(ctx.services.db)
    const limiter = rateLimiter(ctx.services.db, ctx.services.now)
    const rule = { limit: 3, windowSeconds: 3600 }
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        commits.run(async (trx) => {
          await limiter.consume([{ key: 'test:burst', rule }], trx)
          await trx('notes').insert({ id: `sent-${i}` })
        }),
      ),
    )
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3)
    for (const refused of outcomes.filter((o) => o.status === 'rejected'))
      expect(refused.reason).toBeInstanceOf(TooManyRequestsError)
    expect(await notes()).toEqual(['sent-0', 'sent-1', 'sent-2'])
    const counter = await ctx.services.db('rate_limit_counters').where({ key: 'test:burst' }).first()
    expect(Number(counter.hits)).toBe(3)
  })
})
