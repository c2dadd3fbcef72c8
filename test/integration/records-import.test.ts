import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { importEmailRecords, parseExportDate } from '../../src/records/import.js'
import { createTestContext, testSecret, type TestContext } from '../helpers/context.js'
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

const run = (csv: string | (() => Readable)) =>
  importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId,
      open: typeof csv === 'string' ? () => Readable.from([csv]) : csv,
      actor: { type: 'system', id: 'test' },
    },
  )

const count = async () => Number((await ctx.services.db('email_records').count({ n: '*' }))[0]?.n)

describe('importing a survey platform export', () => {
  it('maps columns by header, ignores and reports unknown ones, and stores normalised addresses', async () => {
    const report = await run(
      'Email Address,Participated Date,Voucher sent,Extracted on,Favourite colour\n' +
        ' Jane@Example.ORG ,2021-06-01,15/07/2021,,blue\n' +
        'bob@example.org,2021-06-02,,2021-09-10,green\n',
    )
    expect(report).toMatchObject({
      imported: true,
      rows: 2,
      created: 2,
      rejectedCount: 0,
      unknownColumns: ['Favourite colour'],
    })
    const jane = await ctx.services.db('email_records').where({ email: 'Jane@example.org' }).first()
    expect(jane).toMatchObject({
      participated_on: '2021-06-01',
      voucher_sent_on: '2021-07-15',
      extracted_on: null,
    })
    expect(jane.email_hmac).toMatch(/^[0-9a-f]{64}$/)
    const event = await ctx.services.db('events').where({ kind: 'records.imported' }).first()
    expect(event.data).not.toContain('example')
  })

  it('rejects the whole file, naming each bad row and why', async () => {
    const report = await run(
      'email,participated,voucher sent\n' +
        'ok@example.org,2021-06-01,\n' +
        'not-an-email,2021-06-01,\n' +
        'late@example.org,2022-01-01,\n' +
        'bad@example.org,31/02/2021,\n' +
        'ok@EXAMPLE.org,2021-06-03,\n',
    )
    expect(report.imported).toBe(false)
    expect(report.rejected).toEqual([
      { line: 3, reason: 'bad email address' },
      { line: 4, reason: 'participated date is in the future' },
      { line: 5, reason: 'bad participated date "31/02/2021"' },
      { line: 6, reason: 'duplicate in file (same address as line 2)' },
    ])
    expect(await count()).toBe(0)
  })

  it('refuses a file without an email column or without rows', async () => {
    expect((await run('name,participated\nJane,2021-06-01\n')).rejected[0]?.reason).toBe(
      'no email column in the header',
    )
    expect((await run('email\n')).rejected[0]?.reason).toBe('the file has no rows')
    expect(await count()).toBe(0)
  })

  it('changes nothing when the same file comes again, and updates dates from a later export', async () => {
    const csv = 'email,participated,voucher sent\na@example.org,2021-06-01,\nb@example.org,2021-06-02,\n'
    await run(csv)
    expect(await run(csv)).toMatchObject({ created: 0, updated: 0, unchanged: 2 })
    const later = await run(
      'email,participated,voucher sent\na@example.org,2021-06-01,2021-07-01\nb@example.org,,\n',
    )
    expect(later).toMatchObject({ created: 0, updated: 1, unchanged: 1 })
    expect(await ctx.services.db('email_records').where({ email: 'b@example.org' }).first()).toMatchObject({
      participated_on: '2021-06-02',
    })
  })

  it('never brings back an erased address', async () => {
    await run('email\ngone@example.org\n')
    await ctx.services
      .db('email_records')
      .update({ email: null, erased_on: '2021-11-01', erasure_reason: 'retention_schedule' })
    expect(await run('email\ngone@example.org\n')).toMatchObject({ skippedErased: 1, created: 0 })
    expect((await ctx.services.db('email_records').first()).email).toBeNull()
  })

  it('imports 100,000 rows in one go from a stream', async () => {
    const rows = 100_000
    const source = () =>
      Readable.from(
        (function* () {
          yield 'email,participated\n'
          for (let i = 0; i < rows; i++) yield `person${i}@example.org,2021-06-01\n`
        })(),
      )
    const report = await run(source)
    expect(report).toMatchObject({ imported: true, rows, created: rows })
    expect(await count()).toBe(rows)
  }, 120_000)
})

describe('the admin import page', () => {
  it('refuses a header holding an email address on the file field, imports nothing and logs no address', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const logged: unknown[] = []
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug'] as const) {
      vi.spyOn(ctx.services.log, level).mockImplementation((...args: unknown[]) => {
        logged.push(args)
      })
    }
    const page = await agent.get('/staff/records/import').expect(200)
    const action = /action="(\/staff\/records\/import\?study=([^"&]+)[^"]*)"/.exec(page.text)
    const res = await agent
      .post(action?.[1]?.replace(/&amp;/g, '&') as string)
      .attach('file', Buffer.from('email,leaked.person@example.org\nsomeone@example.org,x\n'), 'export.csv')
    expect(res.status).toBe(400)
    expect(res.text).toContain(`href="#file-${action?.[2]}"`)
    expect(res.text).toContain(`id="file-${action?.[2]}-error"`)
    expect(res.text).not.toContain('leaked.person')
    expect(await count()).toBe(0)
    expect(await ctx.services.db('events').where({ kind: 'records.imported' })).toHaveLength(0)
    const serialised = JSON.stringify(logged, (_key, value: unknown) =>
      value instanceof Error ? { ...value, message: value.message, stack: value.stack } : value,
    )
    expect(serialised).not.toContain('leaked.person')
  })
})

describe('export dates', () => {
  it('reads ISO and UK dates and nothing else', () => {
    expect(parseExportDate('2021-07-15')).toBe('2021-07-15')
    expect(parseExportDate('5/7/2021')).toBe('2021-07-05')
    expect(parseExportDate('07/15/2021')).toBeUndefined()
    expect(parseExportDate('15 July 2021')).toBeUndefined()
  })
})
