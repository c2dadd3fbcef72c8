/**
 * How fast the audit trail is verified: fills a SQLite file with N chained events of the shapes the
 * portal writes, then alternates the product's verification (`audit-verify`, which checks every hash
 * and link, a long trail in stretches side by side, and records the run), the same verification
 * walking the trail in one piece, and a baseline that reads the same rows in one piece through the
 * raw driver, writes each as canonical JSON and takes its SHA-256.
 *
 *   npm run -s bench:verify -- [N] [rounds]     (N defaults to 200,000 events, rounds to 3)
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import sqlite3 from 'sqlite3'
import { eventHash, genesisHash, type ChainedContent, type JsonValue } from '../src/audit/chain.js'
import { auditService } from '../src/audit/service.js'
import { createDb } from '../src/db/knex.js'
import { migrateLatest } from '../src/db/migrate.js'
import { newId } from '../src/security/tokens.js'
import { benchServices } from './lib/services.js'

const count = Number(process.argv[2] ?? 200_000)
const rounds = Number(process.argv[3] ?? 3)
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(rounds) || rounds < 1) {
  throw new Error('Usage: bench/audit-verify.ts [number of events] [rounds]')
}

/** Event shapes as the portal records them: a subject, a kind and a few ids or words of data. */
function sampleEvent(i: number, at: number): Omit<ChainedContent, 'prevHash'> {
  const requestId = `00000000-0000-4000-8000-${String(Math.floor(i / 4)).padStart(12, '0')}`
  const staff = { type: 'staff', id: `11111111-1111-4111-8111-${String(i % 7).padStart(12, '0')}` }
  const shapes: [string, JsonValue, { type: string; id: string | null }][] = [
    ['request.submitted', { type: 'access', channel: 'web', studyId: 's-1' }, { type: 'person', id: null }],
    ['request.confirmed', { version: 2 }, { type: 'person', id: null }],
    ['case.assigned', { assigneeId: staff.id, version: 3 }, staff],
    ['case.completed', { outcome: 'fulfilled', parts: ['data', 'whereHeld'], version: 4 }, staff],
  ]
  const [kind, data, actor] = shapes[i % shapes.length] as (typeof shapes)[number]
  return {
    id: newId(),
    occurredAt: new Date(at + i * 1000).toISOString(),
    actor,
    subject: { type: 'request', id: requestId },
    kind,
    data,
  }
}

function run<T>(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<T> {
  return new Promise((resolve, reject) =>
    db.run(sql, params, function (this: T, error: Error | null) {
      if (error) reject(error)
      else resolve(this)
    }),
  )
}

/** Appends `count` chained events with prepared statements, ten thousand per transaction. */
async function fill(file: string): Promise<void> {
  const raw = new sqlite3.Database(file)
  // In order: otherwise an insert can run after its transaction's commit, on its own.
  raw.serialize()
  // Bench data, made again should the machine stop: no waiting for the disk.
  await run(raw, 'PRAGMA synchronous = OFF')
  await run(raw, 'PRAGMA cache_size = -262144')
  const insert = raw.prepare(
    'insert into events (id, occurred_at, actor_type, actor_id, subject_type, subject_id, kind, data, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  let prevHash = genesisHash
  const start = Date.parse('2023-01-01T09:00:00Z')
  for (let from = 0; from < count; from += 10_000) {
    await run(raw, 'begin')
    for (let i = from; i < Math.min(count, from + 10_000); i++) {
      const content: ChainedContent = { ...sampleEvent(i, start), prevHash }
      const hash = eventHash(content)
      insert.run(
        content.id,
        content.occurredAt,
        content.actor.type,
        content.actor.id,
        content.subject.type,
        content.subject.id,
        content.kind,
        JSON.stringify(content.data),
        prevHash,
        hash,
      )
      prevHash = hash
    }
    await run(raw, 'commit')
  }
  await new Promise<void>((resolve, reject) =>
    insert.finalize((error) => (error ? reject(error) : resolve())),
  )
  // Back to a single file, so a copy carries the whole trail.
  await run(raw, 'PRAGMA journal_mode = DELETE')
  await new Promise<void>((resolve, reject) => raw.close((error) => (error ? reject(error) : resolve())))
}

/** A plain canonical form (sorted keys at every depth), written for the baseline alone. */
function sorted(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(sorted).join(',')}]`
  return `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${sorted(value[key] as JsonValue)}`)
    .join(',')}}`
}

interface RawEvent {
  id: string
  occurred_at: string
  actor_type: string
  actor_id: string | null
  subject_type: string
  subject_id: string
  kind: string
  data: string
  prev_hash: string
  hash: string
}

/** The baseline: every row through the raw driver, its canonical JSON and its SHA-256 compared. */
function baseline(file: string): Promise<number> {
  const raw = new sqlite3.Database(file, sqlite3.OPEN_READONLY)
  let checked = 0
  return new Promise((resolve, reject) =>
    raw.each(
      'select id, occurred_at, actor_type, actor_id, subject_type, subject_id, kind, data, prev_hash, hash from events order by seq',
      (error: Error | null, row: RawEvent) => {
        if (error) return reject(error)
        const text = sorted({
          actor: { id: row.actor_id, type: row.actor_type },
          data: JSON.parse(row.data) as JsonValue,
          id: row.id,
          kind: row.kind,
          occurredAt: row.occurred_at,
          prevHash: row.prev_hash,
          subject: { id: row.subject_id, type: row.subject_type },
        })
        if (createHash('sha256').update(text).digest('hex') === row.hash) checked++
      },
      (error: Error | null) => raw.close(() => (error ? reject(error) : resolve(checked))),
    ),
  )
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9

/**
 * The filled trail is kept between runs (in the system's temporary folder, one file per size):
 * filling a million events takes minutes. Each run verifies a copy, as verifying appends to it.
 */
async function filledTrail(): Promise<string> {
  const cacheDir = path.join(tmpdir(), 'rights-portal-bench')
  const cached = path.join(cacheDir, `audit-verify-${count}-v1.sqlite`)
  if (existsSync(cached)) return cached
  await mkdir(cacheDir, { recursive: true })
  const filling = `${cached}.${process.pid}.filling`
  const fresh = createDb({ client: 'sqlite', filename: filling })
  try {
    await migrateLatest(fresh)
    await fresh('events').del()
  } finally {
    await fresh.destroy()
  }
  const started = process.hrtime.bigint()
  await fill(filling)
  console.log(`Filled ${count.toLocaleString('en-GB')} chained events in ${seconds(started).toFixed(1)} s`)
  await rename(filling, cached)
  return cached
}

const dir = await mkdtemp(path.join(tmpdir(), 'verify-bench-'))
const file = path.join(dir, 'portal.sqlite')
await copyFile(await filledTrail(), file)
const db = createDb({ client: 'sqlite', filename: file })
try {
  // A fill kept from an earlier run is brought up to the current schema first.
  await migrateLatest(db)
  const services = benchServices(db, dir)
  // The same use case walking the trail in one piece, as it did before it was split into stretches.
  const oneWalk = auditService({
    db,
    now: () => new Date(),
    ...services.config.audit,
    parallel: { minEvents: Infinity },
  })

  // CPU time of the whole process, every thread: what the work costs, however busy the machine.
  async function timed<T>(work: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
    const started = process.hrtime.bigint()
    const startedCpu = process.cpuUsage()
    const value = await work()
    const used = process.cpuUsage(startedCpu)
    return { value, wall: seconds(started), cpu: (used.user + used.system) / 1e6 }
  }
  const product: number[] = []
  const single: number[] = []
  const base: number[] = []
  for (let round = 1; round <= rounds; round++) {
    const p = await timed(() => services.audit.verify('cli'))
    if (p.value.result !== 'ok') throw new Error(`The trail did not verify: ${p.value.firstBreak?.detail}`)
    const w = await timed(() => oneWalk.verify('cli'))
    if (w.value.result !== 'ok') throw new Error(`The trail did not verify: ${w.value.firstBreak?.detail}`)
    const b = await timed(() => baseline(file))
    if (b.value < count) throw new Error(`The baseline found ${count - b.value} events that do not match`)
    product.push(p.wall)
    single.push(w.wall)
    base.push(b.wall)
    console.log(
      `round ${round}: audit-verify ${p.wall.toFixed(2)} s (${Math.round(p.value.eventsChecked / p.wall).toLocaleString('en-GB')} events/s, ${p.cpu.toFixed(1)} s CPU); in one walk ${w.wall.toFixed(2)} s (${w.cpu.toFixed(1)} s CPU); baseline ${b.wall.toFixed(2)} s (${b.cpu.toFixed(1)} s CPU); ratio ${(b.wall / p.wall).toFixed(2)}×`,
    )
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
  const perMillion = (median(product) / count) * 1_000_000
  console.log(
    `Median: audit-verify ${median(product).toFixed(2)} s (${perMillion.toFixed(1)} s per million events), in one walk ${median(single).toFixed(2)} s, baseline ${median(base).toFixed(2)} s, ratio ${(median(base) / median(product)).toFixed(2)}× the baseline's speed`,
  )
  console.log(
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} (${availableParallelism()} threads for the verification), ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}`,
  )
} finally {
  await db.destroy()
  await rm(dir, { recursive: true, force: true })
}
