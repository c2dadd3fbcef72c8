import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import express from 'express'
import knexFactory, { type Knex } from 'knex'
import pino from 'pino'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { createDb, type Db } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { healthRoutes } from '../../src/web/health.js'
import { createTestContext, type TestContext } from '../helpers/context.js'
import { freshDb, postgresUrlFor, usingPostgres } from '../helpers/db.js'

const silent = pino({ level: 'silent' })
const unavailable = { status: 'unavailable' }

describe('health endpoints of the portal', () => {
  let ctx: TestContext
  beforeEach(async () => {
    ctx = await createTestContext()
  })
  afterEach(async () => {
    await ctx.destroy()
  })

  it('answers /healthz while the process runs, without asking the database', async () => {
    await request(ctx.app).get('/healthz').expect(200, { status: 'ok' })
    await ctx.services.db.destroy()
    await request(ctx.app).get('/healthz').expect(200, { status: 'ok' })
  })

  it('is ready when the database takes writes and has every migration, and leaves nothing behind', async () => {
    const res = await request(ctx.app).get('/readyz').expect(200, { status: 'ok' })
    expect(res.headers['cache-control']).toBe('no-store')
    expect(await ctx.services.db('rate_limit_counters')).toEqual([])
  })

  it('is not ready while a migration on disk has not run', async () => {
    const latest = await ctx.services.db('knex_migrations').orderBy('id', 'desc').first<{ id: number }>()
    await ctx.services.db('knex_migrations').where({ id: latest.id }).delete()
    await request(ctx.app).get('/readyz').expect(503, unavailable)
  })

  it('is not ready, saying nothing of why, when the database cannot be reached', async () => {
    await ctx.services.db.destroy()
    const res = await request(ctx.app).get('/readyz').expect(503, unavailable)
    expect(res.text).not.toMatch(/knex|sqlite|postgres|pool|destroy/i)
  })

  it('is not ready once the portal has begun to stop', async () => {
    const stopping = createApp(ctx.services, { stopping: () => true })
    await request(stopping).get('/readyz').expect(503, unavailable)
    await request(stopping).get('/healthz').expect(200)
  })
})

/** A database the test can also open a second way (read-only, or to hold a lock). */
interface Opened {
  db: Db
  /** The SQLite file, when it is one. */
  filename?: string
  openAgain(options: { readOnly: boolean }): Knex
  destroy(): Promise<void>
}

async function openDatabase(): Promise<Opened> {
  if (usingPostgres) {
    const { db, destroy } = await freshDb()
    const result = await db.raw<{ rows: { database: string; schema: string }[] }>(
      'select current_database() as database, current_schema() as schema',
    )
    const schema = result.rows[0]?.schema ?? 'public'
    const database = result.rows[0]?.database ?? ''
    return {
      db,
      openAgain: ({ readOnly }) =>
        knexFactory({
          client: 'pg',
          connection: postgresUrlFor(database),
          searchPath: [schema],
          pool: {
            min: 0,
            max: 1,
            // As on a standby, or a database an operator has set read-only.
            afterCreate(conn: PgConnection, done: (err: Error | null, conn: PgConnection) => void) {
              if (!readOnly) return done(null, conn)
              conn.query('set default_transaction_read_only = on', (err) => done(err, conn))
            },
          },
        }),
      destroy,
    }
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'portal-health-'))
  const filename = path.join(dir, 'portal.sqlite')
  const db = createDb({ client: 'sqlite', filename })
  await migrateLatest(db)
  return {
    db,
    filename,
    openAgain: ({ readOnly }) =>
      knexFactory({
        client: 'sqlite3',
        // As SQLite opens a file it may not write to.
        connection: readOnly ? { filename: `file:${filename}?mode=ro`, flags: ['OPEN_URI'] } : { filename },
        useNullAsDefault: true,
        pool: { min: 1, max: 1 },
      }),
    async destroy() {
      await db.destroy()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

interface PgConnection {
  query(sql: string, callback: (err: Error | null) => void): void
}

function readiness(db: Knex) {
  const app = express().use(healthRoutes(db, { log: silent, stopping: () => false, readinessTimeoutMs: 300 }))
  return request(app).get('/readyz')
}

describe('readiness against the database itself', () => {
  let opened: Opened
  beforeEach(async () => {
    opened = await openDatabase()
  })
  afterEach(async () => {
    await opened.destroy()
  })

  it('is not ready on a database that refuses writes', async () => {
    await readiness(opened.db).expect(200)
    const readOnly = opened.openAgain({ readOnly: true })
    try {
      await readiness(readOnly).expect(503, unavailable)
    } finally {
      await readOnly.destroy()
    }
  })

  it('is not ready while another connection holds the write lock, and ready once it lets go', async () => {
    const other = opened.openAgain({ readOnly: false })
    const trx = await other.transaction()
    try {
      if (usingPostgres) await trx.raw('lock table rate_limit_counters in exclusive mode')
      else await trx('rate_limit_counters').insert({ key: 'held', hits: 0, resets_at: '2026-01-01' })
      await readiness(opened.db).expect(503, unavailable)
    } finally {
      await trx.rollback()
      await other.destroy()
    }
    await readiness(opened.db).expect(200)
  })

  it.skipIf(usingPostgres)('is not ready once the SQLite file it writes to has been deleted', async () => {
    await readiness(opened.db).expect(200)
    rmSync(opened.filename as string)
    await readiness(opened.db).expect(503, unavailable)
  })
})
