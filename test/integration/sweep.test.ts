import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/knex.js'
import { importEmailRecords } from '../../src/records/import.js'
import { retentionSweep } from '../../src/records/sweep.js'
import { createTestContext, csrfFrom, testSecret, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-09-01T10:00:00Z' })
  const studyId = (await ctx.services.studies.listAccepting())[0]!.id
  await importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId,
      open: () =>
        Readable.from([
          'email,participated,voucher sent\n' +
            'voucher@example.org,2021-06-01,2021-07-01\n' +
            'plain@example.org,2021-06-01,\n' +
            'held@example.org,2021-06-01,\n' +
            'asking@example.org,2021-06-01,\n',
        ]),
      actor: { type: 'system', id: 'test' },
    },
  )
})
afterEach(async () => {
  await ctx.destroy()
})

const record = (email: string) =>
  ctx.services
    .db('email_records')
    .where({ email_hmac: ctx.services.emailKey(email) })
    .first()

describe('the retention sweep', () => {
  it('deletes a holding when its period has run out, and erases the address when nothing is left', async () => {
    // Voucher correspondence sent on 1 July is kept through 1 September, due from the 2nd.
    expect((await ctx.services.sweep.run()).holdingsDeleted).toBe(0)
    ctx.setNow('2021-09-02T10:00:00Z')
    const first = await ctx.services.sweep.run()
    expect(first).toMatchObject({ checked: 4, holdingsDeleted: 1, erased: 0 })
    expect(await record('voucher@example.org')).toMatchObject({ voucher_deleted_on: '2021-09-02' })
    expect(await ctx.services.db('record_tasks').pluck('holding')).toEqual(['voucher_correspondence'])

    // 1 March 2022: the platform period (6 months after 31 August) has run out for everyone.
    ctx.setNow('2022-03-01T10:00:00Z')
    const second = await ctx.services.sweep.run()
    expect(second).toMatchObject({ erased: 4, holdingsDeleted: 4 })
    const gone = await record('plain@example.org')
    expect(gone).toMatchObject({ email: null, erased_on: '2022-03-01', erasure_reason: 'retention_schedule' })
    expect(gone.email_hmac).toMatch(/^[0-9a-f]{64}$/)
    const events = await ctx.services.db('events').where({ kind: 'record.erased' })
    expect(events).toHaveLength(4)
    expect(JSON.stringify(events)).not.toContain('example.org')
  })

  it('is idempotent', async () => {
    ctx.setNow('2022-03-01T10:00:00Z')
    await ctx.services.sweep.run()
    expect(await ctx.services.sweep.run()).toMatchObject({ checked: 0, erased: 0, holdingsDeleted: 0 })
  })

  it('never deletes under a restriction, and says so', async () => {
    await ctx.services
      .db('email_records')
      .where({ email_hmac: ctx.services.emailKey('held@example.org') })
      .update({ restricted_since: '2021-10-01' })
    ctx.setNow('2022-03-01T10:00:00Z')
    const report = await ctx.services.sweep.run()
    expect(report.erased).toBe(3)
    expect(report.deferred).toEqual([
      { recordId: (await record('held@example.org')).id, reason: expect.stringContaining('restricted') },
    ])
    expect((await record('held@example.org')).email).toBe('held@example.org')
  })

  it('freezes a record while a request for it is open, then deletes at the next sweep once it closes', async () => {
    ctx.setNow('2022-02-20T10:00:00Z')
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'asking@example.org' })
    ctx.setNow('2022-03-01T10:00:00Z')
    const frozen = await ctx.services.sweep.run()
    expect(frozen.deferred).toEqual([
      {
        recordId: (await record('asking@example.org')).id,
        reason: 'frozen: DSR-2022-00001 is open for this record',
      },
    ])
    expect((await record('asking@example.org')).email).toBe('asking@example.org')
    await ctx.services.db('rights_requests').where({ id: requestId }).update({ status: 'completed' })
    expect((await ctx.services.sweep.run()).erased).toBe(1)
  })

  it('stays frozen by a request linked to the record after the record’s address was corrected', async () => {
    ctx.setNow('2022-02-20T10:00:00Z')
    await fileConfirmedRequest(ctx, { email: 'asking@example.org', type: 'rectification' })
    // The address is corrected on the record: the request still names the old one.
    await ctx.services
      .db('email_records')
      .where({ email_hmac: ctx.services.emailKey('asking@example.org') })
      .update({ email: 'asking@example.org.uk', email_hmac: ctx.services.emailKey('asking@example.org.uk') })
    ctx.setNow('2022-03-01T10:00:00Z')
    const report = await ctx.services.sweep.run()
    expect(report.deferred).toEqual([
      expect.objectContaining({ reason: 'frozen: DSR-2022-00001 is open for this record' }),
    ])
    expect((await record('asking@example.org.uk')).email).toBe('asking@example.org.uk')
  })

  it('only reports what it would do on a dry run', async () => {
    ctx.setNow('2022-03-01T10:00:00Z')
    const report = await ctx.services.sweep.run({ dryRun: true })
    expect(report).toMatchObject({ dryRun: true, erased: 4 })
    expect(await ctx.services.db('email_records').whereNotNull('erased_on').count({ n: '*' })).toEqual([
      { n: expect.anything() },
    ])
    expect(
      Number((await ctx.services.db('email_records').whereNotNull('erased_on').count({ n: '*' }))[0]?.n),
    ).toBe(0)
    expect(await ctx.services.db('events').where({ kind: 'record.erased' })).toHaveLength(0)
  })

  it('keeps a record whose request is confirmed after the sweep listed it, before it takes the record', async () => {
    const { db } = ctx.services
    // Only the record asked about is due in this sweep.
    await db('email_records')
      .whereNot({ email_hmac: ctx.services.emailKey('asking@example.org') })
      .del()
    ctx.setNow('2022-03-01T10:00:00Z')
    // The request is confirmed just as the sweep opens the record's transaction: after it listed
    // the record as due, and after any check it might make outside that transaction.
    let confirmed = false
    const confirmingFirst = new Proxy(db, {
      get(target, property, receiver) {
        if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown
        return async (...args: Parameters<Db['transaction']>) => {
          if (!confirmed) {
            confirmed = true
            await fileConfirmedRequest(ctx, { email: 'asking@example.org' })
          }
          return target.transaction(...args)
        }
      },
    })
    const sweep = retentionSweep({
      db: confirmingFirst,
      records: ctx.services.records,
      studies: ctx.services.studies,
      requests: ctx.services.requests,
      now: ctx.now,
    })
    const report = await sweep.run()
    expect(confirmed).toBe(true)
    expect(report).toMatchObject({ erased: 0, holdingsDeleted: 0 })
    expect(report.deferred).toEqual([
      {
        recordId: (await record('asking@example.org')).id,
        reason: 'frozen: DSR-2022-00001 is open for this record',
      },
    ])
    expect((await record('asking@example.org')).email).toBe('asking@example.org')
    expect(await db('events').where({ kind: 'record.erased' })).toHaveLength(0)
  })

  it('never processes a record twice when two sweeps run at once', async () => {
    ctx.setNow('2022-03-01T10:00:00Z')
    const [a, b] = await Promise.all([ctx.services.sweep.run(), ctx.services.sweep.run()])
    expect(a.erased + b.erased).toBe(4)
    expect(await ctx.services.db('events').where({ kind: 'record.erased' })).toHaveLength(4)
    expect(await ctx.services.db('record_tasks')).toHaveLength(5)
  })
})

describe('deletion tasks', () => {
  it('are listed for staff who handle requests and ticked off with a note', async () => {
    ctx.setNow('2021-09-02T10:00:00Z')
    await ctx.services.sweep.run()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get('/staff/records/tasks').expect(200)
    expect(page.text).toContain('Delete the voucher correspondence with this address')
    const task = await ctx.services.db('record_tasks').first()
    const empty = await agent
      .post(`/staff/records/tasks/${task.id}/done`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), note: '' })
      .expect(400)
    expect(empty.text).toContain(`href="#note-${task.id}"`)
    await agent
      .post(`/staff/records/tasks/${task.id}/done`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), note: 'Deleted from the mailbox' })
      .expect(303)
    expect((await agent.get('/staff/records/tasks').expect(200)).text).toContain('No tasks are waiting')
    const { agent: auditor } = await signedInAgent(ctx, 'auditor')
    await auditor.get('/staff/records/tasks').expect(403)
  })

  it('decide when a swept holding is deleted: requested on the day of the sweep, deleted the day its task is done', async () => {
    // Ten to midnight in London on 2 September, the first day the voucher mail is due.
    ctx.setNow('2021-09-02T22:50:00Z')
    await ctx.services.sweep.run()
    const task = await ctx.services.db('record_tasks').first()
    expect(task).toMatchObject({ holding: 'voucher_correspondence', purpose: 'deletion', done_at: null })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const voucherStatus = async () => {
      const html = (await agent.get(`/staff/records/${(await record('voucher@example.org')).id}`).expect(200))
        .text
      return /Voucher correspondence<\/td>[\s\S]*?<strong class="govuk-tag[^"]*">([^<]*)</.exec(html)?.[1]
    }
    expect(await voucherStatus()).toBe('Deletion requested on 2 September 2021')

    // Ticked off just after midnight in London, while it is still 2 September in UTC.
    ctx.setNow('2021-09-02T23:10:00Z')
    const page = await agent.get('/staff/records/tasks').expect(200)
    await agent
      .post(`/staff/records/tasks/${task.id}/done`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), note: 'Deleted from the mailbox' })
      .expect(303)
    expect(await voucherStatus()).toBe('Deleted 3 September 2021')
  })
})
