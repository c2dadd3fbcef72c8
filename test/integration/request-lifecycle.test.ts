import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { formatLongDate } from '../../src/domain/clock.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest, insertOpenRequest } from '../helpers/requests.js'
import { caseForm, dpoSignIn, postCaseAction } from '../helpers/cases.js'

let ctx: TestContext
beforeEach(async () => {
  // Wednesday 3 September 2025: the one-month deadline is Friday 3 October.
  ctx = await createTestContext({ now: '2025-09-03T09:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const post = postCaseAction
const dpoAt = dpoSignIn(() => ctx)

const row = (id: string) => ctx.services.db('rights_requests').where({ id }).first()
const eventsOf = (id: string, kind: string) =>
  ctx.services.db('events').where({ subject_id: id, kind }).orderBy('seq')

/** The textarea's content on the case page, as the browser would submit it. */
function draftOf(html: string, id: string): string {
  const raw = new RegExp(`<textarea[^>]*id="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1] ?? ''
  return raw
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim()
}

describe('withdrawal during a clarification pause', () => {
  it('stops the clock the same way whether the person withdraws or staff close it as withdrawn', async () => {
    const byPerson = await fileConfirmedRequest(ctx, { email: 'one@example.org' })
    const byStaff = await fileConfirmedRequest(ctx, { email: 'two@example.org' })
    let agent = await dpoAt('2025-09-30T09:00:00Z')
    for (const { requestId } of [byPerson, byStaff]) {
      await post(agent, requestId, 'ask', { kind: 'clarification', body: 'Which data do you mean?' }, 303)
    }

    // 30 September to 6 October is 7 days paused.
    agent = await dpoAt('2025-10-06T09:00:00Z')
    const person = ctx.agent()
    const status = await person.get(`/status/${byPerson.statusToken}`).expect(200)
    await person
      .post(`/status/${byPerson.statusToken}/withdraw`)
      .type('form')
      .send({ _csrf: csrfFrom(status.text) })
      .expect(303)
    await post(agent, byStaff.requestId, 'close', { as: 'withdrawn', note: 'By email', confirm: 'yes' }, 303)

    const expected = {
      status: 'withdrawn',
      pause_kind: null,
      paused_since: null,
      paused_days: 7,
      due_on: '2025-10-10',
    }
    expect(await row(byPerson.requestId)).toMatchObject(expected)
    expect(await row(byStaff.requestId)).toMatchObject(expected)
  })
})

describe('the extended deadline', () => {
  async function extendAndCompare(requestId: string, expectedDue: string) {
    const agent = await dpoAt(ctx.now().toISOString())
    const { page } = await caseForm(agent, requestId)
    const draft = draftOf(page.text, 'extend-letter')
    expect(draft).toContain(formatLongDate(expectedDue))
    await post(agent, requestId, 'extend', { letter: draft.replace(/\[[^\]]+\]/, 'It is complex.') }, 303)

    const stored = await row(requestId)
    expect(stored.extended_due_on).toBe(expectedDue)
    const [extended] = await eventsOf(requestId, 'case.extended')
    expect(JSON.parse(extended.data as string)).toMatchObject({ extendedDueOn: expectedDue })
    const letter = await ctx.services
      .db('request_messages')
      .where({ request_id: requestId, kind: 'extension' })
      .first()
    expect(letter.body).toContain(`We will now answer by ${formatLongDate(expectedDue)}`)
    // And the date the queue shows for it, the clock paused or not.
    const queue = await agent.get('/staff/requests').expect(200)
    expect(queue.text).toContain(formatLongDate(expectedDue))
  }

  it('is the same date drafted, written and stored while the clock runs', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    ctx.setNow('2025-09-10T09:00:00Z')
    // Three months from 3 September: 3 December 2025, a Wednesday.
    await extendAndCompare(requestId, '2025-12-03')
  })

  it('counts the open pause to the day of extending, in the draft as in what is stored', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    const agent = await dpoAt('2025-09-10T09:00:00Z')
    await post(agent, requestId, 'ask', { kind: 'clarification', body: 'Which data?' }, 303)
    // Paused from 10 to 15 September (6 days): 3 December + 6 = 9 December 2025, a Tuesday.
    ctx.setNow('2025-09-15T09:00:00Z')
    await extendAndCompare(requestId, '2025-12-09')
  })
})

describe('reopening a request closed by mistake', () => {
  it('reopens a withdrawn request on its original clock, records why and tells the person', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    let agent = await dpoAt('2025-09-10T09:00:00Z')
    await post(
      agent,
      requestId,
      'close',
      { as: 'withdrawn', note: 'Phoned to withdraw', confirm: 'yes' },
      303,
    )

    agent = await dpoAt('2025-09-12T09:00:00Z')
    const { page } = await caseForm(agent, requestId)
    expect(page.text).toContain('Reopen this request')
    await post(agent, requestId, 'reopen', { reopenReason: 'It was her neighbour who phoned' }, 303)

    expect(await row(requestId)).toMatchObject({
      status: 'received',
      clock_start_on: '2025-09-03',
      due_on: '2025-10-03',
      closed_at: null,
      close_reason: null,
    })
    const [reopened] = await eventsOf(requestId, 'case.reopened')
    expect(JSON.parse(reopened.data as string)).toMatchObject({
      previousStatus: 'withdrawn',
      status: 'received',
      reason: 'It was her neighbour who phoned',
      dueOn: '2025-10-03',
    })
    const mail = (await ctx.outbox()).filter((m) => m.kind === 'case-reopened').at(-1)
    expect(mail?.to_address).toBe('jane@example.org')
    expect(mail?.text_body).toContain('We will answer by 3 October 2025')
    expect(mail?.text_body).not.toContain('neighbour')

    const after = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(after.text).toContain('Reopened; the person was told')
    expect(after.text).not.toContain('Reopen this request')
  })

  it('reopens a completed request and says plainly when its deadline has already passed', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    let agent = await dpoAt('2025-09-10T09:00:00Z')
    // jane@example.org has no email record: the outcome is that no data is held.
    await post(agent, requestId, 'complete', { letter: 'We hold no data about you.' }, 303)
    expect(await row(requestId)).toMatchObject({ status: 'completed', outcome: 'no_data_held' })
    agent = await dpoAt('2025-10-20T09:00:00Z')
    await post(agent, requestId, 'reopen', { reopenReason: 'Completed on the wrong case' }, 303)
    expect(await row(requestId)).toMatchObject({ status: 'received', outcome: null, due_on: '2025-10-03' })
    const mail = (await ctx.outbox()).filter((m) => m.kind === 'case-reopened').at(-1)
    expect(mail?.text_body).toContain('The time limit for our answer ended on 3 October 2025')
  })

  it('needs a reason, and changes nothing without one', async () => {
    const first = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    expect((await row(first.requestId)).reference).toBe('DSR-2025-00001')
    // Jane's second access request, as if the portal had not matched it to the first.
    const requestId = await insertOpenRequest(ctx, { email: 'jane@example.org', reference: 'DSR-2025-00002' })
    const agent = await dpoAt('2025-09-10T09:00:00Z')
    await post(
      agent,
      requestId,
      'close',
      { as: 'duplicate', duplicateOf: 'DSR-2025-00001', confirm: 'yes' },
      303,
    )
    expect(await row(requestId)).toMatchObject({ status: 'duplicate', duplicate_of: first.requestId })
    const before = await row(requestId)
    const res = await post(agent, requestId, 'reopen', { reopenReason: '  ' }, 400)
    expect(res.text).toContain('href="#reopenReason"')
    expect(await row(requestId)).toEqual(before)
  })

  it('refuses to reopen an open or refused request', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    const agent = await dpoAt('2025-09-10T09:00:00Z')
    await post(agent, requestId, 'reopen', { reopenReason: 'No reason' }, 409)
    await post(
      agent,
      requestId,
      'refuse',
      { ground: 'manifestly_excessive', letter: 'A repeat request.' },
      303,
    )
    const { page, csrf } = await caseForm(agent, requestId)
    expect(page.text).not.toContain('Reopen this request')
    // A refused case has no forms to carry its version, so the request is made as a script would.
    await agent
      .post(`/staff/requests/${requestId}/reopen`)
      .type('form')
      .send({ _csrf: csrf, version: String((await row(requestId)).version), reopenReason: 'No reason' })
      .expect(409)
    expect((await row(requestId)).status).toBe('refused')
  })

  it('refuses a stale form', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    const agent = await dpoAt('2025-09-10T09:00:00Z')
    await post(agent, requestId, 'close', { as: 'withdrawn', note: 'By email', confirm: 'yes' }, 303)
    const { csrf, version } = await caseForm(agent, requestId)
    await post(agent, requestId, 'message', { body: 'We have closed your request.' }, 303)
    await agent
      .post(`/staff/requests/${requestId}/reopen`)
      .type('form')
      .send({ _csrf: csrf, version, reopenReason: 'Mistake' })
      .expect(409)
    expect((await row(requestId)).status).toBe('withdrawn')
  })
})

describe('free text staff type that quotes an address', () => {
  it('is kept on the case, and the audit trail records it without the address', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    const agent = await dpoAt('2025-09-10T09:00:00Z')
    await post(agent, requestId, 'tasks', { title: 'Email jane@example.org about the platform copy' }, 303)
    await post(
      agent,
      requestId,
      'close',
      { as: 'withdrawn', note: 'Withdrawn by jane@example.org', confirm: 'yes' },
      303,
    )
    const tasks = await ctx.services.db('request_tasks').where({ request_id: requestId }).pluck('title')
    expect(tasks).toEqual(['Email jane@example.org about the platform copy'])
    const events = await ctx.services.db('events').where({ subject_id: requestId }).pluck('data')
    expect(events.join('\n')).not.toContain('jane@example.org')
    expect(events.join('\n')).toContain('[address removed]')
  })
})
