import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { systemActor } from '../../src/audit/events.js'
import { londonDate } from '../../src/domain/clock.js'
import { erasurePlan, retentionStateAt } from '../../src/domain/retention.js'
import { eraseFromRecord } from '../../src/records/erasure.js'
import { importEmailRecords } from '../../src/records/import.js'
import { retentionPolicyOf } from '../../src/domain/study.js'
import { createTestContext, csrfFrom, testSecret, type TestContext } from '../helpers/context.js'
import { caseForm, postCaseAction } from '../helpers/cases.js'
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
            'swept@example.org,2021-06-01,2021-07-01\n' +
            'asked@example.org,2021-06-01,2021-07-01\n',
        ]),
      actor: { type: 'system', id: 'test' },
    },
  )
  // 1 March 2022: every retention period of both records has run out.
  ctx.setNow('2022-03-01T10:00:00Z')
})
afterEach(async () => {
  await ctx.destroy()
})

interface RecordRow {
  id: string
  email: string | null
  erased_on: string | null
  erasure_reason: string | null
  platform_deleted_on: string | null
  voucher_deleted_on: string | null
}
const recordOf = async (email: string): Promise<RecordRow> =>
  (await ctx.services
    .db('email_records')
    .where({ email_hmac: ctx.services.emailKey(email) })
    .first()) as RecordRow

async function trailOf(recordId: string) {
  const events = await ctx.services
    .db('events')
    .where({ subject_type: 'email_record', subject_id: recordId })
    .whereIn('kind', ['record.holding_deleted', 'record.erased', 'record.downloads_revoked'])
    .orderBy('seq')
  return events.map((e: { kind: string; data: string }) => {
    const data = JSON.parse(e.data) as Record<string, unknown>
    return {
      kind: e.kind,
      keys: Object.keys(data)
        .filter((k) => k !== 'requestId')
        .sort(),
      holding: data.holding,
    }
  })
}

describe('one erasure for the retention sweep and an erasure request', () => {
  it('leaves the same record state, events and deletion tasks either way', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'asked@example.org', type: 'erasure' })
    // The open erasure request freezes its record, so the sweep erases only the other one.
    expect(await ctx.services.sweep.run()).toMatchObject({ erased: 1, holdingsDeleted: 2 })

    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    const version = /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? ''
    await agent
      .post(`/staff/requests/${requestId}/erase-record`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version, confirm: 'yes' })
      .expect(303)

    const swept = await recordOf('swept@example.org')
    const asked = await recordOf('asked@example.org')
    const stateOf = (r: RecordRow) => ({
      email: r.email,
      erased_on: r.erased_on,
      platform_deleted_on: r.platform_deleted_on,
      voucher_deleted_on: r.voucher_deleted_on,
    })
    expect(stateOf(asked)).toEqual(stateOf(swept))
    expect(stateOf(swept)).toEqual({
      email: null,
      erased_on: '2022-03-01',
      platform_deleted_on: '2022-03-01',
      voucher_deleted_on: '2022-03-01',
    })
    expect([swept.erasure_reason, asked.erasure_reason]).toEqual(['retention_schedule', 'erasure_request'])

    expect(await trailOf(asked.id)).toEqual(await trailOf(swept.id))
    expect((await trailOf(swept.id)).map((e) => e.kind)).toEqual([
      'record.holding_deleted',
      'record.holding_deleted',
      'record.erased',
    ])

    const tasksOf = (recordId: string) =>
      ctx.services
        .db('record_tasks')
        .where({ record_id: recordId })
        .orderBy('holding')
        .select('holding', 'title')
    expect(await tasksOf(asked.id)).toEqual(await tasksOf(swept.id))
    expect(await tasksOf(swept.id)).toHaveLength(2)
    // The erasure request also carries the outside deletions as its own tasks, to tick off before completing.
    expect(
      await ctx.services
        .db('request_tasks')
        .where({ request_id: requestId })
        .whereNull('kind')
        .orderBy('title')
        .pluck('title'),
    ).toEqual([
      'Delete the address from the survey platform',
      'Delete the voucher correspondence with this address',
    ])
  })

  it.each(['retention_schedule', 'erasure_request'] as const)(
    'refuses a record whose version changed since it was read (%s)',
    async (reason) => {
      const { id } = await ctx.services.db('email_records').where({ email: 'swept@example.org' }).first('id')
      const target = (await ctx.services.records.findWithVersion(ctx.services.db, id as string))!
      // Someone else changes the record after it was read.
      await ctx.services.db('email_records').where({ id: target.record.id }).increment('version', 1)
      const study = (await ctx.services.studies.findById(target.record.studyId))!
      const at = ctx.now()
      const plan = erasurePlan(
        retentionStateAt(target.record.facts, retentionPolicyOf(study), londonDate(at)),
        reason === 'retention_schedule' ? 'due' : 'everything',
      )
      expect(plan.holdings).toHaveLength(2)
      const erased = await ctx.services.db.transaction((trx) =>
        eraseFromRecord(trx, {
          record: target.record,
          version: target.version,
          plan,
          reason,
          actor: systemActor('test'),
          at,
        }),
      )
      expect(erased).toBe(false)
      expect(await recordOf('swept@example.org')).toMatchObject({
        email: 'swept@example.org',
        erased_on: null,
      })
      expect(await ctx.services.db('record_tasks')).toHaveLength(0)
      expect(
        await ctx.services.db('events').whereIn('kind', ['record.erased', 'record.holding_deleted']),
      ).toHaveLength(0)
    },
  )
})

describe('an erasure request’s deletion tasks', () => {
  it('tick the record’s task with them, so the holding is deleted the day the request task is done', async () => {
    // Ten to midnight on 1 March (London is on GMT): the erasure is done that day.
    ctx.setNow('2022-03-01T23:40:00Z')
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'asked@example.org', type: 'erasure' })
    const { agent, user } = await signedInAgent(ctx, 'dpo')
    await postCaseAction(agent, requestId, 'erase-record', { confirm: 'yes' }, 303)
    const recordId = (await recordOf('asked@example.org')).id
    const recordTasks: { id: string; holding: string; title: string; purpose: string }[] = await ctx.services
      .db('record_tasks')
      .where({ record_id: recordId })
      .orderBy('holding')
    expect(recordTasks.map((t) => [t.holding, t.purpose])).toEqual([
      ['survey_platform', 'deletion'],
      ['voucher_correspondence', 'deletion'],
    ])
    const requestTasks: { id: string; title: string; record_task_id: string }[] = await ctx.services
      .db('request_tasks')
      .where({ request_id: requestId })
      .whereNull('kind')
      .orderBy('title')
    expect(requestTasks.map((t) => [t.title, t.record_task_id])).toEqual(
      recordTasks.map((t) => [t.title, t.id]),
    )
    const [platformTask, voucherTask] = requestTasks as [(typeof requestTasks)[0], (typeof requestTasks)[0]]

    // The status of each holding on the record page, in order.
    const statuses = async () => {
      const html = (await agent.get(`/staff/records/${recordId}`).expect(200)).text
      return [...html.matchAll(/<td class="govuk-table__cell"><strong class="govuk-tag[^"]*">([^<]*)</g)].map(
        (m) => m[1],
      )
    }
    expect(await statuses()).toEqual([
      'Deletion requested on 1 March 2022',
      'Deletion requested on 1 March 2022',
    ])
    const { page, csrf } = await caseForm(agent, requestId)
    expect(page.text).toContain('Deletion requested on 1 March 2022')

    // Ticked off on the case just after midnight: 2 March.
    ctx.setNow('2022-03-02T00:10:00Z')
    const tick = async (taskId: string) =>
      agent
        .post(`/staff/requests/${requestId}/tasks/${taskId}/done`)
        .type('form')
        .send({ _csrf: csrf, resolution: 'done', taskNote: 'Deleted by the platform admin' })
    expect((await tick(platformTask.id)).status).toBe(303)
    const tickedOn = await ctx.services.db('request_tasks').where({ id: platformTask.id }).first()
    expect(tickedOn.done_at).toMatch(/^2022-03-02T00:10/)
    expect(
      await ctx.services.db('record_tasks').where({ id: platformTask.record_task_id }).first(),
    ).toMatchObject({
      done_at: tickedOn.done_at,
      done_by: user.id,
      done_note: 'Deleted by the platform admin',
    })
    const doneEvents = await ctx.services.db('events').where({
      kind: 'record.task_done',
      subject_type: 'record_task',
      subject_id: platformTask.record_task_id,
    })
    expect(doneEvents.map((e: { data: string }) => JSON.parse(e.data) as unknown)).toEqual([{ requestId }])
    expect(await statuses()).toEqual(['Deleted 2 March 2022', 'Deletion requested on 1 March 2022'])

    // A record task ticked off on the deletion tasks page ticks the request's side off with it.
    await agent
      .post(`/staff/records/tasks/${voucherTask.record_task_id}/done`)
      .type('form')
      .send({ _csrf: csrf, note: 'Mailbox emptied' })
      .expect(303)
    expect(
      await ctx.services.db('record_tasks').where({ id: voucherTask.record_task_id }).first(),
    ).toMatchObject({
      done_note: 'Mailbox emptied',
    })
    expect(await ctx.services.db('request_tasks').where({ id: voucherTask.id }).first()).toMatchObject({
      done_note: 'Mailbox emptied',
      done_by: user.id,
      resolution: 'done',
    })
    const caseEvents = await ctx.services
      .db('events')
      .where({ kind: 'case.task_done', subject_type: 'request', subject_id: requestId })
    expect(caseEvents.map((e: { data: string }) => JSON.parse(e.data) as unknown)).toContainEqual({
      taskId: voucherTask.id,
    })
    // Ticking it again on the case changes nothing.
    expect((await tick(voucherTask.id)).status).toBe(409)
    expect(
      await ctx.services
        .db('events')
        .where({ kind: 'record.task_done', subject_id: voucherTask.record_task_id }),
    ).toHaveLength(1)
    expect(
      await ctx.services
        .db('request_tasks')
        .where({ request_id: requestId })
        .whereNull('kind')
        .whereNull('done_at'),
    ).toEqual([])
  })
})
