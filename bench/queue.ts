/**
 * How fast the DPO's queue answers over a large register: generates N confirmed requests (four
 * years of them, about 4.9% open, the rest closed, plus 1% never confirmed), starts the portal on a
 * real port, signs in a DPO through the login form, then asks for every tab, filter and a deep
 * keyset page in turn, each request alternating with a baseline: the same signed-in member of
 * staff's account page, which reads nothing about requests. Prints p50/p95 of each and the ratio.
 *
 *   npm run -s bench:queue -- [N] [rounds]            (100,000 requests, 30 rounds per case)
 *   BENCH_DATABASE=postgres npm run -s bench:queue -- … (on the PostgreSQL server of TEST_DATABASE_URL)
 *
 * A fill of 100,000 requests or more is kept between runs (a SQLite file, or a PostgreSQL database
 * named after its size) and each run works on a copy of it, migrated to the current schema. The
 * planner's statistics are refreshed once, as the nightly maintenance does.
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import knexFactory, { type Knex } from 'knex'
import request from 'supertest'
import { hashPassword } from '../src/accounts/passwords.js'
import { createApp } from '../src/app.js'
import { createDb } from '../src/db/knex.js'
import { migrateLatest } from '../src/db/migrate.js'
import { refreshPlannerStatistics } from '../src/db/statistics.js'
import { encodePageCursor } from '../src/web/keyset-cursor.js'
import { benchServices } from './lib/services.js'
import { benchDatabase, benchStudies, generateRequests, requestMixOf } from './lib/generate.js'

const total = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 30)
if (![total, rounds].every((n) => Number.isInteger(n) && n >= 1))
  throw new Error('Usage: bench/queue.ts [confirmed requests] [rounds per case]')
const usePostgres = process.env.BENCH_DATABASE === 'postgres'
/** Fills this size or larger are kept between runs; smaller ones take seconds to make again. */
const keptFrom = 100_000
const fillVersion = 'v1'
const password = 'a long passphrase for the queue benchmark'
const signedInEmail = 'caseworker1@bench.test'

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1)

/** Generates the register into a fresh migrated database, with a password for the first caseworker. */
async function fill(db: Knex): Promise<void> {
  const started = performance.now()
  const studies = await benchStudies(db)
  const { staffIds } = await generateRequests(db, studies, requestMixOf(total))
  await db('staff_users')
    .where({ id: staffIds[0] })
    .update({ password_hash: await hashPassword(password) })
  console.log(`Filled ${total.toLocaleString('en-GB')} confirmed requests in ${seconds(started)} s`)
}

/** A database holding the register, for this run alone. */
async function database(dir: string): Promise<{ db: Knex; kind: string; close(): Promise<void> }> {
  const kept = total >= keptFrom
  if (!kept) {
    const fresh = await benchDatabase('queue', dir)
    await fill(fresh.db)
    return fresh
  }
  const name = `queue-${total}-${fillVersion}`
  if (!usePostgres) {
    const cacheDir = path.join(tmpdir(), 'rights-portal-bench')
    const cached = path.join(cacheDir, `${name}.sqlite`)
    if (!existsSync(cached)) {
      await mkdir(cacheDir, { recursive: true })
      const filling = `${cached}.${process.pid}.filling`
      const db = createDb({ client: 'sqlite', filename: filling })
      try {
        await migrateLatest(db)
        await fill(db)
        // Back to a single file, so a copy carries everything.
        await db.raw('pragma journal_mode = delete')
      } finally {
        await db.destroy()
      }
      await rename(filling, cached)
    }
    const file = path.join(dir, 'portal.sqlite')
    await copyFile(cached, file)
    const db = createDb({ client: 'sqlite', filename: file })
    return { db, kind: 'SQLite', close: () => db.destroy() }
  }
  const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
  const admin = knexFactory({ client: 'pg', connection: server.toString(), pool: { min: 0, max: 1 } })
  const template = `bench_${name.replaceAll('-', '_')}`
  const exists = await admin<{ datname: string }>('pg_database').where({ datname: template }).first('datname')
  if (!exists) {
    const filling = `${template}_filling_${process.pid}`
    await admin.raw('create database ??', [filling])
    const url = new URL(server)
    url.pathname = `/${filling}`
    const db = createDb({ client: 'postgres', connectionString: url.toString() })
    try {
      await migrateLatest(db)
      await fill(db)
    } finally {
      await db.destroy()
    }
    await admin.raw('alter database ?? rename to ??', [filling, template])
  }
  const run = `bench_queue_run_${process.pid}`
  await admin.raw('create database ?? template ??', [run, template])
  const url = new URL(server)
  url.pathname = `/${run}`
  const db = createDb({ client: 'postgres', connectionString: url.toString() })
  return {
    db,
    kind: 'PostgreSQL',
    async close() {
      await db.destroy()
      await admin.raw('drop database ??', [run])
      await admin.destroy()
    },
  }
}

const dir = await mkdtemp(path.join(tmpdir(), 'queue-bench-'))
const database_ = await database(dir)
const { db, kind } = database_
const listening: { close(callback: () => void): void }[] = []
try {
  // A kept fill is brought up to the current schema first, then analysed as maintenance would.
  await migrateLatest(db)
  const analysing = performance.now()
  await refreshPlannerStatistics(db)
  console.log(`Planner statistics refreshed in ${seconds(analysing)} s`)
  const services = benchServices(db, dir, { env: { PUBLIC_URL: 'http://127.0.0.1' } })
  const server = createApp(services).listen(0, '127.0.0.1')
  listening.push(server)
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const agent = request.agent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)

  const login = await agent.get('/staff/login')
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1] ?? ''
  const signedIn = await agent
    .post('/staff/login')
    .type('form')
    .send({ _csrf: csrf, email: signedInEmail, password })
  if (signedIn.status !== 303) throw new Error(`Sign-in failed with ${signedIn.status}`)

  // Deep pages: the cursor of the row a long way into a tab, as the page before it would link.
  const open = ['received', 'awaiting_clarification', 'awaiting_identity', 'awaiting_fee']
  const openCount = Number((await db('rights_requests').whereIn('status', open).count({ n: '*' }))[0]?.n)
  const deepOpen = Math.floor(openCount * 0.8)
  const openRow = await db('rights_requests')
    .whereIn('status', open)
    .orderBy([{ column: 'due_on' }, { column: 'id' }])
    .offset(deepOpen)
    .first<{ id: string; due_on: string }>('id', 'due_on')
  const closed = ['completed', 'refused', 'withdrawn', 'duplicate']
  const deepClosed = Math.floor(total * 0.5)
  const closedRow = await db('rights_requests')
    .whereIn('status', closed)
    .orderBy([
      { column: 'received_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .offset(deepClosed)
    .first<{ id: string; received_at: string }>('id', 'received_at')
  if (!openRow || !closedRow) throw new Error('The register is too small for deep pages')
  const after = (key: string, id: string, sort: string, at: number) => encodePageCursor({ key, id, sort, at })

  const cases: [string, string][] = [
    ['open, first page (due soonest)', 'tab=open'],
    ['open, received newest', 'tab=open&sort=received-desc'],
    ['open, reference', 'tab=open&sort=reference-asc'],
    ['open, type', 'tab=open&type=erasure'],
    ['open, study', 'tab=open&study=bench-running'],
    ['open, mine', 'tab=open&assignee=mine'],
    ['open, unassigned', 'tab=open&assignee=unassigned'],
    ['open, due soon', 'tab=open&due=soon'],
    ['open, overdue', 'tab=open&due=overdue'],
    ['open, type + overdue', 'tab=open&type=access&due=overdue'],
    ['open, study + type + unassigned', 'tab=open&study=bench-running&type=objection&assignee=unassigned'],
    [
      'open, received in a quarter',
      'tab=open&from-day=1&from-month=9&from-year=2026&to-day=30&to-month=11&to-year=2026',
    ],
    [
      `open, page at row ${deepOpen.toLocaleString('en-GB')}`,
      `tab=open&after=${after(openRow.due_on, openRow.id, 'due-asc', deepOpen)}`,
    ],
    ['closed, first page (newest)', 'tab=closed'],
    ['closed, reference', 'tab=closed&sort=reference-asc'],
    ['closed, oldest', 'tab=closed&sort=received-asc'],
    ['closed, type', 'tab=closed&type=portability'],
    ['closed, study + mine', 'tab=closed&study=bench-running&assignee=mine'],
    [
      'closed, received in a quarter',
      'tab=closed&from-day=1&from-month=1&from-year=2024&to-day=31&to-month=3&to-year=2024',
    ],
    [
      `closed, page at row ${deepClosed.toLocaleString('en-GB')}`,
      `tab=closed&after=${after(closedRow.received_at, closedRow.id, 'received-desc', deepClosed)}`,
    ],
    ['not confirmed', 'tab=unconfirmed'],
    ['not confirmed, type', 'tab=unconfirmed&type=restriction'],
  ]

  async function timed(url: string): Promise<number> {
    const started = performance.now()
    const res = await agent.get(url)
    const ms = performance.now() - started
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
    return ms
  }
  const baselineUrl = '/staff/account'
  const percentile = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b)
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0
  }
  console.log(
    `${total.toLocaleString('en-GB')} confirmed requests (${openCount.toLocaleString('en-GB')} open), ${kind}, ` +
      `${rounds} rounds per case, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ` +
      `load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  )
  console.log(`Baseline: the signed-in account page (${baselineUrl}), alternating with each case`)
  const worst = { p95: 0, name: '' }
  for (const [name, query] of cases) {
    const url = `/staff/requests?${query}`
    // Warm: the first answer of each page pays for templates and caches, not for the query.
    await timed(url)
    await timed(baselineUrl)
    const product: number[] = []
    const baseline: number[] = []
    for (let round = 0; round < rounds; round++) {
      if (round % 2) {
        baseline.push(await timed(baselineUrl))
        product.push(await timed(url))
      } else {
        product.push(await timed(url))
        baseline.push(await timed(baselineUrl))
      }
    }
    const [p50, p95, b50, b95] = [
      percentile(product, 50),
      percentile(product, 95),
      percentile(baseline, 50),
      percentile(baseline, 95),
    ]
    if (p95 > worst.p95) Object.assign(worst, { p95, name })
    console.log(
      `${name.padEnd(40)} p50/p95 ${p50.toFixed(1).padStart(7)} /${p95.toFixed(1).padStart(7)} ms   ` +
        `baseline ${b50.toFixed(1).padStart(5)} /${b95.toFixed(1).padStart(6)} ms   ratio ${(p50 / b50).toFixed(1)}× / ${(p95 / b95).toFixed(1)}×`,
    )
  }
  console.log(`Slowest p95: ${worst.name}, ${worst.p95.toFixed(1)} ms; load ${loadavg()[0]?.toFixed(2)}`)
} finally {
  await Promise.all(listening.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  await database_.close()
  await rm(dir, { recursive: true, force: true })
}
