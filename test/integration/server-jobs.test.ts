import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import knexFactory from 'knex'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { createDb, type Db } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { scheduledJobs } from '../../src/jobs/schedule.js'
import { startPortal } from '../../src/portal.js'
import { importEmailRecords } from '../../src/records/import.js'
import { testSecret } from '../helpers/context.js'
import { postgresUrl, usingPostgres } from '../helpers/db.js'

const silent = pino({ level: 'silent' })
let dataDir: string
let databaseUrl: string
let dropSchema: () => Promise<void> = async () => {}

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'portal-jobs-'))
  if (usingPostgres) {
    const schema = `t_${randomBytes(6).toString('hex')}`
    const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } })
    await admin.raw('create schema ??', [schema])
    databaseUrl = `${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
    dropSchema = async () => {
      await admin.raw('drop schema ?? cascade', [schema])
      await admin.destroy()
    }
  } else {
    databaseUrl = `sqlite:${path.join(dataDir, 'portal.sqlite')}`
  }
})
afterEach(async () => {
  await dropSchema()
  rmSync(dataDir, { recursive: true, force: true })
})

function configWith(env: Record<string, string>): Config {
  return loadConfig({
    NODE_ENV: 'test',
    SECRET: testSecret,
    PUBLIC_URL: 'http://portal.test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    ...env,
  })
}

/** One record whose every retention period ran out years ago, imported before the server starts. */
async function seedLongExpiredRecord(config: Config): Promise<Db> {
  const db = createDb(config.database)
  await migrateLatest(db)
  const study = await db('studies').orderBy('created_at').first<{ id: string }>('id')
  await importEmailRecords(
    { db, secret: testSecret, now: () => new Date() },
    {
      studyId: study.id,
      open: () =>
        Readable.from(['email,participated,voucher sent\nlong.gone@example.org,2020-06-01,2020-07-01\n']),
      actor: { type: 'system', id: 'test' },
    },
  )
  return db
}

describe('the server’s scheduled jobs', () => {
  it('lists mail delivery, maintenance, the staff digest and the retention sweep at their configured intervals', () => {
    const config = configWith({ JOBS_INTERVAL_SECONDS: '120', SWEEP_INTERVAL_SECONDS: '3600' })
    const jobs = scheduledJobs({} as never, { deliverDue: () => Promise.resolve({}) }, config.jobs)
    expect(jobs.map((j) => [j.name, j.everySeconds])).toEqual([
      ['deliver-mail', 5],
      ['maintenance', 120],
      ['staff-digest', 120],
      ['retention-sweep', 3600],
    ])
  })

  it('runs the retention sweep once the server has started, so what is due is deleted', async () => {
    const config = configWith({})
    const db = await seedLongExpiredRecord(config)
    await db.destroy()

    const portal = await startPortal(config, silent, { port: 0 })
    // Closing waits for the jobs that started with the server to finish.
    await portal.close()

    const check = createDb(config.database)
    try {
      const record = await check('email_records').first()
      expect(record).toMatchObject({ email: null, erasure_reason: 'retention_schedule' })
      expect(await check('events').where({ kind: 'record.erased' })).toHaveLength(1)
      expect(
        await check('events').where({ kind: 'record.erased', actor_id: 'retention-sweep' }),
      ).toHaveLength(1)
    } finally {
      await check.destroy()
    }
  })

  it('deletes nothing on its own when in-server jobs are off', async () => {
    const config = configWith({ JOBS: 'off' })
    const db = await seedLongExpiredRecord(config)
    await db.destroy()

    const portal = await startPortal(config, silent, { port: 0 })
    await portal.close()

    const check = createDb(config.database)
    try {
      expect(await check('email_records').first()).toMatchObject({ email: 'long.gone@example.org' })
    } finally {
      await check.destroy()
    }
  })
})
