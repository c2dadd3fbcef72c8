/**
 * How fast the request log export is, against the database's own tool writing the same join as
 * CSV: fills a database with N confirmed requests (half linked to an email record, with snapshots,
 * refusals, extensions, pauses, assignees and duplicates), then alternates rounds of the baseline
 * (`sqlite3 -csv`, or `psql \copy … to stdout with csv`, to /dev/null) with the portal's CSV and
 * NDJSON exports (the service's writer the download route uses, to /dev/null), sampling the
 * process's memory during each export; then times the dashboard over every request.
 *
 *   npm run -s bench:export -- [N] [rounds]                  (200,000 and 2)
 *   BENCH_DATABASE=postgres npm run -s bench:export -- …     (on the PostgreSQL server of TEST_DATABASE_URL)
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { addDays, londonDate, responseDeadline } from '../src/domain/clock.js'
import { requestTypes } from '../src/domain/request-types.js'
import type { StaffUser } from '../src/domain/staff-user.js'
import type { ExportFormat } from '../src/reports/request-log.js'
import { benchServices } from './lib/services.js'
import { benchDatabase, insertMany } from './lib/generate.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const count = Number(process.argv[2] ?? 200_000)
const rounds = Number(process.argv[3] ?? 2)
if (![count, rounds].every((n) => Number.isInteger(n) && n >= 1))
  throw new Error('Usage: bench/export.ts [number of requests] [rounds]')

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const perSecond = (rows: number, seconds: number) => Math.round(rows / seconds).toLocaleString('en-GB')

const dir = await mkdtemp(path.join(tmpdir(), 'export-bench-'))
const bench = await benchDatabase('export', dir)
const { db } = bench
const usePostgres = bench.kind === 'PostgreSQL'

/** The join the export reads, as the database's own tool runs it. */
function baselineQuery(): string {
  const snapshotState = usePostgres
    ? `(r.record_snapshot::json ->> 'state')`
    : `json_extract(r.record_snapshot, '$.state')`
  return `select r.id, r.reference, r.type, r.status, r.channel, r.received_at, r.received_on,
    r.clock_start_on, r.paused_days, r.extended, r.pause_kind, r.paused_since, r.closed_at, r.outcome,
    r.outcome_reason, r.record_id, ${snapshotState} as snapshot_state, s.slug, s.survey_closes_on,
    s.platform_retention_months, s.voucher_retention_months, u.role, d.reference,
    e.voucher_sent_on, e.extracted_on, e.platform_deleted_on, e.voucher_deleted_on, e.erased_on,
    e.erasure_reason, e.restricted_since
  from rights_requests r
  join studies s on s.id = r.study_id
  left join staff_users u on u.id = r.assignee_id
  left join rights_requests d on d.id = r.duplicate_of
  left join email_records e on e.id = r.record_id
  where r.confirmed_at is not null
  order by r.received_at, r.id`.replace(/\s+/g, ' ')
}

/** Runs the database's own CSV writer over the join, its output to /dev/null; wall seconds. */
async function baseline(): Promise<number> {
  const [command, args] = usePostgres
    ? [
        'psql',
        [
          `${bench.server?.toString().replace(/\/$/, '')}/${bench.database}`,
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          `\\copy (${baselineQuery()}) to stdout with csv`,
        ],
      ]
    : ['sqlite3', ['-csv', path.join(dir, 'portal.sqlite'), baselineQuery()]]
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))))
  })
  return (performance.now() - started) / 1000
}

const services = benchServices(db, dir)

try {
  const study = await db<{ id: string }>('studies').first('id')
  if (!study) throw new Error('The seed study is missing')
  const studyId = study.id
  const auditor = await services.accounts.createUser({
    email: 'auditor@bench.test',
    role: 'auditor',
    displayName: 'Bench auditor',
    password: 'a long passphrase for the benchmark',
  })
  const dpo = await services.accounts.createUser({
    email: 'dpo@bench.test',
    role: 'dpo',
    displayName: 'Bench officer',
    password: 'a long passphrase for the benchmark',
  })

  const filling = performance.now()
  const records = Math.ceil(count / 2)
  const recordId = (i: number) => `rec-${String(i).padStart(9, '0')}`
  const at = '2023-12-01T09:00:00.000Z'
  await insertMany(db, 'email_records', records, (i) => ({
    id: recordId(i),
    study_id: studyId,
    email: `person${i}@example.org`,
    email_hmac: `hmac-${i}`,
    participated_on: '2021-06-01',
    voucher_sent_on: i % 2 ? addDays('2021-07-01', i % 300) : null,
    platform_deleted_on: i % 5 === 0 ? '2023-01-10' : null,
    restricted_since: i % 50 === 0 ? '2023-08-01' : null,
    restriction_ground: i % 50 === 0 ? 'accuracy' : null,
    erased_on: i % 7 === 0 ? '2023-02-01' : null,
    erasure_reason: i % 7 === 0 ? 'retention_schedule' : null,
    created_at: at,
    updated_at: at,
    version: 1,
  }))
  const start = Date.parse('2024-01-01T09:00:00Z')
  const requestId = (i: number) => `req-${String(i).padStart(9, '0')}`
  // A snapshot as confirmation takes it: the state, the rule in words and the holdings.
  const snapshot = (i: number) =>
    JSON.stringify({
      recordId: recordId(i),
      takenOn: '2024-01-01',
      state: i % 4 === 0 ? 'due_for_deletion' : 'retained',
      rule: 'The survey closed on Tuesday 31 August 2021; the address is kept within its retention periods, the last ending Friday 28 February 2025.',
      answersLinked: false,
      holdings: [{ key: 'survey_platform', keepUntil: '2023-02-28', status: 'held' }],
    })
  await insertMany(db, 'rights_requests', count, (i) => {
    const receivedAt = new Date(start + i * 60_000).toISOString()
    const receivedOn = londonDate(new Date(receivedAt))
    const kind = i % 6
    const duplicate = i % 97 === 5
    const pause = kind === 2 ? (i % 12 === 2 ? 'clarification' : 'identity') : null
    const status = duplicate
      ? 'duplicate'
      : kind === 0
        ? 'received'
        : kind === 1
          ? 'refused'
          : pause
            ? `awaiting_${pause}`
            : i % 50 === 3
              ? 'withdrawn'
              : 'completed'
    const closed = status !== 'received' && pause === null
    const extended = i % 9 === 0
    return {
      id: requestId(i),
      study_id: studyId,
      reference: `DSR-B-${String(i + 1).padStart(8, '0')}`,
      type: requestTypes[i % requestTypes.length],
      status,
      channel: i % 10 === 0 ? 'post' : 'web',
      email: `person${i}@example.org`,
      requester_name: i % 100 === 0 ? `=Person, "${i}"` : `Person ${i}`,
      details: '{}',
      received_at: receivedAt,
      received_on: receivedOn,
      confirmed_at: receivedAt,
      clock_start_on: receivedOn,
      due_on: responseDeadline({ start: receivedOn, extended }).due,
      paused_days: i % 11 === 0 ? 4 : 0,
      extended,
      pause_kind: pause,
      paused_since: pause ? addDays(receivedOn, 3) : null,
      assignee_id: i % 3 === 0 ? dpo.id : null,
      duplicate_of: duplicate ? requestId(i - 1) : null,
      closed_at: closed ? new Date(start + i * 60_000 + (10 + (i % 30)) * 86_400_000).toISOString() : null,
      outcome: status === 'completed' ? 'fulfilled' : status === 'refused' ? 'refused' : null,
      outcome_reason: status === 'refused' ? 'manifestly_unfounded' : null,
      record_id: i % 2 === 0 ? recordId(i / 2) : null,
      record_snapshot:
        i % 2 === 0 ? snapshot(i / 2) : i % 3 === 0 ? null : JSON.stringify({ state: 'no_record' }),
      version: 1,
      created_at: receivedAt,
      updated_at: receivedAt,
    }
  })
  if (usePostgres) await db.raw('analyze')
  console.log(
    `${bench.kind}: filled ${count.toLocaleString('en-GB')} requests in ${((performance.now() - filling) / 1000).toFixed(1)} s`,
  )

  /** One export through the service the download route uses, memory sampled while it runs. */
  async function product(user: StaffUser, format: ExportFormat) {
    gc()
    const before = process.memoryUsage().rss
    let peak = before
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5)
    const started = performance.now()
    const job = await services.reports.exportRequestLog(user, { format, filters: {} })
    const devNull = createWriteStream('/dev/null')
    await job.writeTo(devNull)
    const seconds = (performance.now() - started) / 1000
    clearInterval(sample)
    peak = Math.max(peak, process.memoryUsage().rss)
    if (job.rows !== count) throw new Error(`Exported ${job.rows} rows, not ${count}`)
    return { seconds, bytes: devNull.bytesWritten, rssGrowth: peak - before }
  }

  const times: Record<'baseline' | ExportFormat, number[]> = { baseline: [], csv: [], ndjson: [] }
  let rssGrowth = 0
  const bytes: Partial<Record<ExportFormat, number>> = {}
  for (let round = 1; round <= rounds; round++) {
    const base = await baseline()
    times.baseline.push(base)
    const line = [`round ${round}: baseline ${base.toFixed(2)} s (${perSecond(count, base)} rows/s)`]
    for (const format of ['csv', 'ndjson'] as const) {
      const run = await product(auditor, format)
      times[format].push(run.seconds)
      bytes[format] = run.bytes
      rssGrowth = Math.max(rssGrowth, run.rssGrowth)
      line.push(
        `${format} ${run.seconds.toFixed(2)} s (${perSecond(count, run.seconds)} rows/s, RSS +${mb(run.rssGrowth)})`,
      )
    }
    console.log(line.join('; '))
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    const mid = Math.floor(sorted.length / 2)
    return sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  }
  const baseSeconds = median(times.baseline)
  const tool = usePostgres ? 'psql \\copy' : 'sqlite3 -csv'
  console.log(
    `Baseline (${tool}): median ${baseSeconds.toFixed(2)} s, ${perSecond(count, baseSeconds)} rows/s`,
  )
  for (const format of ['csv', 'ndjson'] as const) {
    const seconds = median(times[format])
    console.log(
      `${format.toUpperCase()} export: median ${seconds.toFixed(2)} s, ${perSecond(count, seconds)} rows/s, ${mb(bytes[format] ?? 0)}; ${(baseSeconds / seconds).toFixed(2)}× the baseline's speed`,
    )
  }
  console.log(`RSS growth during an export: at most ${mb(rssGrowth)}`)
  const dashboardStart = performance.now()
  await services.reports.dashboard({})
  console.log(
    `Dashboard over all ${count.toLocaleString('en-GB')} requests: ${((performance.now() - dashboardStart) / 1000).toFixed(1)} s`,
  )
  console.log(
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${mb(totalmem())} RAM, Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
} finally {
  await bench.close()
  await rm(dir, { recursive: true, force: true })
}
