import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RequestDetails, RequestType } from '../../src/domain/request-types.js'
import { importEmailRecords } from '../../src/records/import.js'
import { caseForm, dpoSignIn, postCaseAction } from '../helpers/cases.js'
import { createTestContext, csrfFrom, testSecret, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

type Agent = ReturnType<TestContext['agent']>
interface TaskRow {
  id: string
  kind: string | null
  subject: string | null
  title: string
  done_at: string | null
  resolution: string | null
}

const post = postCaseAction
const dpoAt = dpoSignIn(() => ctx)
const db = () => ctx.services.db
const row = (id: string) => db()('rights_requests').where({ id }).first()
const tasksOf = (id: string): Promise<TaskRow[]> =>
  db()('request_tasks').where({ request_id: id }).orderBy('created_at').orderBy('id')
interface EventRow {
  kind: string
  data: string
}
const eventsOf = (id: string): Promise<EventRow[]> =>
  db()('events').where({ subject_type: 'request', subject_id: id }).orderBy('seq')
const dataOf = (e: EventRow) => JSON.parse(e.data) as Record<string, unknown>
const completionOf = async (id: string) =>
  (await db()('request_messages').where({ request_id: id, kind: 'completion' }).first()) as
    { body: string } | undefined

async function importRecords(...addresses: string[]) {
  const study = (await ctx.services.studies.listAccepting())[0]
  if (!study) throw new Error('No study')
  await importEmailRecords(
    { db: db(), secret: testSecret, now: ctx.now },
    {
      studyId: study.id,
      open: () =>
        Readable.from([`email,participated\n${addresses.map((a) => `${a},2021-06-01`).join('\n')}\n`]),
      actor: { type: 'system', id: 'test' },
    },
  )
}

async function file(type: RequestType, email: string, details?: RequestDetails) {
  await importRecords(email)
  return (await fileConfirmedRequest(ctx, { type, email, ...(details ? { details } : {}) })).requestId
}

async function tick(
  agent: Agent,
  requestId: string,
  taskId: string,
  fields: Record<string, string>,
  expected: number,
) {
  const { csrf } = await caseForm(agent, requestId)
  const res = await agent
    .post(`/staff/requests/${requestId}/tasks/${taskId}/done`)
    .type('form')
    .send({ _csrf: csrf, ...fields })
  expect(res.status).toBe(expected)
  return res
}

function draftOf(html: string): string {
  const raw = /<textarea[^>]*id="complete-letter"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1] ?? ''
  return raw
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim()
}

const recipientCount = 3

describe('rectification of survey data (Art. 16) with its recipients (Art. 19)', () => {
  const details: RequestDetails = {
    type: 'rectification',
    categories: ['email', 'occupation', 'age'],
    inaccurate: 'My occupation is out of date and my age is missing a band',
    correction: 'Team manager',
    statement: 'I answered the age question before my birthday in June.',
    askRecipients: true,
  }

  it('corrects on the platform through a task, tells each recipient, and says exactly what was done where', async () => {
    const requestId = await file('rectification', 'sam@example.org', details)
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const page = (await caseForm(agent, requestId)).page.text
    expect(page).toContain('Decide a correction')
    expect(page).toContain('I answered the age question before my birthday')

    // A decision that does not fit changes nothing and says why, on its field.
    const before = (await eventsOf(requestId)).length
    const noReasons = await post(
      agent,
      requestId,
      'rectification',
      { category: 'email', decision: 'not_inaccurate', reasoning: '' },
      400,
    )
    expect(noReasons.text).toContain('href="#rectify-reasoning"')
    const viaForm = await post(
      agent,
      requestId,
      'rectification',
      { category: 'email', decision: 'corrected' },
      400,
    )
    expect(viaForm.text).toContain('Correct the address with its own form')
    expect((await eventsOf(requestId)).length).toBe(before)
    expect(await db()('request_decisions').where({ request_id: requestId })).toEqual([])

    // Occupation: corrected on the survey platform, a task on the case.
    await post(agent, requestId, 'rectification', { category: 'occupation', decision: 'corrected' }, 303)
    const [rectify] = await tasksOf(requestId)
    expect(rectify).toMatchObject({ kind: 'rectify', subject: 'occupation', done_at: null })
    expect(rectify?.title).toBe('Correct their occupation on the survey platform, as the request asks')
    // Age: completed by the person's statement, kept with the record.
    await post(agent, requestId, 'rectification', { category: 'age', decision: 'supplemented' }, 303)
    const [supplement] = await db()('record_supplements').where({ request_id: requestId })
    expect(supplement).toMatchObject({
      category: 'age',
      statement: 'I answered the age question before my birthday in June.',
      record_id: (await row(requestId)).record_id,
    })
    // Email: accurate, with the reasons the answer quotes.
    const reasoning = 'The address you gave matches the one you used to take part.'
    await post(
      agent,
      requestId,
      'rectification',
      { category: 'email', decision: 'not_inaccurate', reasoning },
      303,
    )

    // The platform task is open: the request cannot be completed yet.
    const blocked = await post(agent, requestId, 'complete', { letter: 'Our answer.' }, 400)
    expect(blocked.text).toMatch(/href="#(tasks|parts)"/)

    // The supplement counted as a rectification carried out: each recipient has a task already.
    const notices = (await tasksOf(requestId)).filter((t) => t.kind === 'notify_recipient')
    expect(notices).toHaveLength(recipientCount)
    expect(
      notices
        .map((t) => t.title)
        .every((t) => t.startsWith('Tell this recipient about the correction (Article 19): ')),
    ).toBe(true)

    await tick(agent, requestId, rectify?.id ?? '', { taskNote: 'Changed in the platform admin' }, 303)
    // Ticking the correction off does not add the recipients twice.
    expect((await tasksOf(requestId)).filter((t) => t.kind === 'notify_recipient')).toHaveLength(
      recipientCount,
    )

    const [platform, archive, authorities] = [
      notices.find((t) => t.subject?.startsWith('Pre-approved')),
      notices.find((t) => t.subject?.includes('Secure Research Service')),
      notices.find((t) => t.subject?.startsWith('Law enforcement')),
    ]
    // Not telling a recipient needs its reason; no outcome at all is refused too.
    const noReason = await tick(
      agent,
      requestId,
      authorities?.id ?? '',
      { resolution: 'disproportionate', taskNote: '' },
      400,
    )
    expect(noReason.text).toContain('Enter why telling them would involve disproportionate effort')
    expect(noReason.text).toContain(`href="#taskNote-${authorities?.id ?? ''}"`)
    const noOutcome = await tick(agent, requestId, authorities?.id ?? '', { taskNote: 'x' }, 400)
    expect(noOutcome.text).toContain(`href="#resolution-${authorities?.id ?? ''}"`)
    expect((await tasksOf(requestId)).find((t) => t.id === authorities?.id)?.done_at).toBeNull()

    await tick(
      agent,
      requestId,
      platform?.id ?? '',
      { resolution: 'notified', taskNote: 'Emailed their DPO' },
      303,
    )
    await tick(
      agent,
      requestId,
      archive?.id ?? '',
      { resolution: 'not_disclosed', taskNote: 'The archive holds no identifiers' },
      303,
    )
    await tick(
      agent,
      requestId,
      authorities?.id ?? '',
      { resolution: 'disproportionate', taskNote: 'No disclosure was ever made to any of them.' },
      303,
    )

    const draft = draftOf((await caseForm(agent, requestId)).page.text)
    expect(draft).toContain('Your occupation: we corrected it on the survey platform on 3 March 2026.')
    expect(draft).toContain(
      'Your age: we added your supplementary statement to our record of you on 3 March 2026',
    )
    expect(draft).not.toContain('Your email address: we corrected')
    expect(draft).toContain('You asked us who we told about this (Article 19)')
    // In the study's order, whatever order the ids fall in.
    const listed = draft.split('\n').filter((l) => l.startsWith('- '))
    expect(listed.map((l) => l.slice(2, 12))).toEqual(
      ['Pre-approve', 'The Office ', 'Law enforc'].map((p) => p.slice(0, 10)),
    )
    expect(draft).toContain(
      '- Pre-approved online survey platform providers, who run the survey for us: we told them on 3 March 2026.',
    )
    expect(draft).toContain('because your data was never disclosed to them')
    expect(draft).toContain(
      'would involve disproportionate effort: No disclosure was ever made to any of them.',
    )

    await post(agent, requestId, 'complete', { letter: draft }, 303)
    expect(await row(requestId)).toMatchObject({ status: 'completed', outcome: 'partly_fulfilled' })
    const letter = (await completionOf(requestId))?.body ?? ''
    // The accurate address is kept back: the portal's closing gives the ground, the reasons and the rights.
    expect(letter).toContain('The data is accurate, so there is nothing to correct (Article 16)')
    expect(letter).toContain(reasoning)
    expect(letter).toContain('Information Commissioner')

    // The trail keeps ids, kinds and outcomes; never the statement, the reasons or the notes.
    const events = await eventsOf(requestId)
    const decided = events.filter((e) => e.kind === 'case.rectification_decided').map(dataOf)
    expect(decided.map((d) => [d.category, d.decision])).toEqual([
      ['occupation', 'corrected'],
      ['age', 'supplemented'],
      ['email', 'not_inaccurate'],
    ])
    expect(decided[0]).toEqual({ category: 'occupation', decision: 'corrected', taskId: rectify?.id })
    const done = events.filter((e) => e.kind === 'case.task_done').map(dataOf)
    expect(done).toContainEqual({
      taskId: archive?.id,
      kind: 'notify_recipient',
      resolution: 'not_disclosed',
    })
    const trail = JSON.stringify(events.map((e) => e.data))
    expect(trail).not.toContain('birthday')
    expect(trail).not.toContain('matches the one you used')
    expect(trail).not.toContain('Emailed their DPO')
  })

  it('erases the supplementary statement with the address', async () => {
    const requestId = await file('rectification', 'kim@example.org', { ...details, categories: ['age'] })
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    await post(agent, requestId, 'rectification', { category: 'age', decision: 'supplemented' }, 303)
    expect(await db()('record_supplements')).toHaveLength(1)
    const recordId = String((await row(requestId)).record_id)
    const recordPage = await agent.get(`/staff/records/${recordId}`).expect(200)
    expect(recordPage.text).toContain('Supplementary statements')
    expect(recordPage.text).toContain('I answered the age question before my birthday in June.')
    const erasure = (await fileConfirmedRequest(ctx, { type: 'erasure', email: 'kim@example.org' })).requestId
    await post(agent, erasure, 'erase-record', { confirm: 'yes' }, 303)
    expect(await db()('record_supplements')).toEqual([])
    const erasedPage = await agent.get(`/staff/records/${recordId}`).expect(200)
    expect(erasedPage.text).not.toContain('before my birthday')
  })

  it('is for staff who handle requests: an auditor is refused, and a forged form too', async () => {
    const requestId = await file('rectification', 'lee@example.org', details)
    const { agent: auditor } = await signedInAgent(ctx, 'auditor')
    const page = await auditor.get(`/staff/requests/${requestId}`).expect(200)
    expect(page.text).not.toContain('Decide a correction')
    await auditor
      .post(`/staff/requests/${requestId}/rectification`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: '1', category: 'occupation', decision: 'corrected' })
      .expect(403)
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    await agent
      .post(`/staff/requests/${requestId}/rectification`)
      .type('form')
      .send({ _csrf: 'forged', version: '1', category: 'occupation', decision: 'corrected' })
      .expect(403)
    expect(await tasksOf(requestId)).toEqual([])
  })
})

describe('withdrawal of consent (Arts 7(3), 17(1)(b))', () => {
  it('stops the consent-based data on the platform and records the erasure decision', async () => {
    const requestId = await file('withdraw_consent', 'ana@example.org', {
      type: 'withdraw_consent',
      consent: 'ethnicity',
    })
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    await post(agent, requestId, 'withdraw-consent', {}, 303)
    const tasks = await tasksOf(requestId)
    expect(tasks.map((t) => [t.kind, t.subject])).toEqual([
      ['stop_processing', 'ethnicity'],
      ['consider_erasure', 'ethnicity'],
    ])
    await post(agent, requestId, 'complete', { letter: 'Our answer.' }, 400)

    const [stop, consider] = tasks as [TaskRow, TaskRow]
    await tick(agent, requestId, stop.id, { taskNote: 'Excluded from the platform export' }, 303)
    const noChoice = await tick(agent, requestId, consider.id, { taskNote: 'x' }, 400)
    expect(noChoice.text).toContain('Select how the task was resolved')
    await tick(
      agent,
      requestId,
      consider.id,
      { resolution: 'erase', taskNote: 'Consent was the only ground' },
      303,
    )
    const erase = (await tasksOf(requestId)).find((t) => t.kind === 'erase_category')
    expect(erase).toMatchObject({ subject: 'ethnicity', done_at: null })
    ctx.setNow('2026-03-04T09:00:00Z')
    const later = await dpoAt('2026-03-04T09:00:00Z')
    await tick(later, requestId, erase?.id ?? '', { taskNote: 'Deleted the answer on the platform' }, 303)

    const draft = draftOf((await caseForm(later, requestId)).page.text)
    expect(draft).toContain(
      'We recorded that you withdrew your consent on 3 March 2026. We stopped using your ethnicity on 3 March 2026.',
    )
    expect(draft).toContain('we also deleted it on 4 March 2026 (Article 17(1)(b))')
    await post(later, requestId, 'complete', { letter: draft }, 303)
    expect(await row(requestId)).toMatchObject({ status: 'completed', outcome: 'fulfilled' })
  })
})

describe('restriction and erasure pass on to the recipients (Art. 19)', () => {
  it('gives a restriction a task per recipient when it is carried out, and none before', async () => {
    const requestId = await file('restriction', 'ola@example.org', {
      type: 'restriction',
      ground: 'accuracy',
      askRecipients: true,
    })
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    expect(await tasksOf(requestId)).toEqual([])
    await post(
      agent,
      requestId,
      'restrict-record',
      { restrictionGround: 'accuracy', reviewOn: '2026-06-01' },
      303,
    )
    expect((await tasksOf(requestId)).map((t) => t.kind)).toEqual(
      Array(recipientCount).fill('notify_recipient'),
    )
  })

  it('gives an access request none', async () => {
    const requestId = await file('access', 'pat@example.org')
    expect(await tasksOf(requestId)).toEqual([])
  })
})
