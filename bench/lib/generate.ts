/**
 * Data for the benchmarks at an organisation's size, built straight into a migrated database (SQLite
 * or PostgreSQL) with multi-row inserts: far faster than importing, and the same rows an import
 * would leave.
 */
import { createHash } from 'node:crypto'
import path from 'node:path'
import knexFactory, { type Knex } from 'knex'
import { createDb } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { responseDeadline } from '../../src/domain/clock.js'
import { newId } from '../../src/security/tokens.js'

/** A fresh migrated database: a SQLite file in `dir`, or a new database on the PostgreSQL server. */
export async function benchDatabase(
  name: string,
  dir: string,
): Promise<{
  db: Knex
  kind: 'SQLite' | 'PostgreSQL'
  /** PostgreSQL: the server and the new database's name, to copy it from. */
  server?: URL
  database?: string
  close(): Promise<void>
}> {
  if (process.env.BENCH_DATABASE !== 'postgres') {
    const db = createDb({ client: 'sqlite', filename: path.join(dir, 'portal.sqlite') })
    await migrateLatest(db)
    return { db, kind: 'SQLite', close: () => db.destroy() }
  }
  const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
  const database = `bench_${name}_${process.pid}`
  const admin = knexFactory({ client: 'pg', connection: server.toString(), pool: { min: 0, max: 1 } })
  await admin.raw('create database ??', [database])
  server.pathname = `/${database}`
  const db = createDb({ client: 'postgres', connectionString: server.toString() })
  await migrateLatest(db)
  server.pathname = '/'
  return {
    db,
    kind: 'PostgreSQL',
    server,
    database,
    async close() {
      await db.destroy()
      await admin.raw('drop database ??', [database])
      await admin.destroy()
    },
  }
}

/** Inserts rows a few hundred at a time, in one transaction. */
export async function insertMany(db: Knex, table: string, count: number, row: (i: number) => object) {
  const perInsert = 400
  await db.transaction(async (trx) => {
    for (let from = 0; from < count; from += perInsert) {
      const rows = []
      for (let i = from; i < Math.min(count, from + perInsert); i++) rows.push(row(i))
      await trx(table).insert(rows)
    }
  })
}

/** The first configured study, and a second whose survey is still running, copied from it. */
export async function benchStudies(db: Knex): Promise<{ closed: string; running: string }> {
  const seed = await db('studies').orderBy('created_at').first<Record<string, unknown> & { id: string }>()
  if (!seed) throw new Error('The seed study is missing')
  const running = newId()
  await db('studies').insert({ ...seed, id: running, slug: 'bench-running', survey_closes_on: '2030-08-31' })
  return { closed: seed.id, running }
}

export interface RecordMix {
  /** Records in all. */
  total: number
  /** Of them, in the study whose survey closed in 2021: all due once its platform period ran out. */
  closedStudy: number
  /** Of those, how many are frozen by an open request, and how many restricted. */
  frozen: number
  restricted: number
}

/**
 * Email records, the first `closedStudy` in the closed study (half with a voucher sent), the rest
 * in the running one; `frozen` of the closed study's have an open access request, and `restricted`
 * are under a restriction. Ids sort in insertion order, as a sweep walks them.
 */
export async function generateRecords(
  db: Knex,
  studies: { closed: string; running: string },
  mix: RecordMix,
) {
  const at = '2021-06-01T09:00:00.000Z'
  const id = (i: number) => `rec-${String(i).padStart(9, '0')}`
  const hmac = (i: number) => createHash('sha256').update(`person${i}`).digest('hex')
  await insertMany(db, 'email_records', mix.total, (i) => {
    const closed = i < mix.closedStudy
    return {
      id: id(i),
      study_id: closed ? studies.closed : studies.running,
      email: `person${i}@example.org`,
      email_hmac: hmac(i),
      participated_on: '2021-06-01',
      // The running study's vouchers went out recently, so none of them is due yet.
      voucher_sent_on: i % 2 ? (closed ? '2021-07-01' : '2023-12-01') : null,
      restricted_since: closed && i >= mix.frozen && i < mix.frozen + mix.restricted ? '2021-08-01' : null,
      restriction_ground: closed && i >= mix.frozen && i < mix.frozen + mix.restricted ? 'accuracy' : null,
      created_at: at,
      updated_at: at,
      version: 1,
    }
  })
  await insertMany(db, 'rights_requests', mix.frozen, (i) => ({
    id: newId(),
    study_id: studies.closed,
    reference: `DSR-2022-${String(i + 1).padStart(6, '0')}`,
    type: 'access',
    status: 'received',
    channel: 'web',
    email: `person${i}@example.org`,
    email_hmac: hmac(i),
    requester_name: `Person ${i}`,
    details: '{}',
    received_at: '2022-05-20T09:00:00.000Z',
    received_on: '2022-05-20',
    confirmed_at: '2022-05-20T09:00:00.000Z',
    clock_start_on: '2022-05-20',
    due_on: responseDeadline({ start: '2022-05-20' }).due,
    paused_days: 0,
    record_id: id(i),
    record_snapshot: JSON.stringify({ state: 'due_for_deletion' }),
    version: 1,
    created_at: '2022-05-20T09:00:00.000Z',
    updated_at: '2022-05-20T09:00:00.000Z',
  }))
}
