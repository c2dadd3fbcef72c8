/**
 * How much memory the request log export needs: fills a SQLite file with N confirmed requests, then
 * streams the CSV export to /dev/null while sampling the process's memory; then times the dashboard.
 *
 *   npm run -s bench:export -- [N]        (N defaults to 200,000)
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import pino from 'pino'
import { loadConfig } from '../src/config.js'
import { createDb } from '../src/db/knex.js'
import { migrateLatest } from '../src/db/migrate.js'
import { londonDate, responseDeadline } from '../src/domain/clock.js'
import { requestTypes } from '../src/domain/request-types.js'
import { newId } from '../src/security/tokens.js'
import { createServices } from '../src/services.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const count = Number(process.argv[2] ?? 200_000)
if (!Number.isInteger(count) || count < 1)
  throw new Error('Usage: bench/export-memory.ts [number of requests]')

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

const dir = await mkdtemp(path.join(tmpdir(), 'export-bench-'))
const db = createDb({ client: 'sqlite', filename: path.join(dir, 'portal.sqlite') })
try {
  await migrateLatest(db)
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
  })
  const services = createServices({ db, config, log: pino({ level: 'silent' }) })
  const study = await db<{ id: string }>('studies').first('id')
  if (!study) throw new Error('The seed study is missing')
  const studyId = study.id

  const filling = Date.now()
  const start = Date.parse('2024-01-01T09:00:00Z')
  const chunk = 500
  await db.transaction(async (trx) => {
    for (let from = 0; from < count; from += chunk) {
      const rows = []
      for (let i = from; i < Math.min(count, from + chunk); i++) {
        const receivedAt = new Date(start + i * 60_000).toISOString()
        const receivedOn = londonDate(new Date(receivedAt))
        const closed = i % 3 !== 0
        rows.push({
          id: newId(),
          study_id: studyId,
          reference: `DSR-B-${String(i + 1).padStart(8, '0')}`,
          type: requestTypes[i % requestTypes.length],
          status: closed ? 'completed' : 'received',
          channel: 'web',
          email: `person${i}@example.org`,
          requester_name: `Person ${i}`,
          details: '{}',
          received_at: receivedAt,
          received_on: receivedOn,
          confirmed_at: receivedAt,
          clock_start_on: receivedOn,
          due_on: responseDeadline({ start: receivedOn }).due,
          paused_days: 0,
          closed_at: closed ? new Date(start + i * 60_000 + 20 * 86_400_000).toISOString() : null,
          outcome: closed ? 'fulfilled' : null,
          record_snapshot: JSON.stringify({ state: 'retained' }),
          version: 1,
          created_at: receivedAt,
          updated_at: receivedAt,
        })
      }
      await trx('rights_requests').insert(rows)
    }
  })
  const auditor = await services.accounts.createUser({
    email: 'auditor@bench.test',
    role: 'auditor',
    displayName: 'Bench auditor',
    password: 'a long passphrase for the benchmark',
  })
  console.log(
    `Filled ${count.toLocaleString('en-GB')} requests in ${((Date.now() - filling) / 1000).toFixed(1)} s`,
  )

  gc()
  const baseline = process.memoryUsage()
  let peakRss = baseline.rss
  let peakHeap = baseline.heapUsed
  let peakLive = baseline.heapUsed
  const sample = setInterval(() => {
    const now = process.memoryUsage()
    peakRss = Math.max(peakRss, now.rss)
    peakHeap = Math.max(peakHeap, now.heapUsed)
  }, 5)
  // What the export actually holds: the heap right after a full collection, now and then.
  const live = setInterval(() => {
    gc()
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed)
  }, 500)

  const exporting = process.hrtime.bigint()
  const job = await services.reports.exportRequestLog(auditor, { format: 'csv', filters: {} })
  const devNull = createWriteStream('/dev/null')
  await job.writeTo(devNull)
  const seconds = Number(process.hrtime.bigint() - exporting) / 1e9
  clearInterval(sample)
  clearInterval(live)

  console.log(
    `Exported ${job.rows.toLocaleString('en-GB')} rows, ${mb(devNull.bytesWritten)} of CSV, in ${seconds.toFixed(1)} s: ${Math.round(job.rows / seconds).toLocaleString('en-GB')} rows/s`,
  )
  console.log(`RSS:  baseline ${mb(baseline.rss)}, peak ${mb(peakRss)} (+${mb(peakRss - baseline.rss)})`)
  console.log(
    `Heap: baseline ${mb(baseline.heapUsed)}, peak ${mb(peakHeap)} (+${mb(peakHeap - baseline.heapUsed)}); live after a collection at most ${mb(peakLive)} (+${mb(peakLive - baseline.heapUsed)})`,
  )
  const dashboardStart = process.hrtime.bigint()
  await services.reports.dashboard({})
  console.log(
    `Dashboard over all ${count.toLocaleString('en-GB')} requests: ${(Number(process.hrtime.bigint() - dashboardStart) / 1e9).toFixed(1)} s`,
  )
  console.log(
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${mb(totalmem())} RAM, Node ${process.version}`,
  )
} finally {
  await db.destroy()
  await rm(dir, { recursive: true, force: true })
}
