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
import { addDays, londonDate, responseDeadline } from '../../src/domain/clock.js'
import { requestTypes, type RequestType } from '../../src/domain/request-types.js'
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

export interface RequestMix {
  /** Confirmed requests, open and closed. */
  confirmed: number
  /** Of them, still open (received, or paused waiting for the person). */
  open: number
  /** Besides them, requests never confirmed: the newest still awaiting confirmation, the rest closed as unverified. */
  unconfirmed: number
  /** Staff users the requests are assigned to, made here. */
  staff: number
}

/** The mix of a register of `confirmed` requests, in the proportions of a million over four years. */
export function requestMixOf(confirmed: number): RequestMix {
  return {
    confirmed,
    open: Math.round((confirmed * 48_694) / 1_000_000),
    unconfirmed: Math.round(confirmed / 100),
    staff: 5,
  }
}

/** Whether the k-th of m rows is one of n picked evenly among them. */
const pickedEvenly = (k: number, n: number, m: number) =>
  m > 0 && k >= 0 && k < m && Math.floor(((k + 1) * n) / m) > Math.floor((k * n) / m)

const dayMs = 86_400_000

/**
 * Rights requests received evenly from December 2022 to the end of November 2026, in both studies,
 * of all seven types: `open` of the confirmed are open, most of them among the newest (some paused
 * for clarification, identity or a fee) and a tenth long overdue; the rest closed as completed
 * (fulfilled, partly fulfilled, no data held), refused, withdrawn or duplicate. Deadlines are the
 * portal's own (`responseDeadline`); three in four requests are assigned to one of the `staff`
 * users, the others unassigned. References count up within each year, as the portal gives them.
 * Returns the staff users' ids, in the order they were made.
 */
export async function generateRequests(
  db: Knex,
  studies: { closed: string; running: string },
  mix: RequestMix,
): Promise<{ staffIds: string[] }> {
  const { confirmed, open, unconfirmed } = mix
  if (
    ![confirmed, open, unconfirmed, mix.staff].every((n) => Number.isInteger(n) && n >= 0) ||
    open > confirmed
  )
    throw new Error('A request mix counts whole requests, with no more open than confirmed')
  const createdAt = '2022-11-01T09:00:00.000Z'
  const staffIds = Array.from({ length: mix.staff }, () => newId())
  await insertMany(db, 'staff_users', mix.staff, (i) => ({
    id: staffIds[i],
    email: `caseworker${i + 1}@bench.test`,
    display_name: `Caseworker ${i + 1}`,
    role: 'dpo',
    created_at: createdAt,
    updated_at: createdAt,
  }))
  const first = Date.parse('2022-12-01T00:00:00Z')
  const span = Date.parse('2026-12-01T00:00:00Z') - first
  const receivedAtOf = (i: number, of: number) => new Date(first + Math.floor(((i + 0.5) * span) / of))
  // Nine in ten open requests are among the newest, four in five of those rows open; the rest are
  // spread over the older ones, long overdue.
  const recentOpen = Math.round(open * 0.9)
  const olderOpen = open - recentOpen
  const recentRows = Math.min(confirmed - olderOpen, Math.round(recentOpen * 1.25))
  const olderRows = confirmed - recentRows
  const isOpenRow = (i: number) =>
    i < olderRows
      ? pickedEvenly(i, olderOpen, olderRows)
      : pickedEvenly(i - olderRows, recentOpen, recentRows)
  const numbers = new Map<string, number>()
  let openSoFar = 0
  const ids: string[] = []
  const hmac = (i: number) => createHash('sha256').update(`requester${i}`).digest('hex')
  const staffOf = (i: number) => (i % 4 === 3 || staffIds.length === 0 ? null : staffIds[i % staffIds.length])

  await insertMany(db, 'rights_requests', confirmed, (i) => {
    const at = receivedAtOf(i, confirmed)
    const receivedAt = at.toISOString()
    const receivedOn = londonDate(at)
    const year = receivedOn.slice(0, 4)
    const number = (numbers.get(year) ?? 0) + 1
    numbers.set(year, number)
    const id = newId()
    ids.push(id)
    const type = requestTypes[(i * 5 + Math.floor(i / 7)) % requestTypes.length] as RequestType
    const extended = i % 50 === 0
    const deadline = responseDeadline({ start: receivedOn, extended })
    const row = {
      id,
      study_id: i % 3 === 0 ? studies.closed : studies.running,
      reference: `DSR-${year}-${String(number).padStart(5, '0')}`,
      type,
      channel: i % 20 === 0 ? 'staff' : 'web',
      email: `requester${i}@example.org`,
      email_hmac: hmac(i),
      requester_name: `Requester ${i}`,
      details: '{}',
      received_at: receivedAt,
      received_on: receivedOn,
      confirmed_at: receivedAt,
      clock_start_on: receivedOn,
      due_on: deadline.due,
      extended,
      extended_due_on: extended ? deadline.due : null,
      extension_reason: extended ? 'The request is complex.' : null,
      paused_days: 0,
      assignee_id: staffOf(i),
      record_snapshot: JSON.stringify({ state: 'retained' }),
      version: 2,
      created_at: receivedAt,
      updated_at: receivedAt,
    }
    if (isOpenRow(i)) {
      const nth = openSoFar++ % 25
      const pause = nth === 0 ? 'clarification' : nth === 1 ? 'identity' : nth === 2 ? 'fee' : null
      if (!pause) return { ...row, status: 'received' }
      const status = {
        clarification: 'awaiting_clarification',
        identity: 'awaiting_identity',
        fee: 'awaiting_fee',
      }[pause]
      return { ...row, status, pause_kind: pause, paused_since: addDays(receivedOn, 3) }
    }
    const closedAt = new Date(at.getTime() + (3 + (i % 25)) * dayMs).toISOString()
    const kind = i % 20
    const closing =
      kind < 12
        ? { status: 'completed', close_reason: 'completed', outcome: 'fulfilled' }
        : kind < 14
          ? { status: 'completed', close_reason: 'completed', outcome: 'partly_fulfilled' }
          : kind < 16
            ? { status: 'completed', close_reason: 'completed', outcome: 'no_data_held' }
            : kind < 17
              ? { status: 'refused', close_reason: 'refused', outcome_reason: 'Manifestly unfounded.' }
              : kind < 19
                ? { status: 'withdrawn', close_reason: 'withdrawn' }
                : // A duplicate of a request received a little earlier, already stored.
                  i >= 1000
                  ? { status: 'duplicate', close_reason: 'duplicate', duplicate_of: ids[i - 1000] }
                  : { status: 'withdrawn', close_reason: 'withdrawn' }
    return { ...row, ...closing, closed_at: closedAt, updated_at: closedAt, version: 3 }
  })

  // Not confirmed: spread over the same years, the newest of them still awaiting confirmation.
  const awaiting = Math.ceil(unconfirmed / 10)
  await insertMany(db, 'rights_requests', unconfirmed, (i) => {
    const at = receivedAtOf(i, unconfirmed)
    const receivedAt = at.toISOString()
    const waiting = i >= unconfirmed - awaiting
    return {
      id: newId(),
      study_id: i % 3 === 0 ? studies.closed : studies.running,
      reference: null,
      type: requestTypes[i % requestTypes.length],
      status: waiting ? 'unconfirmed' : 'unverified',
      channel: 'web',
      email: `unconfirmed${i}@example.org`,
      email_hmac: createHash('sha256').update(`unconfirmed${i}`).digest('hex'),
      requester_name: `Unconfirmed ${i}`,
      details: '{}',
      received_at: receivedAt,
      received_on: londonDate(at),
      paused_days: 0,
      closed_at: waiting ? null : new Date(at.getTime() + 7 * dayMs).toISOString(),
      close_reason: waiting ? null : 'unverified',
      version: 1,
      created_at: receivedAt,
      updated_at: receivedAt,
    }
  })
  // Each year's references continue after the generated ones.
  for (const [year, last] of numbers) {
    await db('reference_counters')
      .insert({ year: Number(year), last_number: last })
      .onConflict('year')
      .merge()
  }
  return { staffIds }
}
