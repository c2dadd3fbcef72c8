import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { up as linkErasureRequestTasks } from '../../migrations/20261201000830_link_erasure_request_tasks.js'
import { up as markDeletionTasks } from '../../migrations/20261201000810_mark_record_deletion_tasks.js'
import { importEmailRecords } from '../../src/records/import.js'
import { postCaseAction } from '../helpers/cases.js'
import { createTestContext, testSecret, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { createStaff, signedInAgent } from '../helpers/staff.js'

// Voucher mail sent on 1 July 2021 is kept through 1 September; the sweep deletes it on the 2nd and
// asks for the copy in the mailbox to be deleted.
let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-09-01T10:00:00Z' })
  const studyId = (await ctx.services.studies.listAccepting())[0]!.id
  await importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId,
      open: () =>
        Readable.from(['email,participated,voucher sent\nkept@example.org,2021-06-01,2021-07-01\n']),
      actor: { type: 'system', id: 'test' },
    },
  )
  ctx.setNow('2021-09-02T10:00:00Z')
  expect(await ctx.services.sweep.run()).toMatchObject({ holdingsDeleted: 1, erased: 0 })
  ctx.setNow('2021-09-06T10:00:00Z')
})
afterEach(async () => {
  await ctx.destroy()
})

const recordId = async () =>
  (
    (await ctx.services
      .db('email_records')
      .where({ email_hmac: ctx.services.emailKey('kept@example.org') })
      .first()) as { id: string }
  ).id

/** An erasure request from the address, erased by a DPO through the case service. */
async function eraseOnRequest() {
  const { requestId } = await fileConfirmedRequest(ctx, { email: 'kept@example.org', type: 'erasure' })
  const dpo = await createStaff(ctx, 'dpo')
  const request = await ctx.services.requests.findById(requestId)
  await ctx.services.caseHandling.eraseRecordNow(dpo, requestId, request!.version)
  return requestId
}

describe('holdings outside the portal', () => {
  it('are in the access answer as requested for deletion, not yet confirmed, until their task is done', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'kept@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await postCaseAction(agent, requestId, 'prepare-answer', {}, 303)
    const file = (await ctx.services
      .db('request_files')
      .where({ request_id: requestId, kind: 'access_answer' })
      .first()) as { id: string; body: Buffer }
    const answer = JSON.parse(Buffer.from(file.body).toString('utf8')) as {
      emailRecord: { whereHeld: unknown[] }
    }
    expect(answer.emailRecord.whereHeld).toEqual([
      { where: 'Survey platform', keptUntil: '2022-02-28', deletedOn: null },
      {
        where: 'Voucher correspondence',
        keptUntil: '2021-09-01',
        deletedOn: null,
        deletionRequestedOn: '2021-09-02',
      },
    ])
    const html = await agent.get(`/staff/requests/${requestId}/files/${file.id}/html`).expect(200)
    expect(html.text).toContain('Requested on 2 September 2021, not yet confirmed')

    const task = (await ctx.services.db('record_tasks').first()) as { id: string }
    await ctx.services.recordTasks.complete({ type: 'staff', id: null }, task.id, 'Mailbox emptied')
    await postCaseAction(agent, requestId, 'prepare-answer', {}, 303)
    const again = (await ctx.services
      .db('request_files')
      .where({ request_id: requestId, kind: 'access_answer' })
      .first()) as { body: Buffer }
    const answered = JSON.parse(Buffer.from(again.body).toString('utf8')) as typeof answer
    expect(answered.emailRecord.whereHeld[1]).toEqual({
      where: 'Voucher correspondence',
      keptUntil: '2021-09-01',
      deletedOn: '2021-09-06',
    })
  })

  it('are not asked to be deleted twice: an erasure request leaves alone what the sweep let go', async () => {
    const requestId = await eraseOnRequest()
    expect(
      await ctx.services
        .db('record_tasks')
        .where({ record_id: await recordId() })
        .orderBy('holding')
        .select('holding', 'purpose', 'created_at'),
    ).toEqual([
      { holding: 'survey_platform', purpose: 'deletion', created_at: expect.stringMatching(/^2021-09-06/) },
      {
        holding: 'voucher_correspondence',
        purpose: 'deletion',
        created_at: expect.stringMatching(/^2021-09-02/),
      },
    ])
    expect(
      await ctx.services
        .db('request_tasks')
        .where({ request_id: requestId })
        .whereNull('kind')
        .pluck('title'),
    ).toEqual(['Delete the address from the survey platform'])
  })

  it('made before task purposes were kept are found again: deletions marked, erasure request tasks linked', async () => {
    const requestId = await eraseOnRequest()
    const record = await recordId()
    await ctx.services.db('record_tasks').insert({
      id: '00000000-0000-4000-8000-000000000001',
      record_id: record,
      study_id: (await ctx.services.studies.listAccepting())[0]!.id,
      holding: 'survey_platform',
      title: 'Correct the address on the survey platform',
      created_at: ctx.now().toISOString(),
    })
    // As the rows stood before the columns existed.
    await ctx.services.db('record_tasks').update({ purpose: 'other' })
    await ctx.services.db('request_tasks').update({ record_task_id: null })
    expect((await ctx.services.records.findById(record))?.facts.deletionDone).toEqual({})

    await markDeletionTasks(ctx.services.db)
    await linkErasureRequestTasks(ctx.services.db)
    const purposes = await ctx.services
      .db('record_tasks')
      .where({ record_id: record })
      .orderBy('title')
      .select('title', 'purpose')
    expect(purposes).toEqual([
      { title: 'Correct the address on the survey platform', purpose: 'other' },
      { title: 'Delete the address from the survey platform', purpose: 'deletion' },
      { title: 'Delete the voucher correspondence with this address', purpose: 'deletion' },
    ])
    const platformTask = (await ctx.services
      .db('record_tasks')
      .where({ record_id: record, title: 'Delete the address from the survey platform' })
      .first()) as { id: string }
    expect(
      await ctx.services
        .db('request_tasks')
        .where({ request_id: requestId })
        .whereNull('kind')
        .select('title', 'record_task_id'),
    ).toEqual([{ title: 'Delete the address from the survey platform', record_task_id: platformTask.id }])
    expect((await ctx.services.records.findById(record))?.facts.deletionDone).toEqual({
      survey_platform: null,
      voucher_correspondence: null,
    })
  })
})
