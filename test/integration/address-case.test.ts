import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import knexFactory, { type Knex } from 'knex'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { createDb } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { emailHmac, legacyEmailHmac, normaliseEmail } from '../../src/domain/email-address.js'
import { startPortal } from '../../src/portal.js'
import { importEmailRecords } from '../../src/records/import.js'
import { rekeyAddressKeys } from '../../src/records/rekey.js'
import { newId } from '../../src/security/tokens.js'
import type { Services } from '../../src/services.js'
import { createTestContext, csrfFrom, linkIn, testSecret, type TestContext } from '../helpers/context.js'
import { postgresUrl, usingPostgres } from '../helpers/db.js'
import { requestRow } from '../helpers/request-rows.js'

const newKey = (address: string) => emailHmac(testSecret, address)
const oldKey = (address: string) => legacyEmailHmac(testSecret, address)

/** A record as the portal stored it before keys were case-folded: keyed by the address as typed. */
function oldStyleRecord(studyId: string, address: string | null, keyedBy: string, erasedOn?: string) {
  const at = '2021-07-01T09:00:00.000Z'
  return {
    id: newId(),
    study_id: studyId,
    email: address,
    email_hmac: oldKey(keyedBy),
    participated_on: '2021-06-01',
    erased_on: erasedOn ?? null,
    erasure_reason: erasedOn ? 'retention_schedule' : null,
    created_at: at,
    updated_at: at,
  }
}

/** Files a request through the service and confirms it with the emailed link. */
async function fileAndConfirm(services: Services, typed: string, type: 'access' | 'erasure' = 'access') {
  const study = (await services.studies.listAccepting())[0]
  if (!study) throw new Error('No study')
  const { requestId } = await services.intake.submit({
    study,
    type,
    details: { type },
    email: normaliseEmail(typed),
    name: null,
  })
  const mail = await services
    .db<{ request_id: string; kind: string; text_body: string }>('outbox')
    .where({ request_id: requestId, kind: 'confirm-request' })
    .first()
  const token = /\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail?.text_body ?? '')?.[1]
  if (!token) throw new Error('No confirmation link')
  await services.intake.confirm(token)
  const row: { record_id: string | null; record_answer: string | null } = await services
    .db('rights_requests')
    .where({ id: requestId })
    .first()
  return row
}

describe('an address in other capitals is the same person', () => {
  let ctx: TestContext
  let studyId: string
  type Agent = ReturnType<TestContext['agent']>

  beforeEach(async () => {
    ctx = await createTestContext({ now: '2021-11-01T10:00:00Z' })
    studyId = (await ctx.services.studies.listAccepting())[0]!.id
    await importEmailRecords(
      { db: ctx.services.db, secret: testSecret, now: ctx.now },
      {
        studyId,
        open: () => Readable.from(['email,participated\ncase.test@example.org,2021-06-01\n']),
        actor: { type: 'system', id: 'test' },
      },
    )
  })
  afterEach(async () => {
    await ctx.destroy()
  })

  async function submit(agent: Agent, type: string, email: string, expected: number) {
    const form = await agent.get(`/request/${type}`).expect(200)
    const res = await agent
      .post(`/request/${type}`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email })
    expect(res.status).toBe(expected)
  }

  async function confirmLatest(agent: Agent) {
    const confirmation = (await ctx.outbox()).filter((m) => m.kind === 'confirm-request').at(-1)
    const link = linkIn(confirmation?.text_body ?? null, 'confirm')
    const page = await agent.get(link).expect(200)
    await agent
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
  }

  it('links a request typed with capitals to the record imported in lower case', async () => {
    const agent = ctx.agent()
    await submit(agent, 'access', ' Case.Test@Example.org ', 303)
    await confirmLatest(agent)
    const record = await ctx.services.db('email_records').where({ study_id: studyId }).first()
    const request = await ctx.services.db('rights_requests').first()
    expect(request.record_id).toBe(record.id)
    expect(request.record_answer).not.toBe('no record of this address')
    // The key is folded; the address is kept, and written to, as the person typed it.
    expect(request.email).toBe('Case.Test@example.org')
    expect((await ctx.outbox()).map((m) => m.to_address)).toContain('Case.Test@example.org')
  })

  it('counts every spelling of an address against one per-address limit', async () => {
    const spellings = ['Flood@Example.org', 'flood@example.org', 'FLOOD@example.org']
    for (let i = 0; i < 5; i++) await submit(ctx.agent(), 'access', spellings[i % 3] as string, 303)
    await submit(ctx.agent(), 'access', 'fLoOd@example.org', 429)
  })

  it('closes a second request in other capitals as a duplicate of the first', async () => {
    const first = ctx.agent()
    await submit(first, 'erasure', 'twice@example.org', 303)
    await confirmLatest(first)
    ctx.advanceDays(3)
    const second = ctx.agent()
    await submit(second, 'erasure', 'Twice@Example.org', 303)
    await confirmLatest(second)
    const rows = await ctx.services.db('rights_requests').orderBy('created_at')
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['received', 'duplicate'])
    expect(rows[1].duplicate_of).toBe(rows[0].id)
  })

  it('still finds a tombstone keyed the old way when the address is typed as it was imported', async () => {
    const tombstone = oldStyleRecord(studyId, null, 'Gone.Person@example.org', '2021-10-03')
    await ctx.services.db('email_records').insert(tombstone)
    await ctx.services.rekeyAddresses()
    expect(await ctx.services.db('email_records').where({ id: tombstone.id }).first()).toMatchObject({
      email_hmac: oldKey('Gone.Person@example.org'),
    })

    const request = await fileAndConfirm(ctx.services, 'Gone.Person@Example.ORG', 'erasure')
    expect(request).toMatchObject({
      record_id: tombstone.id,
      record_answer: 'address erased on 3 October 2021',
    })
    // A later export never brings the erased address back.
    const report = await importEmailRecords(
      { db: ctx.services.db, secret: testSecret, now: ctx.now },
      {
        studyId,
        open: () => Readable.from(['email,participated\nGone.Person@example.org,2021-06-01\n']),
        actor: { type: 'system', id: 'test' },
      },
    )
    expect(report).toMatchObject({ created: 0, skippedErased: 1 })
  })

  it('does not find that tombstone under other capitals: its address is gone, so it cannot be rekeyed', async () => {
    const tombstone = oldStyleRecord(studyId, null, 'Gone.Person@example.org', '2021-10-03')
    await ctx.services.db('email_records').insert(tombstone)
    const request = await fileAndConfirm(ctx.services, 'gone.person@example.org', 'erasure')
    expect(request).toMatchObject({ record_id: null, record_answer: 'no record of this address' })
  })
})

describe('rekeying rows stored before keys were case-folded', () => {
  let ctx: TestContext
  let studyId: string
  beforeEach(async () => {
    ctx = await createTestContext({ now: '2021-11-01T10:00:00Z' })
    studyId = (await ctx.services.studies.listAccepting())[0]!.id
  })
  afterEach(async () => {
    await ctx.destroy()
  })

  function capturedLog() {
    const lines: string[] = []
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) })
    return { log, lines }
  }

  it('leaves the second of two records that fold together on its old key, with a warning by ids', async () => {
    const capitals = oldStyleRecord(studyId, 'Ab.Cd@example.org', 'Ab.Cd@example.org')
    const lower = oldStyleRecord(studyId, 'ab.cd@example.org', 'ab.cd@example.org')
    await ctx.services.db('email_records').insert([capitals, lower])
    const { log, lines } = capturedLog()

    const report = await rekeyAddressKeys({ db: ctx.services.db, secret: testSecret, log }, 1)
    expect(report.keptOldKey).toEqual([{ recordId: capitals.id, studyId, conflictingRecordId: lower.id }])
    expect(await ctx.services.db('email_records').where({ id: capitals.id }).first()).toMatchObject({
      email: 'Ab.Cd@example.org',
      email_hmac: oldKey('Ab.Cd@example.org'),
    })
    const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 40)
    expect(warning).toMatchObject({ recordId: capitals.id, conflictingRecordId: lower.id })
    expect(lines.join('\n')).not.toMatch(/ab\.cd/i)
  })

  it('moves requests, and rows whose address is gone that share the old key, once', async () => {
    const otherStudy = newId()
    const study = (await ctx.services.studies.findById(studyId))!
    await ctx.services.db('studies').insert({
      id: otherStudy,
      slug: 'earlier-study',
      title: 'An earlier study',
      controller_name: study.controllerName,
      controller_address: study.controllerAddress,
      dpo_email: study.dpoEmail,
      privacy_notice_text: 'Notice',
      privacy_notice_date: '2020-01-01',
      survey_closes_on: '2020-06-30',
      survey_extension_months: 0,
      accepting_requests: false,
      created_at: '2020-01-01T00:00:00.000Z',
      updated_at: '2020-01-01T00:00:00.000Z',
    })
    const address = 'Moved.On@example.org'
    const live = oldStyleRecord(studyId, address, address)
    const tombstone = oldStyleRecord(otherStudy, null, address, '2021-01-04')
    await ctx.services.db('email_records').insert([live, tombstone])
    const open = { ...requestRow(studyId, { receivedAt: '2021-10-01T09:00:00.000Z', email: address }) }
    const purged = {
      ...requestRow(studyId, {
        receivedAt: '2019-10-01T09:00:00.000Z',
        closedAt: '2019-11-01T09:00:00.000Z',
      }),
      status: 'completed',
    }
    await ctx.services.db('rights_requests').insert([
      { ...open, email_hmac: oldKey(address) },
      { ...purged, email: null, email_hmac: oldKey(address) },
    ])

    const first = await rekeyAddressKeys({ db: ctx.services.db, secret: testSecret, log: capturedLog().log })
    expect(first).toMatchObject({ records: 1, requests: 1, carriedOver: 2, keptOldKey: [] })
    const keys = async (table: string) =>
      (await ctx.services.db(table).orderBy('id').pluck('email_hmac')) as string[]
    expect(await keys('email_records')).toEqual([newKey(address), newKey(address)])
    expect(await keys('rights_requests')).toEqual([newKey(address), newKey(address)])

    const again = await rekeyAddressKeys({ db: ctx.services.db, secret: testSecret, log: capturedLog().log })
    expect(again).toEqual({ records: 0, requests: 0, carriedOver: 0, keptOldKey: [] })
  })
})

describe('the start-up step', () => {
  let dataDir: string
  let databaseUrl: string
  let dropSchema: () => Promise<void> = async () => {}

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'portal-address-case-'))
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

  const config = (): Config =>
    loadConfig({
      NODE_ENV: 'test',
      SECRET: testSecret,
      PUBLIC_URL: 'http://portal.test',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      JOBS: 'off',
    })

  async function withDb<T>(work: (db: Knex) => Promise<T>): Promise<T> {
    const db = createDb(config().database)
    try {
      return await work(db)
    } finally {
      await db.destroy()
    }
  }

  it('rekeys a record stored under the old key, which a request in other capitals then finds', async () => {
    const record = await withDb(async (db) => {
      await migrateLatest(db)
      const study = await db('studies').orderBy('created_at').first<{ id: string }>('id')
      const row = oldStyleRecord(study.id, 'Case.Test@example.org', 'Case.Test@example.org')
      await db('email_records').insert(row)
      return row
    })

    const portal = await startPortal(config(), pino({ level: 'silent' }), { port: 0 })
    try {
      expect(await portal.services.db('email_records').where({ id: record.id }).first()).toMatchObject({
        email: 'Case.Test@example.org',
        email_hmac: newKey('case.test@example.org'),
      })
      const request = await fileAndConfirm(portal.services, 'case.test@EXAMPLE.org')
      expect(request.record_id).toBe(record.id)
    } finally {
      await portal.close()
    }
  })

  it('changes nothing on a fresh database', async () => {
    const portal = await startPortal(config(), pino({ level: 'silent' }), { port: 0 })
    try {
      expect(await portal.services.rekeyAddresses()).toEqual({
        records: 0,
        requests: 0,
        carriedOver: 0,
        keptOldKey: [],
      })
    } finally {
      await portal.close()
    }
  })
})
