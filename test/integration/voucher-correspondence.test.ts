import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { down, up } from '../../migrations/20261202000300_add_voucher_correspondence_category.js'
import type { AccessAnswer } from '../../src/domain/answer.js'
import { importEmailRecords } from '../../src/records/import.js'
import { caseForm, postCaseAction } from '../helpers/cases.js'
import { createTestContext, testSecret, type TestContext } from '../helpers/context.js'
import { freshDb } from '../helpers/db.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { createStaff, signedInAgent } from '../helpers/staff.js'

const seedStudyId = '5b0f7d0e-4a1e-4c9b-9d3e-2a6f1c7e0001'
const seedKeys = ['email', 'occupation', 'sex', 'age', 'ethnicity', 'survey_answers']
const mailboxValue =
  'Held in our mailbox for voucher correspondence. We provide a copy of it with this answer.'

// Records as the demo imports them into the seed study: one whose voucher was sent on 20 July 2021
// (its correspondence kept through 20 September), one who was never sent a voucher.
let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-08-02T10:00:00Z' })
  await importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId: seedStudyId,
      open: () =>
        Readable.from([
          'email,participated,voucher sent,extracted\n' +
            'person1@study1.demo.test,2021-06-15,2021-07-20,\n' +
            'person3@study1.demo.test,2021-06-15,,\n',
        ]),
      actor: { type: 'system', id: 'test' },
    },
  )
})
afterEach(async () => {
  await ctx.destroy()
})

type Agent = Awaited<ReturnType<typeof signedInAgent>>['agent']

/** Prepares the access answer on the case page and reads back the draft and its page. */
async function prepared(agent: Agent, requestId: string) {
  await postCaseAction(agent, requestId, 'prepare-answer', {}, 303)
  const file = (await ctx.services
    .db('request_files')
    .where({ request_id: requestId, kind: 'access_answer' })
    .whereNull('published_at')
    .first()) as { id: string; body: Buffer }
  const answer = JSON.parse(Buffer.from(file.body).toString('utf8')) as AccessAnswer
  const html = await agent.get(`/staff/requests/${requestId}/files/${file.id}/html`).expect(200)
  const row = answer.data.find((d) => d.category === 'Correspondence about your voucher')
  return { answer, row, html: html.text }
}

/** The rendered block of one category in the answer page, from its heading to the next. */
const blockOf = (html: string, label: string) => {
  const start = html.indexOf(`<h3>${label}`)
  return start < 0 ? '' : html.slice(start, html.indexOf('</div>', start))
}

describe('the voucher correspondence in the seed study’s data map', () => {
  it('comes right after the email address, as the privacy notice describes it', async () => {
    const map = await ctx.services.studies.dataMap(seedStudyId)
    expect(map.map((c) => c.key)).toEqual([
      'email',
      'voucher_correspondence',
      'occupation',
      'sex',
      'age',
      'ethnicity',
      'survey_answers',
    ])
    expect(map[1]).toMatchObject({
      label: 'Correspondence about your voucher',
      lawfulBasis: 'legitimate_interests',
      specialCategory: false,
      specialCategoryCondition: null,
      linkedAfterExtraction: true,
    })
    expect(map[1]?.purpose).toContain('resolve any issue with the voucher')
    expect(map[1]?.heldIn).toContain('mailbox for voucher correspondence')
    expect(map[1]?.retentionRule).toContain('2 months after the voucher was sent')
  })

  it('is removed by its migration’s down, positions closed up, and added once only', async () => {
    const { db } = ctx.services
    const rows = () =>
      db('study_data_categories')
        .where({ study_id: seedStudyId })
        .orderBy('position')
        .select('key', 'position')
    await down(db)
    expect(await rows()).toEqual(seedKeys.map((key, position) => ({ key, position })))
    await up(db)
    await up(db)
    expect((await rows()).map((r: { key: string }) => r.key)).toEqual([
      'email',
      'voucher_correspondence',
      ...seedKeys.slice(1),
    ])
    expect((await rows()).map((r: { position: number | string }) => Number(r.position))).toEqual([
      0, 1, 2, 3, 4, 5, 6,
    ])

    // A category the study's admin added with that key is left as it is, and so is the order.
    await down(db)
    await db('study_data_categories').insert({
      id: '00000000-0000-4000-8000-0000000000aa',
      study_id: seedStudyId,
      key: 'voucher_correspondence',
      label: 'Voucher emails',
      purpose: 'Vouchers',
      lawful_basis: 'legitimate_interests',
      held_in: 'Mailbox',
      retention_rule: 'Two months',
      position: 6,
    })
    await up(db)
    const theirs = await db('study_data_categories').where({
      study_id: seedStudyId,
      key: 'voucher_correspondence',
    })
    expect(theirs).toMatchObject([{ label: 'Voucher emails', position: 6 }])
    await down(db)
    expect(await db('study_data_categories').where({ key: 'voucher_correspondence' })).toHaveLength(1)
  })

  it('adds nothing where the seed study is not there', async () => {
    const other = await freshDb()
    try {
      await other.db('studies').where({ id: seedStudyId }).delete()
      expect(await other.db('study_data_categories').where({ study_id: seedStudyId })).toEqual([])
      await up(other.db)
      expect(await other.db('study_data_categories').where({ key: 'voucher_correspondence' })).toEqual([])
    } finally {
      await other.destroy()
    }
  })
})

describe('the access answer for a record with a voucher sent', () => {
  it('lists the correspondence as held while it is kept, with a copy from the mailbox or attached', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'person1@study1.demo.test' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const first = await prepared(agent, requestId)
    expect(first.answer.data.map((d) => d.category)[1]).toBe('Correspondence about your voucher')
    expect(first.row).toMatchObject({
      held: 'held',
      value: mailboxValue,
      lawfulBasis: 'Legitimate interests',
      specialCategory: false,
    })
    const block = blockOf(first.html, 'Correspondence about your voucher')
    expect(block).toContain('Held and linked to you')
    expect(block).toContain(mailboxValue)
    const event = await ctx.services
      .db('events')
      .where({ subject_id: requestId, kind: 'case.answer_prepared' })
      .first<{ data: string }>()
    expect(
      (JSON.parse(event?.data ?? '{}') as { evidence: { categories: { key: string; held: string }[] } })
        .evidence.categories[1],
    ).toEqual({ key: 'voucher_correspondence', held: 'held' })

    // A copy of the survey data says nothing of the correspondence; a copy of the correspondence does.
    const { csrf } = await caseForm(agent, requestId)
    const attach = (name: string) =>
      agent
        .post(`/staff/requests/${requestId}/attachments?_csrf=${encodeURIComponent(csrf)}`)
        .attach('attachment', Buffer.from('From: us\nYour voucher code is on its way.\n'), name)
        .expect(303)
    await attach('platform-export.csv')
    expect((await prepared(agent, requestId)).row?.value).toBe(mailboxValue)
    await attach('voucher-correspondence.txt')
    const attached = await prepared(agent, requestId)
    expect(attached.row).toMatchObject({
      held: 'held',
      value: 'See the attached copy: voucher-correspondence.txt.',
    })
    expect(blockOf(attached.html, 'Correspondence about your voucher')).toContain(
      'See the attached copy: voucher-correspondence.txt.',
    )
  })

  it('follows its holding: held when due, deletion requested after the sweep, deleted, then erased', async () => {
    // Each answer is for a request withdrawn once read: an open request holds the sweep back.
    const answerOn = async (instant: string) => {
      ctx.setNow(instant)
      const { requestId, statusToken } = await fileConfirmedRequest(ctx, {
        email: 'person1@study1.demo.test',
      })
      const { agent } = await signedInAgent(ctx, 'dpo', `dpo-${instant.slice(0, 10)}@portal.test`)
      const answer = await prepared(agent, requestId)
      await ctx.services.intake.withdraw(statusToken)
      return answer
    }
    // Due for deletion from 21 September, and still there until the sweep deletes it.
    expect((await answerOn('2021-09-21T08:00:00Z')).row).toMatchObject({ held: 'held', value: mailboxValue })

    ctx.setNow('2021-09-21T10:00:00Z')
    expect(await ctx.services.sweep.run()).toMatchObject({ holdingsDeleted: 1, erased: 0 })
    const requested = await answerOn('2021-09-22T10:00:00Z')
    expect(requested.row).toMatchObject({
      held: 'deletion_requested',
      value: null,
      explanation:
        'We asked for it to be deleted on 21 September 2021; that it is gone has not been confirmed yet.',
    })
    expect(blockOf(requested.html, 'Correspondence about your voucher')).toContain(
      'Deletion requested, not yet confirmed',
    )

    const task = (await ctx.services
      .db('record_tasks')
      .where({ holding: 'voucher_correspondence' })
      .first()) as {
      id: string
    }
    ctx.setNow('2021-09-23T10:00:00Z')
    await ctx.services.recordTasks.complete({ type: 'staff', id: null }, task.id, 'Mailbox emptied')
    const deleted = await answerOn('2021-09-24T10:00:00Z')
    expect(deleted.row).toMatchObject({
      held: 'deleted',
      value: null,
      explanation: 'We deleted it on 23 September 2021.',
    })
    // The address itself is still held on the survey platform.
    expect(deleted.answer.data[0]).toMatchObject({ held: 'held', value: 'person1@study1.demo.test' })

    const { requestId: erasureId } = await fileConfirmedRequest(ctx, {
      email: 'person1@study1.demo.test',
      type: 'erasure',
    })
    const dpo = await createStaff(ctx, 'dpo')
    const erasure = await ctx.services.requests.findById(erasureId)
    await ctx.services.caseHandling.eraseRecordNow(dpo, erasureId, erasure!.version)
    const erased = await answerOn('2021-09-25T10:00:00Z')
    expect(erased.row).toMatchObject({ held: 'erased', value: null })
  })
})

describe('the access answer for a record without a voucher', () => {
  it('shows the voucher correspondence as not held, whatever is attached', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'person3@study1.demo.test' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { csrf } = await caseForm(agent, requestId)
    await agent
      .post(`/staff/requests/${requestId}/attachments?_csrf=${encodeURIComponent(csrf)}`)
      .attach('attachment', Buffer.from('nothing'), 'voucher-search.txt')
      .expect(303)
    const { answer, row, html } = await prepared(agent, requestId)
    expect(answer.emailRecord?.voucherSentOn).toBeNull()
    expect(answer.emailRecord?.whereHeld.map((h) => h.where)).toEqual(['Survey platform'])
    expect(row).toMatchObject({
      held: 'not_held',
      value: null,
      explanation: 'We have not sent you a voucher, so we hold no correspondence with you about one.',
    })
    const block = blockOf(html, 'Correspondence about your voucher')
    expect(block).toContain('Not held')
    expect(block).toContain('We have not sent you a voucher')
    expect(block).not.toContain('Your data')
    // The rest of the answer is as before: the address and the survey data still linked to it.
    expect(answer.data[0]).toMatchObject({ held: 'held', value: 'person3@study1.demo.test' })
    expect(answer.data.find((d) => d.category === 'Ethnicity')?.held).toBe('held')
  })
})
