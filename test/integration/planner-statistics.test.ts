import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isPostgres } from '../../src/db/knex.js'
import { runMaintenance } from '../../src/jobs/maintenance.js'
import { createTestContext, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

/** How many rows the planner believes the requests table holds, or null if it has never looked. */
async function plannedRequestRows(): Promise<number | null> {
  const db = ctx.services.db
  if (isPostgres(db)) {
    const result = await db.raw<{ rows: { reltuples: number }[] }>(
      `select c.reltuples from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relname = 'rights_requests' and n.nspname = current_schema()`,
    )
    const tuples = Number(result.rows[0]?.reltuples ?? -1)
    return tuples < 0 ? null : tuples
  }
  const exists = await db.raw<{ name: string }[]>(
    `select name from sqlite_master where type = 'table' and name = 'sqlite_stat1'`,
  )
  if (exists.length === 0) return null
  const rows = await db.raw<{ stat: string }[]>(
    `select stat from sqlite_stat1 where tbl = 'rights_requests' and idx = 'rights_requests_queue_idx'`,
  )
  // The first number of an index's statistics is the rows it covers.
  return rows[0] ? Number(rows[0].stat.split(' ')[0]) : null
}

describe('maintenance keeps the query planner informed', () => {
  it('refreshes the statistics after its changes, so they count the rows now held', async () => {
    for (const email of ['a@example.org', 'b@example.org', 'c@example.org']) {
      await fileConfirmedRequest(ctx, { email })
    }
    const before = await plannedRequestRows()
    expect(before === null || before === 0).toBe(true)

    const report = await runMaintenance(ctx.services)

    expect(report.statisticsRefreshed).toBe(true)
    expect(await plannedRequestRows()).toBe(3)
  })
})
