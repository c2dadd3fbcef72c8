import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import type { Logger } from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createDb, type Db } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { ImportFailedError, importEmailRecords } from '../../src/records/import.js'
import { createTestContext, testSecret, type TestContext } from '../helpers/context.js'
import { usingPostgres } from '../helpers/db.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
let studyId: string
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-12-01T10:00:00Z' })
  studyId = (await ctx.services.studies.listAccepting())[0]!.id
})
afterEach(async () => {
  vi.restoreAllMocks()
  await ctx.destroy()
})

const actor = { type: 'system', id: 'test' } as const

/** A survey platform export of `rows` new addresses, generated as it is read. */
const exportOf =
  (rows: number, first = 0) =>
  () =>
    Readable.from(
      (function* () {
        yield 'email,participated\n'
        for (let i = first; i < first + rows; i++) yield `person${i}@example.org,2021-06-01\n`
      })(),
    )

const importInto = (db: Db, open: () => Readable) =>
  importEmailRecords({ db, secret: testSecret, now: ctx.now }, { studyId, open, actor })

const count = async (db: Db, table: string) => Number((await db(table).count({ n: '*' }))[0]?.n)

/** Makes the database refuse rows of a table (those matching `when`), as a failing disk or constraint would. */
async function refuseInserts(db: Db, table: string, when = 'true') {
  if (usingPostgres) {
    await db.raw(`create function refuse_row() returns trigger language plpgsql as $$
      begin raise exception 'row refused'; end $$`)
    await db.raw(
      `create trigger refuse before insert on ?? for each row when (${when.replace(/\bseq\b/, 'new.seq')}) execute function refuse_row()`,
      [table],
    )
  } else {
    await db.raw(
      `create trigger refuse before insert on ?? when ${when.replace(/\bseq\b/, 'new.seq')} begin select raise(abort, 'row refused'); end`,
      [table],
    )
  }
}

/** Everything an error holds that a log line could show: message, stack, code, its fields, its cause. */
function everythingIn(error: unknown): string {
  return JSON.stringify(error, (_key, value: unknown) =>
    value instanceof Error
      ? { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause }
      : value,
  )
}

/** What the portal logs, at every level, as the objects handed to the logger. */
function captureLogs(log: Logger): () => string {
  const calls: unknown[] = []
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug'] as const) {
    vi.spyOn(log, level).mockImplementation((...args: unknown[]) => {
      calls.push(args)
    })
  }
  return () => everythingIn(calls)
}

describe('a large import shares the database', () => {
  it('keeps reads of other tables answering while it is written, and shows its rows only once all are in', async () => {
    const rows = 6_000
    const { db } = ctx.services
    let writing = false
    const onQuery = (query: { sql: string }) => {
      if (/^(begin|insert|update|delete)/i.test(query.sql)) writing = true
    }
    db.on('query', onQuery)
    let finished = false
    const importing = ctx.services
      .importRecords({ studyId, open: exportOf(rows), actor })
      .finally(() => (finished = true))

    // Each probe reads the studies and, in the same statement, how many records there are.
    const probes: { whileWriting: boolean; records: number }[] = []
    while (!finished) {
      const issuedWhileWriting = writing
      const [row] = await db('studies').select('id', db('email_records').count('*').as('records')).limit(1)
      probes.push({ whileWriting: issuedWhileWriting && !finished, records: Number(row?.records) })
    }
    db.off('query', onQuery)

    expect(await importing).toMatchObject({ imported: true, created: rows })
    // Answered while the import was writing, and before any of its rows showed.
    expect(probes.filter((p) => p.whileWriting && p.records === 0).length).toBeGreaterThan(0)
    // Never part of the file: none of it, then all of it, and never none again.
    expect(probes.filter((p) => p.records !== 0 && p.records !== rows)).toEqual([])
    const firstSeen = probes.findIndex((p) => p.records === rows)
    if (firstSeen >= 0) expect(probes.slice(firstSeen).filter((p) => p.records === 0)).toEqual([])
    expect(await count(db, 'email_records')).toBe(rows)
    expect(await count(db, 'import_staging')).toBe(0)
  })

  it('leaves nothing imported or staged when a later batch fails, and names no address or statement', async () => {
    const { db } = ctx.services
    await refuseInserts(db, 'import_staging', 'seq >= 4000')
    const failure: unknown = await importInto(db, exportOf(5_000)).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ImportFailedError)
    expect(everythingIn(failure)).not.toMatch(/example\.org|insert into|person\d/i)
    expect(await count(db, 'email_records')).toBe(0)
    expect(await count(db, 'import_staging')).toBe(0)
    expect(await db('events').where({ kind: 'records.imported' })).toHaveLength(0)
  })

  it('keeps every known record as it was when the final step fails', async () => {
    const { db } = ctx.services
    await importInto(db, () => Readable.from(['email,participated\nknown@example.org,2021-06-01\n']))
    await refuseInserts(db, 'email_records')
    const failure: unknown = await importInto(db, () =>
      Readable.from(['email,participated\nknown@example.org,2021-06-05\nnew@example.org,2021-06-01\n']),
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ImportFailedError)
    expect(await db('email_records').select('email', 'participated_on', 'version')).toEqual([
      { email: 'known@example.org', participated_on: '2021-06-01', version: 1 },
    ])
    expect(await count(db, 'import_staging')).toBe(0)
  })

  it('logs a failed import through the admin page by its code, with no address or statement', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const page = await agent.get('/staff/records/import').expect(200)
    const action = /action="(\/staff\/records\/import\?study=[^"]+)"/
      .exec(page.text)?.[1]
      ?.replace(/&amp;/g, '&')
    await refuseInserts(ctx.services.db, 'email_records')
    const logged = captureLogs(ctx.services.log)
    const csv = Array.from({ length: 400 }, (_, i) => `leaked${i}@example.org,2021-06-01`).join('\n')
    const res = await agent
      .post(action as string)
      .attach('file', Buffer.from(`email,participated\n${csv}\n`), 'export.csv')
    expect(res.status).toBe(500)
    expect(logged()).toContain('ImportFailedError')
    expect(logged()).not.toMatch(/example\.org|leaked\d|insert into/i)
    expect(res.text).not.toContain('example.org')
    expect(await count(ctx.services.db, 'email_records')).toBe(0)
  })
})

describe.skipIf(usingPostgres)('a SQLite file shared by the server and the command line', () => {
  let dir: string
  let file: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'portal-import-'))
    file = path.join(dir, 'portal.sqlite')
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('answers a read at once while another connection of the same process holds the write lock', async () => {
    const db = createDb({ client: 'sqlite', filename: file })
    try {
      await migrateLatest(db)
      const counter = { hits: 1, resets_at: '2021-12-01T11:00:00.000Z' }
      let later: Promise<unknown> = Promise.resolve()
      await db.transaction(async (trx) => {
        await trx('rate_limit_counters').insert({ key: 'first', ...counter })
        // Another request reads meanwhile, and does not see what is not yet committed.
        expect(await count(db, 'rate_limit_counters')).toBe(0)
        // Another request writes meanwhile: it waits for the lock rather than failing.
        later = db('rate_limit_counters')
          .insert({ key: 'second', ...counter })
          .then(() => undefined)
      })
      await later
      expect(await count(db, 'rate_limit_counters')).toBe(2)
    } finally {
      await db.destroy()
    }
  })

  it('lets a transaction that reads before it writes take turns with another process instead of failing', async () => {
    const server = createDb({ client: 'sqlite', filename: file })
    const cli = createDb({ client: 'sqlite', filename: file })
    try {
      await migrateLatest(server)
      const counter = (key: string) => ({ key, hits: 1, resets_at: '2021-12-01T11:00:00.000Z' })
      let other: Promise<unknown> = Promise.resolve()
      await server.transaction(async (trx) => {
        expect(await count(trx, 'rate_limit_counters')).toBe(0)
        // The other process writes after this transaction has read, and before it writes.
        other = cli('rate_limit_counters')
          .insert(counter('cli'))
          .then(() => undefined)
        await Promise.race([other, delay(300)])
        await trx('rate_limit_counters').insert(counter('server'))
      })
      await other
      expect(await count(server, 'rate_limit_counters')).toBe(2)
    } finally {
      await cli.destroy()
      await server.destroy()
    }
  })

  it('lets an import from another process wait for the server’s write instead of failing', async () => {
    const server = createDb({ client: 'sqlite', filename: file })
    const cli = createDb({ client: 'sqlite', filename: file })
    try {
      await migrateLatest(server)
      studyId = (await server<{ id: string }>('studies').first('id'))!.id
      let release = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      let taken = () => {}
      const lockTaken = new Promise<void>((resolve) => (taken = resolve))
      const serverWrite = server.transaction(async (trx) => {
        await trx('rate_limit_counters').insert({
          key: 'submit',
          hits: 1,
          resets_at: '2021-12-01T11:00:00.000Z',
        })
        taken()
        await held
      })
      await lockTaken
      // The server commits a moment after the import first asks to write, so the import has to wait.
      cli.on('query', (query: { sql: string }) => {
        if (/^(begin immediate|insert|update|delete)/i.test(query.sql)) setTimeout(release, 200)
      })
      const report = await importInto(cli, exportOf(1_000)).finally(release)
      await serverWrite
      expect(report).toMatchObject({ imported: true, created: 1_000 })
      expect(await count(server, 'email_records')).toBe(1_000)
      expect(await count(server, 'rate_limit_counters')).toBe(1)
    } finally {
      await cli.destroy()
      await server.destroy()
    }
  })
})
