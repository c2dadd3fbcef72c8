import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, testSecret, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { Readable } from 'node:stream'
import { importEmailRecords } from '../../src/records/import.js'
import { caseForm, dpoSignIn, postCaseAction, tickOffTasks } from '../helpers/cases.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  // Wednesday 3 September 2025: the one-month deadline is Friday 3 October.
  ctx = await createTestContext({ now: '2025-09-03T09:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

type Agent = ReturnType<TestContext['agent']>

const post = postCaseAction
const dpoAt = dpoSignIn(() => ctx)

const row = (id: string) => ctx.services.db('rights_requests').where({ id }).first()
const lastMail = async (kind: string) => (await ctx.outbox()).filter((m) => m.kind === kind).at(-1)

async function statusPage(agent: Agent, mailKind: string) {
  const mail = await lastMail(mailKind)
  const path = /http:\/\/portal\.test(\/status\/[A-Za-z0-9_-]{43})/.exec(mail?.text_body ?? '')?.[1]
  if (!path) throw new Error('No status link')
  return { path, page: await agent.get(path).expect(200) }
}

describe('clarification of an access request', () => {
  it('measures an answer sent while waiting against the deadline moved by the days waited', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    let agent = await dpoAt('2025-09-30T09:00:00Z')
    await post(agent, requestId, 'ask', { kind: 'clarification', body: 'Which data do you mean?' }, 303)
    // Refused on 6 October, still waiting: 30 September to 6 October is 7 days, so 3 October + 7.
    agent = await dpoAt('2025-10-06T09:00:00Z')
    await post(
      agent,
      requestId,
      'refuse',
      { ground: 'manifestly_excessive', letter: 'A repeat request.' },
      303,
    )
    expect(await row(requestId)).toMatchObject({
      status: 'refused',
      pause_kind: null,
      paused_since: null,
      paused_days: 7,
      due_on: '2025-10-10',
    })
    const refused = await ctx.services
      .db('events')
      .where({ subject_id: requestId, kind: 'case.refused' })
      .first()
    expect(JSON.parse(String(refused.data))).toMatchObject({ dueOn: '2025-10-10', answeredOn: '2025-10-06' })
  })

  it('pauses the clock, and the person’s reply resumes it with the paused days added', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    const agent = await dpoAt('2025-09-10T09:00:00Z')
    await post(
      agent,
      requestId,
      'ask',
      { kind: 'clarification', body: 'Which correspondence do you mean, {name}?' },
      303,
    )
    expect(await row(requestId)).toMatchObject({
      status: 'awaiting_clarification',
      pause_kind: 'clarification',
      paused_since: '2025-09-10',
    })
    const mail = await lastMail('case-clarification')
    expect(mail?.to_address).toBe('jane@example.org')
    expect(mail?.text_body).toContain('Which correspondence do you mean, you?')
    expect(mail?.text_body).toContain('dpo@whatworks-csc.org.uk')

    const person = ctx.agent()
    const { path, page } = await statusPage(person, 'case-clarification')
    expect(page.text).toContain('Which correspondence do you mean')
    expect(page.text).toContain('Paused until you reply')
    const tooLong = await person
      .post(`${path}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reply: 'x'.repeat(5001) })
      .expect(400)
    expect(tooLong.text).toContain('href="#reply"')
    expect(tooLong.text).toContain('x'.repeat(100))

    ctx.setNow('2025-09-14T12:00:00Z')
    await person
      .post(`${path}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reply: 'The voucher emails only.' })
      .expect(303)
    // 10 to 14 September is 5 days: 3 October + 5 = 8 October.
    expect(await row(requestId)).toMatchObject({
      status: 'received',
      pause_kind: null,
      paused_days: 5,
      due_on: '2025-10-08',
    })
    const after = await person.get(path).expect(200)
    expect(after.text).toContain('The voucher emails only.')
    expect(after.text).toContain('8 October 2025')
    expect(after.text).not.toContain('Send reply')
    const events = await ctx.services.db('events').where({ subject_id: requestId }).pluck('kind')
    expect(events).toEqual(expect.arrayContaining(['case.asked_clarification', 'case.person_replied']))
  })

  it('is only for access requests', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'e@example.org', type: 'erasure' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await post(agent, requestId, 'ask', { kind: 'clarification', body: 'Why?' }, 400)
    expect(res.text).toContain('href="#kind"')
    expect((await row(requestId)).status).toBe('received')
  })
})

describe('identity', () => {
  it('stops the clock and restarts it from the day the proof arrived', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'id@example.org', type: 'erasure' })
    await post(
      await dpoAt('2025-09-05T09:00:00Z'),
      requestId,
      'ask',
      { kind: 'identity', body: 'Please send proof.' },
      303,
    )
    expect((await row(requestId)).status).toBe('awaiting_identity')
    const agent = await dpoAt('2025-09-22T09:00:00Z')
    const future = await post(agent, requestId, 'arrival', { arrivedOn: '2025-09-30', note: '' }, 400)
    expect(future.text).toContain('href="#arrivedOn"')
    await post(agent, requestId, 'arrival', { arrivedOn: '2025-09-20', note: 'Passport copy by post' }, 303)
    expect(await row(requestId)).toMatchObject({
      status: 'received',
      clock_start_on: '2025-09-20',
      due_on: '2025-10-20',
    })
  })
})

describe('extension', () => {
  it('extends to three months from the same start and tells the person, once', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'x@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const empty = await post(agent, requestId, 'extend', { letter: '  ' }, 400)
    expect(empty.text).toContain('href="#extend-letter"')
    await post(
      await dpoAt('2025-09-25T09:00:00Z'),
      requestId,
      'extend',
      { letter: 'Your request covers several systems. We will answer by {due}.' },
      303,
    )
    expect(await row(requestId)).toMatchObject({
      extended: expect.anything(),
      due_on: '2025-12-03',
      extended_due_on: '2025-12-03',
    })
    expect((await lastMail('case-extension'))?.text_body).toContain('3 December 2025')
    const later = await dpoAt('2025-09-26T09:00:00Z')
    const { page } = await caseForm(later, requestId)
    expect(page.text).toContain('Already extended to 3 December 2025')
    await post(later, requestId, 'extend', { letter: 'More time' }, 400)
  })

  it('is refused after the first month, with the reason', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'late@example.org' })
    ctx.setNow('2025-10-04T09:00:00Z')
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { csrf, version } = await caseForm(agent, requestId)
    const res = await agent
      .post(`/staff/requests/${requestId}/extend`)
      .type('form')
      .send({ _csrf: csrf, version, letter: 'Too late?' })
      .expect(400)
    expect(res.text).toContain('The first month ended on 3 October 2025')
    expect((await row(requestId)).due_on).toBe('2025-10-03')
  })
})

describe('completing and refusing', () => {
  it('cannot complete while a task is open, then completes and answers the person', async () => {
    const study = (await ctx.services.studies.listAccepting())[0]!
    await importEmailRecords(
      { db: ctx.services.db, secret: testSecret, now: ctx.now },
      {
        studyId: study.id,
        open: () => Readable.from(['email,participated\ndone@example.org,2025-06-01\n']),
        actor: { type: 'system', id: 'test' },
      },
    )
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'done@example.org', type: 'erasure' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const tooLong = await post(agent, requestId, 'tasks', { title: 'x'.repeat(301) }, 400)
    expect(tooLong.text).toContain('The task must be 300 characters or fewer')
    expect(await ctx.services.db('request_tasks')).toEqual([])
    await post(agent, requestId, 'tasks', { title: 'Ask the study team about the paper forms' }, 303)
    const blocked = await post(agent, requestId, 'complete', { letter: 'Done.' }, 400)
    expect(blocked.text).toContain('Tick off every task')
    expect(blocked.text).toContain('href="#tasks"')
    const task = await ctx.services.db('request_tasks').first()
    const { csrf } = await caseForm(agent, requestId)
    await agent
      .post(`/staff/requests/${requestId}/tasks/${task.id}/done`)
      .type('form')
      .send({ _csrf: csrf, taskNote: '' })
      .expect(400)
    await agent
      .post(`/staff/requests/${requestId}/tasks/${task.id}/done`)
      .type('form')
      .send({ _csrf: csrf, taskNote: 'No paper forms were used' })
      .expect(303)
    // Nothing has been erased yet, so the request cannot be answered as if it had.
    const notErased = await post(agent, requestId, 'complete', { letter: 'We deleted your address.' }, 400)
    expect(notErased.text).toContain('href="#parts"')
    expect(notErased.text).toContain('Erase the record')
    expect((await row(requestId)).status).toBe('received')
    await post(agent, requestId, 'erase-record', { confirm: 'yes' }, 303)
    // Erasing adds the deletions outside the portal as tasks: they too must be ticked off.
    const deletions = await post(agent, requestId, 'complete', { letter: 'We deleted your address.' }, 400)
    expect(deletions.text).toContain('Tick off every task')
    await tickOffTasks(ctx, agent, requestId)
    await post(agent, requestId, 'complete', { letter: 'We deleted your address.' }, 303)
    expect(await row(requestId)).toMatchObject({
      status: 'completed',
      outcome: 'fulfilled',
      close_reason: 'completed',
    })
    const { page } = await statusPage(ctx.agent(), 'case-completion')
    expect(page.text).toContain('Completed')
    expect(page.text).toContain('We deleted your address.')
    await post(agent, requestId, 'tasks', { title: 'Too late' }, 409)
  })

  it('refuses with the reasons, and the letter always gives the right to complain and to a judicial remedy', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'no@example.org', type: 'erasure' })
    const { agent } = await signedInAgent(ctx, 'admin')
    await post(agent, requestId, 'refuse', { ground: 'made_up', letter: 'No.' }, 400)
    await post(
      agent,
      requestId,
      'refuse',
      { ground: 'research_exemption', letter: 'Erasure would seriously impair the research.' },
      303,
    )
    expect(await row(requestId)).toMatchObject({ status: 'refused', outcome_reason: 'research_exemption' })
    const letter = (await lastMail('case-refusal'))?.text_body ?? ''
    expect(letter).toContain('Erasure would seriously impair the research.')
    expect(letter).toContain("Information Commissioner's Office")
    expect(letter).toContain('judicial remedy')
  })
})

describe('two people on one case', () => {
  it('answers a stale form with a clear conflict and changes nothing', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'busy@example.org' })
    const { agent: first } = await signedInAgent(ctx, 'dpo', 'first@portal.test')
    const { agent: second } = await signedInAgent(ctx, 'dpo', 'second@portal.test')
    const stale = await caseForm(second, requestId)
    await post(first, requestId, 'message', { body: 'We are on it.' }, 303)
    const res = await second
      .post(`/staff/requests/${requestId}/complete`)
      .type('form')
      .send({
        _csrf: stale.csrf,
        version: stale.version,
        letter: 'My answer',
      })
      .expect(409)
    expect(res.text).toContain('This case changed since you opened it')
    expect(res.text).toContain('My answer')
    expect((await row(requestId)).status).toBe('received')
  })
})

describe('notes, assignment and roles', () => {
  it('keeps internal notes off the person’s status page', async () => {
    const { requestId, statusToken } = await fileConfirmedRequest(ctx, { email: 'n@example.org' })
    const { agent, user } = await signedInAgent(ctx, 'dpo')
    await post(agent, requestId, 'notes', { note: 'Seems to be a test request' }, 303)
    await post(agent, requestId, 'assign', { assignee: user.id }, 303)
    expect((await row(requestId)).assignee_id).toBe(user.id)
    const staffPage = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(staffPage.text).toContain('Seems to be a test request')
    const personPage = await ctx.agent().get(`/status/${statusToken}`).expect(200)
    expect(personPage.text).not.toContain('Seems to be a test request')
    const mine = await agent.get('/staff/requests?assignee=mine').expect(200)
    expect(mine.text).toContain('DSR-2025-00001')
  })

  it('lets an auditor read a case but not act on it', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'a@example.org' })
    const { agent } = await signedInAgent(ctx, 'auditor')
    const { page, csrf } = await caseForm(agent, requestId)
    expect(page.text).not.toContain('Send answer and complete')
    await agent
      .post(`/staff/requests/${requestId}/message`)
      .type('form')
      .send({ _csrf: csrf, version: '2', body: 'Hello' })
      .expect(403)
  })
})

describe('forms without a CSRF token', () => {
  it('are refused on every case action and change nothing', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'c@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { version } = await caseForm(agent, requestId)
    for (const action of ['message', 'extend', 'complete', 'refuse', 'notes']) {
      await agent
        .post(`/staff/requests/${requestId}/${action}`)
        .type('form')
        .send({ version, body: 'x', letter: 'x', ground: 'exemption', note: 'x' })
        .expect(403)
    }
    expect(await row(requestId)).toMatchObject({ status: 'received', version: Number(version) })
  })
})
