/**
 * How long the retention sweep takes over a large register: builds N email records of which D are
 * due (their study's survey closed in 2021; the rest are in a study still running), with 1% of the
 * due frozen by an open request and 1% restricted, then alternates the portal's sweep with a
 * baseline on a fresh copy each time. The baseline is the data layer alone doing the least a sweep
 * must write: the same records read in id order, and each due one's erasure written with one event
 * row (no retention rules, no hash chain, no freeze check), a thousand per transaction.
 *
 *   npm run -s bench:sweep -- [N] [D] [rounds]            (100,000, a tenth of N, 2)
 *   BENCH_DATABASE=postgres npm run -s bench:sweep -- …   (on the PostgreSQL server of TEST_DATABASE_URL)
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import knexFactory, { type Knex } from 'knex'
import { createDb } from '../src/db/knex.js'
import { newId } from '../src/security/tokens.js'
import { benchServices } from './lib/services.js'
import { benchDatabase, benchStudies, generateRecords } from './lib/generate.js'

const total = Number(process.argv[2] ?? 100_000)
const due = Number(process.argv[3] ?? Math.round(total / 10))
const rounds = Number(process.argv[4] ?? 2)
if (![total, due, rounds].every((n) => Number.isInteger(n) && n >= 1) || due > total)
  throw new Error('Usage: bench/sweep.ts [records] [of them due] [rounds]')
const frozen = Math.floor(due / 100)
const restricted = Math.floor(due / 100)
/** Long after the closed study's platform period: everything of it is due. */
const sweepAt = new Date('2024-01-08T02:00:00Z')

const dir = await mkdtemp(path.join(tmpdir(), 'sweep-bench-'))
const template = await benchDatabase('sweep', dir)
const usePostgres = template.kind === 'PostgreSQL'

/** A copy of the generated database for one run: a file copy, or a PostgreSQL template copy. */
async function copy(): Promise<{ db: Knex; close(): Promise<void> }> {
  if (!usePostgres) {
    const file = path.join(dir, `run-${newId()}.sqlite`)
    await copyFile(path.join(dir, 'portal.sqlite'), file)
    const db = createDb({ client: 'sqlite', filename: file })
    return {
      db,
      async close() {
        await db.destroy()
        await rm(file, { force: true })
        await rm(`${file}-wal`, { force: true })
        await rm(`${file}-shm`, { force: true })
      },
    }
  }
  const server = new URL(template.server?.toString() ?? '')
  const admin = knexFactory({ client: 'pg', connection: server.toString(), pool: { min: 0, max: 1 } })
  const name = `bench_sweep_run_${process.pid}_${Date.now()}`
  await admin.raw('create database ?? template ??', [name, template.database ?? ''])
  server.pathname = `/${name}`
  const db = createDb({ client: 'postgres', connectionString: server.toString() })
  return {
    db,
    async close() {
      await db.destroy()
      await admin.raw('drop database ??', [name])
      await admin.destroy()
    },
  }
}

async function product(db: Knex): Promise<{ seconds: number; erased: number }> {
  const services = benchServices(db, dir, { now: () => sweepAt })
  const started = performance.now()
  const report = await services.sweep.run()
  const seconds = (performance.now() - started) / 1000
  const expected = due - frozen - restricted
  if (report.erased !== expected) throw new Error(`The sweep erased ${report.erased}, not ${expected}`)
  return { seconds, erased: report.erased }
}

async function baseline(db: Knex, closedStudy: string): Promise<{ seconds: number; erased: number }> {
  const started = performance.now()
  const today = '2024-01-08'
  let after = ''
  let erased = 0
  for (;;) {
    const page: { id: string; study_id: string; restricted_since: string | null; version: number }[] =
      await db('email_records')
        .whereNull('erased_on')
        .where('id', '>', after)
        .orderBy('id')
        .limit(1000)
        .select('id', 'study_id', 'restricted_since', 'version')
    if (page.length === 0) break
    after = page[page.length - 1]?.id ?? after
    const ids = page
      .filter((r) => r.study_id === closedStudy && r.restricted_since === null)
      .map((r) => r.id)
      .filter((id) => Number(id.slice(4)) >= frozen)
    if (ids.length === 0) continue
    await db.transaction(async (trx) => {
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500)
        await trx('email_records')
          .whereIn('id', part)
          .update({ email: null, erased_on: today, erasure_reason: 'retention_schedule', version: 2 })
        await trx('events').insert(
          part.map((id) => ({
            id: newId(),
            occurred_at: sweepAt.toISOString(),
            actor_type: 'system',
            actor_id: 'retention-sweep',
            subject_type: 'email_record',
            subject_id: id,
            kind: 'record.erased',
            data: '{}',
            prev_hash: newId(),
            hash: newId(),
          })),
        )
      }
    })
    erased += ids.length
  }
  return { seconds: (performance.now() - started) / 1000, erased }
}

try {
  const filling = performance.now()
  const studies = await benchStudies(template.db)
  await generateRecords(template.db, studies, { total, closedStudy: due, frozen, restricted })
  if (usePostgres) await template.db.raw('analyze')
  else await template.db.raw('pragma wal_checkpoint(truncate)')
  await template.db.destroy()
  console.log(
    `${total.toLocaleString('en-GB')} records, ${due.toLocaleString('en-GB')} due (${frozen} frozen, ` +
      `${restricted} restricted), ${template.kind}, built in ${((performance.now() - filling) / 1000).toFixed(1)} s; ` +
      `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`,
  )
  const times = { portal: [] as number[], baseline: [] as number[] }
  for (let round = 1; round <= rounds; round++) {
    for (const which of round % 2 ? (['portal', 'baseline'] as const) : (['baseline', 'portal'] as const)) {
      const run = await copy()
      try {
        const result = which === 'portal' ? await product(run.db) : await baseline(run.db, studies.closed)
        times[which].push(result.seconds)
        console.log(
          `round ${round}, ${which}: ${result.seconds.toFixed(1)} s, ${result.erased.toLocaleString('en-GB')} erased ` +
            `(${Math.round(result.erased / result.seconds).toLocaleString('en-GB')}/s)`,
        )
      } finally {
        await run.close()
      }
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0
  console.log(
    `portal ${median(times.portal).toFixed(1)} s, baseline ${median(times.baseline).toFixed(1)} s, ` +
      `ratio ${(median(times.portal) / median(times.baseline)).toFixed(2)}× the baseline's time`,
  )
} finally {
  // The pool was closed after filling (a database is copied only with nobody connected); closing
  // again is harmless, and drops the PostgreSQL database.
  await template.close()
  await rm(dir, { recursive: true, force: true })
}
