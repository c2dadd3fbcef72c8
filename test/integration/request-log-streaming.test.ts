import { once } from 'node:events'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Knex } from 'knex'
import type { StaffUser } from '../../src/domain/staff-user.js'
import { reportsService } from '../../src/reports/service.js'
import { createTestContext, type TestContext } from '../helpers/context.js'
import { requestRow } from '../helpers/request-rows.js'
import { signedInAgent } from '../helpers/staff.js'
import { usingPostgres } from '../helpers/db.js'

/**
 * The export must stream: a page of rows at a time from the database, written as the client reads.
 * These tests check it by what the database is asked, never by how long anything takes.
 */
const many = 50_000
const start = Date.parse('2026-01-05T09:00:00Z')

let ctx: TestContext
let auditor: StaffUser
let cookie: string

/** Counts the export's page queries (they read by received_at with a limit) and their sizes. */
function watchPages(ctx: TestContext) {
  const sizes: number[] = []
  const onResponse = (response: unknown, query: { method?: string; sql?: string }) => {
    if (
      query.method === 'select' &&
      /received_at/.test(query.sql ?? '') &&
      /\blimit\b/.test(query.sql ?? '')
    ) {
      sizes.push(Array.isArray(response) ? response.length : 0)
    }
  }
  ctx.services.db.on('query-response', onResponse)
  return {
    sizes,
    stop: () => ctx.services.db.removeListener('query-response', onResponse),
  }
}

beforeAll(async () => {
  ctx = await createTestContext({ now: '2026-09-01T09:00:00Z' })
  const studyId = (await ctx.services.studies.listAll())[0]!.id
  const rows = Array.from({ length: many }, (_, i) =>
    requestRow(studyId, {
      reference: `DSR-2026-${String(i + 1).padStart(6, '0')}`,
      type: i % 3 === 0 ? 'erasure' : 'access',
      receivedAt: new Date(start + i * 300_000).toISOString(),
      ...(i % 2 === 0
        ? {
            status: 'completed',
            outcome: 'fulfilled',
            closedAt: new Date(start + i * 300_000 + 86_400_000 * 10).toISOString(),
          }
        : {}),
    }),
  )
  await ctx.services.db.batchInsert('rights_requests', rows, 500)
  const signedIn = await signedInAgent(ctx, 'auditor')
  auditor = signedIn.user
  const page = await signedIn.agent.get('/staff/exports')
  cookie = page.request.cookies
}, 120_000)

afterAll(async () => {
  await ctx.destroy()
})

describe('a large request log export', () => {
  it('streams every row to the client, a thousand at a time, the first before the last page is read', async () => {
    const server = ctx.app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const pages = watchPages(ctx)
    try {
      const { port } = server.address() as AddressInfo
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/staff/exports/requests.csv',
        headers: { cookie },
      })
      req.end()
      const [res] = (await once(req, 'response')) as [IncomingMessage]
      expect(res.statusCode).toBe(200)
      let pagesReadAtFirstChunk: number | undefined
      let lines = 0
      let bytes = 0
      for await (const chunk of res as AsyncIterable<Buffer>) {
        pagesReadAtFirstChunk ??= pages.sizes.length
        bytes += chunk.length
        for (const byte of chunk) if (byte === 0x0a) lines += 1
      }
      expect(lines).toBe(many + 1)
      expect(bytes).toBeGreaterThan(many * 100)
      expect(Math.max(...pages.sizes)).toBe(1000)
      expect(pages.sizes.length).toBe(many / 1000 + 1)
      expect(pagesReadAtFirstChunk).toBeLessThan(pages.sizes.length)
    } finally {
      pages.stop()
      server.close()
    }
  }, 60_000)

  it.skipIf(usingPostgres)(
    'reads every page off the received index, never sorting the matches again',
    async () => {
      const queries: { sql: string; bindings: readonly Knex.RawBinding[] }[] = []
      const onQuery = (query: { method?: string; sql: string; bindings: readonly Knex.RawBinding[] }) => {
        if (query.method === 'select' && /received_at/.test(query.sql) && /\blimit\b/.test(query.sql))
          queries.push(query)
      }
      ctx.services.db.on('query', onQuery)
      try {
        const reports = reportsService({ db: ctx.services.db, now: ctx.services.now, batchSize: 5_000 })
        for (const filters of [{ status: 'completed' as const }, { type: 'erasure' as const }, {}]) {
          const job = await reports.exportRequestLog(auditor, { format: 'csv', filters })
          await job.writeTo(new Writable({ write: (_chunk, _encoding, callback) => callback() }))
        }
        await reports.dashboard({})
      } finally {
        ctx.services.db.removeListener('query', onQuery)
      }
      expect(queries.length).toBeGreaterThan(10)
      for (const query of queries) {
        const plan: { detail: string }[] = await ctx.services.db.raw(
          `explain query plan ${query.sql}`,
          query.bindings,
        )
        const steps = plan.map((step) => step.detail).join('; ')
        expect(steps).toContain('rights_requests_received_idx')
        expect(steps).not.toContain('TEMP B-TREE')
      }
    },
  )

  it('stops reading the database when the client goes away', async () => {
    const server = ctx.app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const pages = watchPages(ctx)
    try {
      const { port } = server.address() as AddressInfo
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/staff/exports/requests.ndjson',
        headers: { cookie },
      })
      req.end()
      const [res] = (await once(req, 'response')) as [IncomingMessage]
      await once(res, 'data')
      req.destroy()
      let seen = -1
      while (seen !== pages.sizes.length) {
        seen = pages.sizes.length
        await new Promise((resolve) => setTimeout(resolve, 150))
      }
      expect(pages.sizes.length).toBeLessThan(many / 1000 / 2)
      // The server carries on serving.
      const again = await fetch(`http://127.0.0.1:${port}/staff/dashboard`, { headers: { cookie } })
      expect(again.status).toBe(200)
    } finally {
      pages.stop()
      server.close()
    }
  }, 60_000)

  it('stops reading the database while the client is not reading (backpressure)', async () => {
    const reports = reportsService({ db: ctx.services.db, now: ctx.services.now, batchSize: 100 })
    const job = await reports.exportRequestLog(auditor, {
      format: 'ndjson',
      filters: { receivedTo: '2026-01-20' },
    })
    expect(job.rows).toBe(4_500)
    let release = () => {}
    const stalled = new Promise<void>((resolve) => (release = resolve))
    let written = 0
    // A client that takes the first chunk and then stops reading until released.
    const slowClient = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length
        if (written === chunk.length) void stalled.then(() => callback())
        else callback()
      },
    })
    const pages = watchPages(ctx)
    try {
      const done = job.writeTo(slowClient)
      // Wait until the export has read as far ahead as it will: no new page for a while.
      let seen = -1
      while (seen !== pages.sizes.length) {
        seen = pages.sizes.length
        await new Promise((resolve) => setTimeout(resolve, 150))
      }
      const readWhileStalled = pages.sizes.length
      expect(readWhileStalled).toBeGreaterThan(0)
      expect(readWhileStalled).toBeLessThanOrEqual(10)
      release()
      await done
      expect(pages.sizes.length).toBe(4_500 / 100 + 1)
      expect(Math.max(...pages.sizes)).toBe(100)
    } finally {
      pages.stop()
    }
  }, 60_000)
})
